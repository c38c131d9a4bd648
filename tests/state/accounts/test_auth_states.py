"""Sign-up, login, one-time codes, account and logout states."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.state.conftest import CLIENT_IP, USER_AGENT, count, fetch, redirects, toasts
from tutorhub.db import session_scope
from tutorhub.models import AuthSession, LoginEvent, OtpCode, OutboxMessage, User
from tutorhub.services.accounts import sessions
from tutorhub.services.accounts.devices import DEVICE_PATH, new_device_id
from tutorhub.state.accounts.auth import AccountState, LoginState, OtpState, SignupState
from tutorhub.state.base import AppState, ask_device_js, safe_next


def _signup_form(**overrides):
    form = {
        "full_name": "Nia Learner",
        "email": "nia@example.com",
        "password": "long-enough-pw",
        "role": "student",
        "timezone": "Asia/Kolkata",
    }
    form.update(overrides)
    return form


def test_signup_student_creates_session_cookie_and_goes_to_onboarding(browser):
    browser.goto("/signup")
    page = browser.state(SignupState)
    events = browser.run(page.submit(_signup_form()))
    assert redirects(events) == ["/onboarding/student"]
    assert browser.cookie and page.errors == {}
    [user] = fetch(User, User.email == "nia@example.com")
    assert user.role == "student" and user.timezone == "Asia/Kolkata"
    [session] = fetch(AuthSession, AuthSession.user_id == user.id)
    assert session.ip == CLIENT_IP and session.user_agent == USER_AGENT
    assert browser.app.viewer_role == "student" and browser.app.viewer_name == "Nia Learner"


def test_signup_tutor_goes_to_tutor_profile(browser):
    events = browser.run(browser.state(SignupState).submit(_signup_form(role="tutor", email="t@example.com")))
    assert redirects(events) == ["/tutor/profile"]


def test_signup_invalid_input_shows_field_errors_and_creates_nothing(browser):
    page = browser.state(SignupState)
    events = browser.run(
        page.submit(_signup_form(email="not-an-email", password="short", role="admin", timezone="Mars/Olympus"))
    )
    assert redirects(events) == []
    assert set(page.errors) == {"email", "password", "role", "timezone"}
    assert "8 characters" in page.errors["password"]
    assert count(User) == 0 and count(AuthSession) == 0 and browser.cookie == ""


def test_signup_garbage_payload_is_refused(browser):
    page = browser.state(SignupState)
    browser.run(page.submit("not a dict"))  # any client can send any arguments
    assert page.errors and count(User) == 0


def test_signup_duplicate_email_is_an_inline_error(browser, make_user):
    make_user("student", email="taken@example.com")
    page = browser.state(SignupState)
    browser.run(page.submit(_signup_form(email="taken@example.com")))
    assert page.errors == {"email": "is already registered"}
    assert count(AuthSession) == 0


def test_signup_prefills_detected_timezone_only_if_real(browser):
    page = browser.state(SignupState)
    page.set_detected_browser(["Europe/Berlin", "de-DE"])
    assert page.timezone == "Europe/Berlin"
    page.set_detected_browser(["<script>alert(1)</script>", "<b>"])
    assert page.timezone == "Europe/Berlin"


def test_login_records_ip_and_agent_and_redirects_by_role(browser, make_user):
    make_user("tutor", email="tee@example.com")
    browser.goto("/login")
    page = browser.state(LoginState)
    page.load()
    events = browser.run(page.submit({"email": "tee@example.com", "password": "correct-horse-battery"}))
    assert redirects(events) == ["/tutor/profile"]
    [event] = fetch(LoginEvent, LoginEvent.success == True)  # noqa: E712
    assert event.ip == CLIENT_IP and event.user_agent == USER_AGENT
    assert browser.cookie


def test_login_follows_only_safe_next_paths(browser, make_user):
    make_user("student", email="s@example.com")
    browser.goto("/login?next=%2Ftutors%2F5")
    page = browser.state(LoginState)
    page.load()
    assert page.next_path == "/tutors/5"
    assert redirects(browser.run(page.submit({"email": "s@example.com", "password": "correct-horse-battery"}))) == [
        "/tutors/5"
    ]
    assert safe_next("//evil.example") == "" and safe_next("https://evil.example") == ""


def test_login_wrong_password_creates_no_session(browser, make_user):
    make_user("student", email="s@example.com")
    page = browser.state(LoginState)
    events = browser.run(page.submit({"email": "s@example.com", "password": "wrong-password"}))
    assert redirects(events) == [] and page.problem == "error" and "Wrong email or password" in page.message
    assert count(AuthSession) == 0 and browser.cookie == ""


def test_login_locked_and_suspended_messages(browser, make_user, db, monkeypatch):
    monkeypatch.setenv("TUTORHUB_LOGIN_MAX_FAILURES", "2")
    from tutorhub.settings import reset_settings

    reset_settings()
    try:
        make_user("student", email="s@example.com")
        page = browser.state(LoginState)
        for _ in range(2):
            browser.run(page.submit({"email": "s@example.com", "password": "nope-nope"}))
        browser.run(page.submit({"email": "s@example.com", "password": "correct-horse-battery"}))
        assert page.problem == "locked" and "locked" in page.message
    finally:
        monkeypatch.delenv("TUTORHUB_LOGIN_MAX_FAILURES")
        reset_settings()
    other = make_user("tutor", email="sus@example.com")
    user = db.get(User, other.id)
    user.is_suspended = True
    db.add(user)
    db.commit()
    browser.run(page.submit({"email": "sus@example.com", "password": "correct-horse-battery"}))
    assert page.problem == "suspended" and "suspended" in page.message
    assert count(AuthSession) == 0


def _code_from_outbox(recipient: str) -> str:
    [message] = fetch(OutboxMessage, OutboxMessage.recipient == recipient)
    return message.body.split("code is ")[1][:6]


def test_otp_login_by_email(browser, make_user):
    make_user("tutor", email="otp@example.com")
    browser.goto("/login/code")
    page = browser.state(OtpState)
    page.load()
    assert page.dev_mode is True
    browser.run(page.request_code({"identifier": "otp@example.com"}))
    assert page.code_sent and "otp@example.com" in page.message and page.error == ""
    code = _code_from_outbox("otp@example.com")
    events = browser.run(page.verify_code({"code": code}))
    assert redirects(events) == ["/tutor/profile"] and browser.cookie
    [event] = fetch(LoginEvent, LoginEvent.method == "otp", LoginEvent.success == True)  # noqa: E712
    assert event.ip == CLIENT_IP and event.user_agent == USER_AGENT


def test_otp_wrong_code_shows_attempts_left_and_creates_no_session(browser):
    page = browser.state(OtpState)
    page.set_channel("phone")
    browser.run(page.request_code({"identifier": "+14155550123"}))
    assert page.code_sent
    code = _code_from_outbox("+14155550123")
    wrong = "000000" if code != "000000" else "111111"
    browser.run(page.verify_code({"code": wrong}))
    assert "attempt(s) left" in page.error
    assert count(AuthSession) == 0 and browser.cookie == ""


def test_otp_bad_identifier_and_rate_limit_messages(browser, monkeypatch):
    page = browser.state(OtpState)
    browser.run(page.request_code({"identifier": "nope"}))
    assert page.error.startswith("That email") and count(OtpCode) == 0 and not page.code_sent
    page.set_channel("<svg>")  # ignored
    assert page.channel == "email"
    for _ in range(5):
        browser.run(page.request_code({"identifier": "a@example.com"}))
    browser.run(page.resend_code())
    assert "Too many codes" in page.error
    assert count(OtpCode) == 5


def test_otp_resend_without_address_does_nothing(browser):
    page = browser.state(OtpState)
    browser.run(page.resend_code())
    assert count(OtpCode) == 0 and page.code_sent is False


def test_account_page_requires_login(browser):
    browser.goto("/account")
    page = browser.state(AccountState)
    events = browser.run(page.load())
    assert redirects(events) == ["/login?next=%2Faccount"]
    assert page.email == ""


def test_account_shows_own_details_and_sessions(browser, new_browser, make_user):
    make_user("student", email="me@example.com")
    browser.login("me@example.com")
    new_browser().login("me@example.com")
    page = browser.state(AccountState)
    browser.run(page.load())
    assert page.status == "ready" and page.email == "me@example.com" and page.active_sessions == 2


def test_logout_revokes_only_this_browsers_session(browser, new_browser, make_user):
    make_user("student", email="me@example.com")
    token = browser.login("me@example.com")
    other = new_browser()
    other.login("me@example.com")
    events = browser.run(browser.app.logout())
    assert redirects(events) == ["/login"] and browser.cookie == ""
    with session_scope() as s:
        assert sessions.resolve_session(s, token) is None
        assert sessions.resolve_session(s, other.cookie) is not None


def test_logout_everywhere_revokes_all_sessions_of_the_user(browser, new_browser, make_user):
    make_user("student", email="me@example.com")
    browser.login("me@example.com")
    other = new_browser()
    other.login("me@example.com")
    events = browser.run(browser.state(AccountState).logout_everywhere())
    assert redirects(events) == ["/login"]
    with session_scope() as s:
        assert sessions.resolve_session(s, other.cookie) is None


def test_stranger_logout_everywhere_changes_nothing(browser, new_browser, make_user):
    victim = make_user("student", email="victim@example.com")
    victim_browser = new_browser()
    victim_browser.login("victim@example.com")
    # No cookie at all.
    events = browser.run(browser.state(AccountState).logout_everywhere())
    assert toasts(events, "error") and redirects(events) == []
    # A forged cookie.
    browser.set_cookie("forged-token")
    browser.run(browser.state(AccountState).logout_everywhere())
    # Another user's valid cookie only ever logs out that other user.
    make_user("student", email="mallory@example.com")
    browser.login("mallory@example.com")
    browser.run(browser.state(AccountState).logout_everywhere())
    with session_scope() as s:
        assert sessions.resolve_session(s, victim_browser.cookie).id == victim.id


def test_stranger_logout_with_forged_cookie_changes_nothing(browser, new_browser, make_user):
    make_user("student", email="victim@example.com")
    victim = new_browser()
    victim.login("victim@example.com")
    browser.set_cookie("forged-token")
    browser.run(browser.app.logout())
    with session_scope() as s:
        assert sessions.resolve_session(s, victim.cookie) is not None


def test_viewer_display_vars_follow_the_cookie(browser, make_user):
    make_user("tutor", email="t@example.com", name="Tina Tutor")
    browser.login("t@example.com")
    browser.run(browser.app.load_viewer())
    assert (browser.app.viewer_name, browser.app.viewer_role) == ("Tina Tutor", "tutor")
    browser.set_cookie("garbage")
    browser.run(browser.app.load_viewer())
    assert browser.app.viewer_role == "" and not browser.app.signed_in


def test_browser_timezone_callback_accepts_only_iana_zones(browser):
    app: AppState = browser.app
    app.set_browser_tz({"not": "a zone"})
    assert app.browser_tz == ""
    app.set_browser_tz("America/New_York")
    assert app.browser_tz == "America/New_York" and app.viewer_tz == "America/New_York"


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\n/evil.example", "/\r//evil.example", "/ /evil.example", "/\\evil.example", "\t//evil.example"],
)
def test_next_paths_with_whitespace_or_backslashes_are_dropped(browser, make_user, target):
    # URL parsers strip tabs/newlines, so "/<TAB>/evil.example" is really "//evil.example".
    make_user("student", email="s@example.com")
    browser.goto("/login?" + urlencode({"next": target}))
    page = browser.state(LoginState)
    page.load()
    assert page.next_path == ""
    events = browser.run(page.submit({"email": "s@example.com", "password": "correct-horse-battery"}))
    assert redirects(events) == ["/onboarding/student"]


def test_login_lockout_reads_the_same_for_an_unknown_email(browser, make_user, monkeypatch):
    monkeypatch.setenv("TUTORHUB_LOGIN_MAX_FAILURES", "2")
    from tutorhub.settings import reset_settings

    reset_settings()
    try:
        make_user("student", email="s@example.com")
        page = browser.state(LoginState)
        seen = {}
        for email in ("s@example.com", "ghost@example.com"):
            seen[email] = []
            for _ in range(3):
                browser.run(page.submit({"email": email, "password": "nope-nope"}))
                seen[email].append((page.problem, page.message))
        assert seen["s@example.com"] == seen["ghost@example.com"]
        assert [problem for problem, _ in seen["ghost@example.com"]] == ["error", "error", "locked"]
    finally:
        monkeypatch.delenv("TUTORHUB_LOGIN_MAX_FAILURES")
        reset_settings()
    assert count(AuthSession) == 0


def _with_device_cookie(browser, url: str, device: str) -> None:
    """The websocket handshake's headers as the server sees them, with the HttpOnly th_device cookie."""
    from reflex.istate.data import RouterData

    browser.goto(url)
    data = {"headers": {"origin": "http://testserver", "user-agent": USER_AGENT, "host": "testserver",
                        "cookie": f"th_session=x; th_device={device}"},
            "ip": CLIENT_IP, "pathname": url, "asPath": url, "query": {}, "token": "test-client-token", "sid": "test-sid"}
    browser.root.router = RouterData.from_router_data(data)


