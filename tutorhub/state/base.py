"""The root application state: the session cookie, who is looking (for display), and the helpers
every page state uses to run one service call in one unit of work off the event loop."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from tutorhub.db import session_scope
from tutorhub.services.accounts import sessions
from tutorhub.services.accounts.devices import DEVICE_PATH, device_from_cookies
from tutorhub.services.accounts.web_auth import WebLogin
from tutorhub.services.actor import UserOut
from tutorhub.services.booking.screens import pending_request_count
from tutorhub.services.currency import CURRENCIES, clean_locale, effective_display_currency, guess_display_currency
from tutorhub.services.errors import DomainError, Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.validation import validate_timezone
from tutorhub.settings import public_url_from_env

T = TypeVar("T")

SESSION_COOKIE = "th_session"
SESSION_MAX_AGE = 30 * 24 * 3600
# `Secure` whenever the app is served over https (the browser then never sends the session over plain
# http). Read when the frontend is compiled: the cookie's options are baked into the build, which
# `reflex run` / `reflex export` redo with the same environment.
SESSION_COOKIE_SECURE = public_url_from_env().startswith("https://")
CURRENCY_COOKIE = "th_currency"  # an anonymous visitor's picked display currency (not a secret)
DETECT_TZ_JS = "Intl.DateTimeFormat().resolvedOptions().timeZone"
# The browser's zone and language tag at once (a constant script: no user data in it).
DETECT_BROWSER_JS = "[Intl.DateTimeFormat().resolvedOptions().timeZone, navigator.language || '']"



def ask_device_js(api_url: str) -> str:
    """The script that gets a browser its HttpOnly device cookie when the page it is on was not served
    by the app's backend (the development frontend server): one same-site GET of the backend's
    DEVICE_PATH (it sets the cookie), then one reload, so the event websocket's handshake carries it
    and logins record the device (LoginEvent.device_id). Once per tab: a browser refusing cookies
    is not reloaded again. The backend host "localhost" is the page's own host, as Reflex does."""
    return (
        "(() => { try { if (sessionStorage.getItem('th_device_asked')) return;"
        " sessionStorage.setItem('th_device_asked', '1');"
        f" const u = new URL({json.dumps(api_url.rstrip('/') + DEVICE_PATH)});"
        " if (['localhost', '0.0.0.0'].includes(u.hostname)) u.hostname = window.location.hostname;"
        " fetch(u, {credentials: 'include', mode: 'no-cors', cache: 'no-store'})"
        ".then(() => window.location.reload(), () => null); } catch (e) {} })()"
    )


ASK_DEVICE_JS = ask_device_js(rx.config.get_config().api_url)
_UNSAFE_PATH_RE = re.compile(r"[\\\x00-\x20\x7f]")


def form_text(form: Any, key: str, limit: int = 5000) -> str:
    """A submitted form value as text ('' when absent or not text); the service does the validating."""
    if not isinstance(form, Mapping):
        return ""
    value = form.get(key, "")
    if isinstance(value, bool) or value is None:
        return "on" if value else ""
    if isinstance(value, int | float):
        value = str(value)
    return value[:limit] if isinstance(value, str) else ""


def form_checked(form: Any, key: str) -> bool:
    """Whether a checkbox named `key` was ticked (browsers send 'on')."""
    return form_text(form, key, 10).lower() in {"on", "true", "1", "yes"}


def field_errors(exc: DomainError) -> dict[str, str]:
    """The per-field messages of a domain error (an InvalidInput), for inline display."""
    return {str(k): str(v) for k, v in (exc.fields or {}).items()}


FIX_FIELDS = "Please fix the highlighted fields."


def form_failure(exc: DomainError) -> tuple[dict[str, str], str]:
    """A refused form as (inline field errors, message above the form): a pointer to the fields
    when the error names any, otherwise the error's own message."""
    errors = field_errors(exc)
    return errors, (FIX_FIELDS if errors else exc.message)


