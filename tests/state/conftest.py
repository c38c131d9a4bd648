"""Drive Reflex states directly under pytest, against the real test database.

How states are instantiated: Reflex allows `State(...)` outside the framework only under pytest
(it checks PYTEST_CURRENT_TEST). A `Browser` below builds the whole state tree the way one
browser tab has it (`reflex.state.State` → `AppState` → page states), fills in the router data a
websocket event would carry (path, query, client IP, user agent) and sets the session cookie var
as the browser would send it. Handlers are then called on the substate instances exactly as the
event processor calls them (`await state.handler(args)`, or iterating async generators); the
events they return (redirects, toasts, chained handlers) are collected for assertions.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

import pytest
from reflex.istate.data import RouterData
from reflex.state import State
from reflex_base.event import EventHandler, EventSpec

from tests.conftest import PASSWORD
from tests.support.db import count, fetch  # noqa: F401  (re-exported for the state tests)
from tutorhub.db import session_scope
from tutorhub.services.accounts import web_auth
from tutorhub.state.base import AppState

CLIENT_IP = "203.0.113.7"
USER_AGENT = "pytest-browser/1.0"


def _flatten(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        out: list[Any] = []
        for item in value:
            out.extend(_flatten(item))
        return out
    return [value]


class Browser:
    """One browser tab's state tree, with a cookie jar of one cookie (the session)."""

    def __init__(self) -> None:
        self.root = State(_reflex_internal_init=True)
        self.goto("/")

    def state(self, cls: type) -> Any:
        return self.root.get_substate(cls.get_full_name().split(".")[1:])

    @property
    def app(self) -> AppState:
        return self.state(AppState)

    def goto(self, url: str, route: str | None = None) -> None:
        path, _, query = url.partition("?")
        self.root.router = RouterData.from_router_data(
            {
                "headers": {"origin": "http://testserver", "user-agent": USER_AGENT, "host": "testserver"},
                "ip": CLIENT_IP,
                "pathname": route or path,
                "asPath": url,
                "query": dict(parse_qsl(query)),
                "token": "test-client-token",
                "sid": "test-sid",
            }
        )

    @property
    def cookie(self) -> str:
        return self.app.session_token

    def set_cookie(self, token: str) -> None:
        self.app.session_token = token

    def login(self, email: str, password: str = PASSWORD) -> str:
        """Sign in through the same service the login page uses; the browser keeps the token."""
        with session_scope() as session:
            result = web_auth.login_with_password(
                session, email=email, password=password, ip=CLIENT_IP, user_agent=USER_AGENT
            )
        self.set_cookie(result.token)
        return result.token

    def open(self, cls: type, url: str, email: str | None = None) -> tuple[Any, list[Any]]:
        """Sign in (when `email` is given), go to `url` and run the page's `load`, as the page's
        on_load would: the page state and the events `load` returned."""
        if email:
            self.login(email)
        self.goto(url)
        page = self.state(cls)
        events = self.run(page.load())
        return page, events

    def run(self, result: Any) -> list[Any]:
        """Finish a handler call (sync value, coroutine or async generator); return its events."""

        async def finish() -> list[Any]:
            events: list[Any] = []
            if inspect.isasyncgen(result):
                async for item in result:
                    events.extend(_flatten(item))
            elif inspect.isawaitable(result):
                events.extend(_flatten(await result))
            else:
                events.extend(_flatten(result))
            return events

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(finish())
        # A loop is already running in this thread (e.g. Playwright's sync API from the e2e
        # tests in the same session): finish the handler on a loop of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, finish()).result()


def redirects(events: list[Any]) -> list[str]:
    out = []
    for event in _flatten(events):
        if isinstance(event, EventSpec) and event.handler.fn.__qualname__ == "_redirect":
            args = {name._js_expr: value for name, value in event.args}
            out.append(args["path"]._var_value)
    return out


def toasts(events: list[Any], kind: str | None = None) -> list[str]:
    """The JS of toast events (e.g. refs['__toast']?.["error"]("...")), optionally of one kind."""
    out = []
    for event in _flatten(events):
        if isinstance(event, EventSpec) and event.handler.fn.__qualname__ == "_call_function":
            text = str(dict((n._js_expr, v) for n, v in event.args)["function"])
            if "__toast" in text and (kind is None or f'"{kind}"' in text):
                out.append(text)
    return out


def chained(events: list[Any]) -> list[str]:
    return [e.fn.__name__ for e in _flatten(events) if isinstance(e, EventHandler)]


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield Browser()


@pytest.fixture
def new_browser():
    """A factory for more tabs/browsers in one test (e.g. the victim and the stranger)."""
    return Browser
