"""Gives every browser its device id (services/accounts/devices.py) on its first page load.

Why here: the id must be HttpOnly, which a Reflex state cookie (written by the page's script) cannot
be; this pure-ASGI middleware wraps everything the single port serves (`api_transformer`), so the
first page a browser opens — whatever its route, since later navigation happens client-side —
answers with `Set-Cookie: th_device=…` when the request carried none. The event websocket opens
after that page, so its handshake carries the cookie and the login and sign-up handlers read it
there (state/base.py `_device_id`). Only page navigations (GET asking for text/html) get one: API
clients, scripts and static files never do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from tutorhub.services.accounts.devices import device_cookie, device_from_cookies, new_device_id
from tutorhub.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def wants_device_cookie(scope: Scope) -> bool:
    """A browser's page navigation without a (well-formed) device id yet."""
    return (scope["type"] == "http" and scope.get("method") == "GET" and "text/html" in _header(scope, b"accept")
            and not device_from_cookies(_header(scope, b"cookie")))


class DeviceCookieMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not wants_device_cookie(scope):
            await self.app(scope, receive, send)
            return
        cookie = device_cookie(new_device_id(), secure=get_settings().is_https).encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                # This one answer carries a browser's own id: no shared cache (a CDN, a proxy) may keep
                # it and hand the same id to other browsers, which would make strangers one "device".
                kept = [(k, v) for k, v in message.get("headers") or [] if bytes(k).lower() != b"cache-control"]
                message["headers"] = [*kept, (b"cache-control", b"private, no-store"), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