async def read_for_page(
    state: Any, unit: Callable[[Session, UserOut | None], Any], *,
    forget: Callable[[], None] | None = None, read_only: bool = True,
) -> tuple[bool, Any]:
    """A page's read, refused the same way on every page. Returns (True, what `unit` returned), or
    (False, the event the handler should return): signed out → the login redirect; not allowed →
    `state.status` becomes "forbidden" and `forget()` empties what an earlier viewer of this tab saw.
    A missing id (NotFound) is the caller's to catch: only some pages have a "not found" view."""
    try:
        return True, await state._db(unit, read_only=read_only)
    except NotAuthenticated:
        return False, state._login_redirect()
    except Forbidden:
        if forget is not None:
            forget()
        state.status = "forbidden"
        return False, None


def safe_next(path: Any) -> str:
    """Only same-site relative paths are followed after login (no open redirects).

    Browsers' URL parsers drop tabs and newlines anywhere in a URL, so "/<TAB>/evil.example"
    would become the protocol-relative "//evil.example": control characters and spaces are refused.
    """
    if not isinstance(path, str) or len(path) > 2000 or _UNSAFE_PATH_RE.search(path):
        return ""
    if path.startswith("/") and not path.startswith("//"):
        return path
    return ""


class AppState(rx.State):
    """Root of every TutorHub state. `session_token` is the only secret a client ever holds: its own."""

    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, same_site="strict", path="/", max_age=SESSION_MAX_AGE, secure=SESSION_COOKIE_SECURE
    )
    # Display only (navigation, greetings); never used to authorize anything.
    viewer_name: str = ""
    viewer_role: str = ""
    viewer_tz: str = "UTC"
    browser_tz: str = ""
    browser_locale: str = ""  # navigator.language ('de-DE'): a hint for a visitor's currency only
    # Prices are shown converted into this currency (≈): the user's setting, or for a visitor the
    # picked currency (cookie) or a guess from the browser's locale and timezone.
    currency_pick: str = rx.Cookie("", name=CURRENCY_COOKIE, same_site="lax", path="/", max_age=365 * 24 * 3600)
    viewer_currency: str = "USD"
    pending_requests: int = 0  # a tutor's requests waiting for an answer (navigation badge)

    @rx.var
    def signed_in(self) -> bool:
        return self.viewer_role != ""

    # Helpers for page states: private, so the browser cannot call them.
    def _current_user(self, session: Session) -> UserOut | None:
        """The user behind this browser's session cookie, re-checked against the database."""
        return sessions.resolve_session(session, self.session_token)

    async def _db(self, use_case: Callable[[Session, UserOut | None], T], *, read_only: bool = False) -> T:
        """Run `use_case(session, actor)` in one unit of work on a worker thread.

        The actor is resolved from the cookie inside the same unit of work, so no handler
        ever authorizes from a cached var, and slow work (argon2, SQL) never blocks the loop.
        `read_only=True` is for pure reads (on SQLite they then never wait for the write lock).
        """

        def unit() -> T:
            with session_scope(read_only=read_only) as session:
                return use_case(session, self._current_user(session))

        return await asyncio.to_thread(unit)

    def _client_ip(self) -> str:
        return (self.router.session.client_ip or "")[:64]

    def _user_agent(self) -> str:
        return (self.router.headers.user_agent or "")[:300]

    def _device_id(self) -> str:
        """This browser's device id (HttpOnly `th_device`, api/device_cookie.py) from the websocket
        handshake's cookies, for the login log's fraud signal only; "" when it has none."""
        return device_from_cookies(self.router.headers.cookie)

    def _zone_for(self, actor: UserOut | None) -> str:
        return actor.timezone if actor else (self.browser_tz or "UTC")

    def _currency_for(self, actor: UserOut | None) -> str:
        """The display currency for `actor` (signed in: their setting; else the cookie or a guess)."""
        if actor is not None:
            return effective_display_currency(actor.display_currency, actor.timezone)
        pick = (self.currency_pick or "").upper()
        return pick if pick in CURRENCIES else guess_display_currency(self.browser_locale, self.browser_tz)

    def _take_browser_hints(self, hints: Any) -> None:
        """Keep what DETECT_BROWSER_JS reported ([zone, language tag]); a value that is not a real
        zone or a well-formed tag is ignored (any client can send anything here)."""
        if not isinstance(hints, list | tuple) or len(hints) != 2:
            return
        zone, locale = hints
        try:
            self.browser_tz = validate_timezone(zone)
        except InvalidInput:
            pass
        self.browser_locale = clean_locale(locale) or self.browser_locale
        if not self.viewer_role:
            self.viewer_tz = self.browser_tz or self.viewer_tz
            self.viewer_currency = self._currency_for(None)

    def _prefill_zone(self, saved: str) -> str:
        """The zone to prefill a form with: the saved one, unless it is only the "UTC" default
        and the browser told us better."""
        return self.browser_tz if saved == "UTC" and self.browser_tz else saved

    def _route_tail(self, limit: int = 24) -> str:
        """The last segment of the page path: the id of a dynamic route such as /tutors/[tutor_id]
        (as text, capped; the service parses and checks it)."""
        return (self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1][:limit]

    def _login_redirect(self) -> EventSpec:
        path = self.router.url.path or "/"
        query = self.router.url.query
        target = path + (f"?{query}" if query else "")
        return rx.redirect(f"/login?next={quote(target, safe='')}")

    def _show_viewer(self, user: UserOut | None) -> None:
        if user is None:
            self.viewer_name, self.viewer_role = "", ""
            self.viewer_tz = self.browser_tz or "UTC"
        else:
            self.viewer_name, self.viewer_role, self.viewer_tz = user.full_name, user.role, user.timezone
        self.viewer_currency = self._currency_for(user)

    def _signed_in(self, login: WebLogin, next_path: str = "") -> EventSpec:
        """After sign-up or login: keep the new session token as this browser's cookie, show who
        is signed in, and go on to `next_path` (already checked by safe_next) or the role's home."""
        self.session_token = login.token
        self._show_viewer(login.user)
        return rx.redirect(next_path or login.home)

    async def load_viewer(self):
        """On every page: refresh who is signed in (for the navigation) and detect the browser zone."""
        user, pending = await self._db(lambda s, actor: (actor, pending_request_count(s, actor=actor)), read_only=True)
        self._show_viewer(user)
        self.pending_requests = pending
        events = [] if self._device_id() else [rx.call_script(ASK_DEVICE_JS)]
        if not self.browser_tz or not self.browser_locale:
            events.append(rx.call_script(DETECT_BROWSER_JS, callback=AppState.set_browser_hints))
        return events or None

    def set_browser_hints(self, hints: Any):
        """Callback of the detection script: the browser's zone and language (hints, checked)."""
        self._take_browser_hints(hints)

    def set_browser_tz(self, zone: Any):
        """Callback of the timezone detection script; anything that is not an IANA zone is ignored."""
        try:
            self.browser_tz = validate_timezone(zone)
        except InvalidInput:
            return
        if not self.viewer_role:
            self.viewer_tz = self.browser_tz

    async def logout(self):
        """Revoke this browser's session (only the token it holds) and forget everything shown."""
        token = self.session_token

        def unit() -> None:
            with session_scope() as session:
                sessions.logout(session, token)

        await asyncio.to_thread(unit)
        browser_tz, browser_locale = self.browser_tz, self.browser_locale
        self.reset()
        self.session_token = ""
        self.browser_tz, self.browser_locale = browser_tz, browser_locale
        self.viewer_tz = browser_tz or "UTC"
        return [rx.remove_cookie(SESSION_COOKIE, {"path": "/", "sameSite": "strict"}), rx.redirect("/login")]
