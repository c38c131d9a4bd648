"""The "Forgot password?" page and the sign-up page's "Log in instead" (issue 12, item 9)."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from tests.state.conftest import count, fetch
from tutorhub.db import session_scope
from tutorhub.models import AuthSession, OtpCode, OutboxMessage
from tutorhub.services.accounts import passwords
from tutorhub.services.errors import DomainError
from tutorhub.state.accounts.auth import SignupState
from tutorhub.state.accounts.password_reset import PasswordResetState

NEW = "new-password-123"


def _code(address: str) -> str:
    message = fetch(OutboxMessage, OutboxMessage.recipient == address)[-1]
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match
    return match.group(1)


def _can_log_in(email: str, password: str) -> bool:
    try:
        with session_scope() as session:
            passwords.authenticate_password(session, email=email, password=password)
    except DomainError:
        return False
    return True


def test_reset_by_emailed_code_signs_out_this_browser_too(browser, make_user):
    make_user("student", email="kim@example.com")
    browser.login("kim@example.com")
    page, _ = browser.open(PasswordResetState, "/login/reset?email=kim%40example.com")
    assert page.step == "email" and page.email == "kim@example.com" and page.dev_mode
    browser.run(page.request_code({"email": "kim@example.com"}))
    assert page.step == "code" and "kim@example.com" in page.notice and "15 minutes" in page.notice
    browser.run(page.set_new_password({"code": _code("kim@example.com"), "new_password": NEW, "confirm_password": NEW}))
    assert page.step == "done" and page.errors == {}
    assert _can_log_in("kim@example.com", NEW) and not _can_log_in("kim@example.com", PASSWORD)
    assert fetch(AuthSession, AuthSession.revoked_at == None) == []  # noqa: E711
    assert browser.app.viewer_role == ""  # the page shows this browser signed out


def test_unknown_address_looks_the_same(browser):
    page, _ = browser.open(PasswordResetState, "/login/reset")
    browser.run(page.request_code({"email": "nobody@example.com"}))
    assert page.step == "code" and "nobody@example.com" in page.notice
    assert fetch(OutboxMessage, OutboxMessage.recipient == "nobody@example.com") == []


def test_inline_errors(browser, make_user):
    make_user("tutor", email="lee@example.com")
    page, _ = browser.open(PasswordResetState, "/login/reset")
    browser.run(page.request_code({"email": "not an email"}))
    assert page.step == "email" and "email" in page.errors and count(OtpCode) == 0
    browser.run(page.request_code({"email": "lee@example.com"}))
    code = _code("lee@example.com")
    browser.run(page.set_new_password({"code": code, "new_password": NEW, "confirm_password": NEW + "x"}))
    assert page.errors == {"confirm_password": "does not match the new password"}
    browser.run(page.set_new_password({"code": code, "new_password": "short", "confirm_password": "short"}))
    assert "8 characters" in page.errors["new_password"] and page.step == "code"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    browser.run(page.set_new_password({"code": wrong, "new_password": NEW, "confirm_password": NEW}))
    assert page.errors["code"].startswith("is wrong") and page.step == "code"
    assert _can_log_in("lee@example.com", PASSWORD)


def test_resend_and_start_over(browser, make_user):
    make_user("student", email="ola@example.com")
    page, _ = browser.open(PasswordResetState, "/login/reset")
    browser.run(page.resend_code())  # no address yet: back to the first step, nothing sent
    assert page.step == "email" and count(OtpCode) == 0
    browser.run(page.request_code({"email": "ola@example.com"}))
    browser.run(page.resend_code())
    assert count(OtpCode) == 2
    page.start_over()
    assert page.step == "email" and page.notice == ""


def test_called_by_a_stranger_with_garbage(browser, make_user):
    """Any client can call the handlers with anything: nothing changes without the emailed code."""
    make_user("student", email="vic@example.com")
    page = browser.state(PasswordResetState)
    page.email = "vic@example.com"
    browser.run(page.request_code("not a dict"))
    assert page.step == "email" and "email" in page.errors
    page.email = "vic@example.com"
    browser.run(page.set_new_password({"code": "123456", "new_password": NEW, "confirm_password": NEW}))
    browser.run(page.set_new_password(["garbage"]))
    assert page.step != "done" and _can_log_in("vic@example.com", PASSWORD)


def test_signup_with_a_registered_email_offers_log_in_instead(browser, make_user):
    make_user("student", email="taken@example.com")
    page = browser.state(SignupState)
    browser.run(page.submit({"full_name": "Someone", "email": "taken@example.com", "password": "long-enough-pw",
                             "role": "student", "timezone": "UTC"}))
    assert page.email_taken and page.reset_link == "/login/reset?email=taken%40example.com"
    browser.run(page.submit({"full_name": "Someone", "email": "fresh@example.com", "password": "short",
                             "role": "student", "timezone": "UTC"}))
    assert not page.email_taken