def test_signup_and_login_record_the_browsers_device_id(browser, make_user):
    from tutorhub.services.accounts.devices import new_device_id

    device = new_device_id()
    _with_device_cookie(browser, "/signup", device)
    browser.run(browser.state(SignupState).submit(_signup_form(email="new@example.com")))
    make_user("student", email="old@example.com")
    _with_device_cookie(browser, "/login", device)
    browser.run(browser.state(LoginState).submit({"email": "old@example.com", "password": "correct-horse-battery"}))
    rows = {(e.identifier, e.method): e.device_id for e in fetch(LoginEvent)}
    assert rows == {("new@example.com", "signup"): device, ("old@example.com", "password"): device}
    from reflex.utils.format import json_dumps

    # What the page receives (Reflex leaves the Cookie header out of the router it sends): never the id.
    sent = json_dumps(browser.root.dict())
    assert USER_AGENT in sent and device not in sent


def _scripts(events) -> list[str]:
    return [str(dict((n._js_expr, v) for n, v in e.args).get("javascript_code", "")) for e in events
            if getattr(getattr(e, "handler", None), "fn", None) and e.handler.fn.__qualname__ == "_call_script"]


def test_a_page_whose_websocket_has_no_device_cookie_asks_the_backend_for_one(browser):
    """The development frontend serves pages without the backend, so no page load sets `th_device`:
    the page then calls the backend's device endpoint once (it sets the HttpOnly cookie) and reloads,
    and a websocket that carries the cookie is never asked again."""
    browser.goto("/login")
    asked = [s for s in _scripts(browser.run(browser.app.load_viewer())) if DEVICE_PATH in s]
    assert len(asked) == 1 and "credentials" in asked[0] and "reload" in asked[0]
    _with_device_cookie(browser, "/login", new_device_id())
    assert not [s for s in _scripts(browser.run(browser.app.load_viewer())) if DEVICE_PATH in s]
    script = ask_device_js("http://localhost:8000/")
    assert '"http://localhost:8000/api/v1/auth/device"' in script and "th_device_asked" in script
