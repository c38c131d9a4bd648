"""Security headers on every HTTP answer of the single port: pages, JSON, file downloads, errors.

Added to the FastAPI app (`api/app.py`); Reflex mounts its own routes and, in production, the
compiled frontend inside that app (`api_transformer`), so one pure-ASGI middleware covers the HTML
pages and static files as well as the API. WebSocket traffic (the event channel) passes untouched.

The Content-Security-Policy of an HTML page is built for the compiled Reflex (React Router) frontend:

- `script-src 'self'` plus the SHA-256 hash of every inline `<script>` in that very response. The
  prerendered pages carry a few inline scripts (theme, scroll restoration, the route manifest and
  streaming glue); they are static per build, so the hashes are computed from the body once and
  cached. No `'unsafe-inline'` for scripts.
- `'unsafe-eval'` stays: Reflex runs `rx.call_script` (used to read the browser's time zone) and
  every event callback sent by the server through `eval` in `.web/utils/state.js`; without it those
  events fail. Only our own backend can send them, over the same-origin websocket.
- `style-src 'self' 'unsafe-inline'`: Emotion inserts `<style>` elements at run time and Radix sets
  `style` attributes; the prerendered HTML is static, so a per-response nonce cannot reach them.
- `connect-src 'self'` (plus the public origin's ws/wss form): the event websocket and API calls are
  same-origin in single-port mode.
- `frame-src 'self'` plus the two video players a tutor's intro video may embed
  (services/tutors/intro_video.py: youtube-nocookie.com and player.vimeo.com) and nothing else. It is
  on every page, not only on profiles: the app navigates client-side, so the policy of whichever page
  was loaded first is the one in force when a profile is opened.
Everything that is not HTML (JSON, downloads, images, scripts) gets `default-src 'none'; sandbox`, so a
stored file opened in the browser can never run as a page of this origin.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.datastructures import MutableHeaders

from tutorhub.room_settings import get_room_settings
from tutorhub.services.tutors.intro_video import FRAME_SOURCES
from tutorhub.settings import Settings, get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Pages with a video room (issue 19): the lesson page and a class session's room.
LESSON_ROOM = re.compile(r"^/(lessons/[^/]+|classes/[^/]+/sessions/[^/]+/room)/?$")
DOCS_PATH = "/api/v1/docs"
DOCS_SOURCES = "https://cdn.jsdelivr.net"  # FastAPI's Swagger UI page loads its bundle from there
MAX_HTML_BYTES = 2 * 1024 * 1024
_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC_ATTR = re.compile(rb"\bsrc\s*=", re.IGNORECASE)
_HASH_CACHE: dict[bytes, tuple[str, ...]] = {}

NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
PERMISSIONS_BASE = "geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"


def inline_script_hashes(html: bytes) -> tuple[str, ...]:
    """CSP source expressions ('sha256-…') for every inline script of a page, in order, deduplicated."""
    key = hashlib.sha256(html).digest()
    cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached
    found: dict[str, None] = {}
    for match in _INLINE_SCRIPT.finditer(html):
        if _SRC_ATTR.search(match.group(1)):
            continue
        digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
        found[f"'sha256-{digest}'"] = None
    result = tuple(found)
    if len(_HASH_CACHE) > 512:
        _HASH_CACHE.clear()
    _HASH_CACHE[key] = result
    return result


def _ws_origin(public_url: str) -> str:
    scheme, _, rest = public_url.partition("://")
    host = rest.split("/", 1)[0]
    return f"{'wss' if scheme == 'https' else 'ws'}://{host}"


def _sfu_origin(public_url: str) -> str:
    """The Janus client API's origin when browsers reach it elsewhere than this origin (`make run`:
    port 8088 beside the app), so the room page may call it."""
    parts = urlsplit(get_room_settings().public_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return "" if public_url.startswith(origin + "/") or public_url == origin else f" {origin}"


def _s3_origin(settings: Settings) -> str:
    """The course-video bucket's origin when S3 is configured: browsers PUT upload parts to it and play
    its pre-signed GET URLs (integrations/object_store.py uses path-style addressing)."""
    if not settings.s3_bucket:
        return ""
    url = settings.s3_endpoint_url or f"https://s3.{settings.s3_region}.amazonaws.com"
    scheme, _, rest = url.partition("://")
    return f" {scheme}://{rest.split('/', 1)[0]}"


def page_csp(settings: Settings, path: str, script_hashes: tuple[str, ...] | None) -> str:
    """The policy of an HTML page. `script_hashes` None means the body could not be read (an
    encoding we do not decode): inline scripts are then allowed rather than breaking the page."""
    inline = " ".join(script_hashes) if script_hashes is not None else "'unsafe-inline'"
    extra = f" {DOCS_SOURCES}" if path.startswith(DOCS_PATH) else ""
    directives = [
        "default-src 'self'",
        f"script-src 'self' {inline} 'unsafe-eval'{extra}".replace("  ", " "),
        f"style-src 'self' 'unsafe-inline'{extra}",
        "img-src 'self' data: blob:" + (" https://fastapi.tiangolo.com" if extra else ""),
        "font-src 'self' data:",
        f"connect-src 'self' {_ws_origin(settings.public_url)}{_sfu_origin(settings.public_url)}{_s3_origin(settings)}",
        f"media-src 'self' blob:{_s3_origin(settings)}",
        "frame-src 'self' " + " ".join(FRAME_SOURCES),
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.is_https:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def permissions_policy(path: str) -> str:
    """Camera, microphone and screen sharing only in a video room (`/lessons/<id>`, a class session's
    room); nowhere else."""
    if LESSON_ROOM.match(path):
        media = "camera=(self), microphone=(self), display-capture=(self)"
    else:
        media = "camera=(), microphone=(), display-capture=()"
    return f"{media}, {PERMISSIONS_BASE}"


def common_headers(settings: Settings, path: str) -> dict[str, str]:
    headers = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": permissions_policy(path),
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.is_https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def _decoded(body: bytes, encoding: str) -> bytes | None:
    encoding = encoding.strip().lower()
    if encoding in {"", "identity"}:
        return body
    if encoding == "gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return None
    return None  # brotli / zstd: not decoded here (rxconfig keeps Reflex's gzip default)


def _hashes_of_file(path: str, start: Message) -> tuple[str, ...] | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_HTML_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_HTML_BYTES:
        return None
    decoded = _decoded(raw, MutableHeaders(scope=start).get("content-encoding", ""))
    return inline_script_hashes(decoded) if decoded is not None else None


def _apply(message: Message, headers: dict[str, str]) -> None:
    target = MutableHeaders(scope=message)
    for name, value in headers.items():
        if name not in target:  # a route that sets its own value keeps it
            target[name] = value


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        path = scope.get("path", "")
        common = common_headers(settings, path)
        start: Message | None = None  # an HTML response's start, held until its body is complete
        released = False
        chunks: list[bytes] = []
        size = 0

        async def release(hashes: tuple[str, ...] | None) -> None:
            nonlocal released
            assert start is not None
            released = True
            _apply(start, {**common, "Content-Security-Policy": page_csp(settings, path, hashes)})
            await send(start)

        async def send_wrapper(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                if message.get("status") == 304:
                    # A revalidated page keeps the policy stored with it: the headers of a 304
                    # replace the cached ones (RFC 9111 §4.3.4), and a 304 has no body to hash,
                    # so sending a policy here would block the page's own inline scripts.
                    _apply(message, common)
                    await send(message)
                    return
                if MutableHeaders(scope=message).get("content-type", "").lower().startswith("text/html"):
                    start = message
                    return
                _apply(message, {**common, "Content-Security-Policy": NON_HTML_CSP})
                await send(message)
                return
            if start is not None and not released and message["type"] == "http.response.pathsend":
                # The server sends the file itself (ASGI pathsend, e.g. granian): hash it from disk.
                await release(await anyio.to_thread.run_sync(_hashes_of_file, message["path"], start))
                await send(message)
                return
            if start is None or released or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = bool(message.get("more_body", False))
            if size > MAX_HTML_BYTES:  # too big to hold: stream it with a policy that allows inline scripts
                await release(None)
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": more})
                return
            if more:
                return
            body = b"".join(chunks)
            decoded = _decoded(body, MutableHeaders(scope=start).get("content-encoding", ""))
            await release(inline_script_hashes(decoded) if decoded is not None else None)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, send_wrapper)
