from datetime import timedelta

import jwt
import pytest
from sqlmodel import select

from tests.conftest import PASSWORD
from tutorhub.models import (
    AuthSession,
    LoginEvent,
    OtpCode,
    OutboxMessage,
    RefreshToken,
    StudentProfile,
    TutorProfile,
    User,
)
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import api_tokens, logins, one_time_codes, passwords, sessions
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, RateLimited
from tutorhub.settings import get_settings


def test_register_creates_user_with_argon2id_hash_and_role_profile(db):
    user = passwords.register(db, email="  Ann@Example.COM ", password=PASSWORD, full_name=" Ann  Lee ",
                         role="student", timezone="Asia/Kolkata")
    db.commit()
    row = db.get(User, user.id)
    assert row.email == "ann@example.com"
    assert row.full_name == "Ann Lee"
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert db.exec(select(StudentProfile).where(StudentProfile.user_id == user.id)).one().timezone == "Asia/Kolkata"
    tutor = passwords.register(db, email="t@example.com", password=PASSWORD, full_name="T", role="tutor")
    assert db.exec(select(TutorProfile).where(TutorProfile.user_id == tutor.id)).one().status == "DRAFT"


def test_register_rejects_duplicates_and_bad_input_with_field_errors(db, make_user):
    make_user("student", email="dup@example.com")
    with pytest.raises(Conflict):
        passwords.register(db, email="DUP@example.com", password=PASSWORD, full_name="X", role="student")
    with pytest.raises(InvalidInput) as err:
        passwords.register(db, email="nope", password="short", full_name="", role="admin", timezone="Mars/Base")
    assert set(err.value.fields) == {"email", "password", "full_name", "role", "timezone"}
    with pytest.raises(InvalidInput):
        passwords.register(db, email="a@example.com", password=PASSWORD, full_name="x" * 10_000, role="student")
    with pytest.raises(InvalidInput):
        passwords.register(db, email=123, password=["x"], full_name=None, role=None)
    assert db.exec(select(User)).all().__len__() == 1


def test_password_login_logs_events_and_locks_after_repeated_failures(db, make_user, monkeypatch):
    user = make_user("student", email="s@example.com")
    ok = passwords.authenticate_password(db, email="S@example.com", password=PASSWORD, ip="1.2.3.4", user_agent="UA")
    assert ok.id == user.id
    limit = get_settings().login_max_failures
    for _ in range(limit):
        with pytest.raises(NotAuthenticated):
            passwords.authenticate_password(db, email="s@example.com", password="wrong-password", ip="1.2.3.4")
    # The lock holds for the address the guesses came from (login_throttle.py: per email and IP).
    with pytest.raises(RateLimited) as locked:
        passwords.authenticate_password(db, email="s@example.com", password=PASSWORD, ip="1.2.3.4")
    assert "locked" in locked.value.message
    events = db.exec(select(LoginEvent).order_by(LoginEvent.id)).all()
    assert events[0].success and events[0].ip == "1.2.3.4" and events[0].user_agent == "UA"
    assert [e.reason for e in events[1:]] == ["bad_credentials"] * limit + ["locked"]
    # The lock expires (the service's clock moves past it; the lock no longer lives on the user row).
    later = utcnow() + timedelta(minutes=get_settings().login_lockout_minutes, seconds=1)
    assert passwords.authenticate_password(db, email="s@example.com", password=PASSWORD, ip="1.2.3.4",
                                           now=later).id == user.id


def test_unknown_email_and_suspended_user_cannot_log_in(db, make_user):
    with pytest.raises(NotAuthenticated):
        passwords.authenticate_password(db, email="ghost@example.com", password=PASSWORD)
    user = make_user("tutor")
    row = db.get(User, user.id)
    row.is_suspended = True
    db.add(row)
    db.commit()
    with pytest.raises(Forbidden):
        passwords.authenticate_password(db, email=user.email, password=PASSWORD)


def test_refused_logins_are_logged_even_though_the_caller_rolls_back(db, make_user):
    """Each refusal commits its login event before raising: the caller's unit of work rolls back."""
    suspended = make_user("tutor", email="sus@example.com")
    row = db.get(User, suspended.id)
    row.is_suspended = True
    db.add(row)
    db.commit()
    with pytest.raises(Forbidden):
        passwords.authenticate_password(db, email="sus@example.com", password=PASSWORD, ip="7.7.7.7", user_agent="UA")
    db.rollback()
    with pytest.raises(NotAuthenticated):
        one_time_codes.verify_otp(db, email="nocode@example.com", code="123456")
    db.rollback()
    one_time_codes.request_otp(db, email="otp@example.com")
    db.commit()
    wrong = "000000" if _last_code(db) != "000000" else "111111"
    with pytest.raises(NotAuthenticated):
        one_time_codes.verify_otp(db, email="otp@example.com", code=wrong, ip="8.8.8.8", user_agent="phone")
    db.rollback()
    events = db.exec(select(LoginEvent).order_by(LoginEvent.id)).all()
    assert [(e.user_id, e.identifier, e.method, e.success, e.reason, e.ip, e.user_agent) for e in events] == [
        (suspended.id, "sus@example.com", "password", False, "suspended", "7.7.7.7", "UA"),
        (None, "nocode@example.com", "otp", False, "no_code", "", ""),
        (None, "otp@example.com", "otp", False, "bad_code", "8.8.8.8", "phone"),
    ]
    assert db.exec(select(OtpCode)).one().attempts == 1  # the wrong guess counted too


def test_browser_sessions_are_stored_hashed_and_revocable(db, make_user):
    user = make_user("student")
    token_a = sessions.create_browser_session(db, user_id=user.id)
    token_b = sessions.create_browser_session(db, user_id=user.id)
    db.commit()
    stored = [s.token_hash for s in db.exec(select(AuthSession)).all()]
    assert token_a not in stored and len(stored) == 2
    assert sessions.resolve_session(db, token_a).id == user.id
    assert sessions.count_active_sessions(db, user_id=user.id) == 2
    sessions.logout(db, token_a)
    db.commit()
    assert sessions.resolve_session(db, token_a) is None
    assert sessions.resolve_session(db, token_b).id == user.id
    sessions.revoke_all_sessions(db, user_id=user.id)
    db.commit()
    assert sessions.resolve_session(db, token_b) is None
    assert sessions.count_active_sessions(db, user_id=user.id) == 0
    for junk in (None, "", 5, "x" * 10_000, ["a"]):
        assert sessions.resolve_session(db, junk) is None


def test_expired_session_is_refused(db, make_user):
    user = make_user("student")
    token = sessions.create_browser_session(db, user_id=user.id)
    row = db.exec(select(AuthSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert sessions.resolve_session(db, token) is None


def test_access_tokens_and_refresh_rotation(db, make_user):
    user = make_user("tutor")
    pair = api_tokens.issue_tokens(db, user_id=user.id)
    db.commit()
    assert api_tokens.user_from_access_token(db, pair.access_token).role == "tutor"
    new = api_tokens.rotate_refresh_token(db, refresh_token=pair.refresh_token)
    db.commit()
    assert new.refresh_token != pair.refresh_token
    # Replaying the spent token fails and revokes the whole family, including the new one.
    with pytest.raises(NotAuthenticated):
        api_tokens.rotate_refresh_token(db, refresh_token=pair.refresh_token)
    with pytest.raises(NotAuthenticated):
        api_tokens.rotate_refresh_token(db, refresh_token=new.refresh_token)
    assert all(r.revoked_at is not None for r in db.exec(select(RefreshToken)).all())


def test_logout_everywhere_invalidates_access_tokens(db, make_user):
    user = make_user("student")
    pair = api_tokens.issue_tokens(db, user_id=user.id)
    sessions.revoke_all_sessions(db, user_id=user.id)
    db.commit()
    with pytest.raises(NotAuthenticated):
        api_tokens.user_from_access_token(db, pair.access_token)
    with pytest.raises(NotAuthenticated):
        api_tokens.rotate_refresh_token(db, refresh_token=pair.refresh_token)


def test_forged_expired_and_wrong_type_tokens_are_refused(db, make_user):
    user = make_user("student")
    secret = get_settings().secret_key
    now = int(utcnow().timestamp())
    base = {"sub": str(user.id), "ver": 0, "type": "access", "iat": now, "exp": now + 60}
    for token in (
        jwt.encode(base, "another-secret-that-is-long-enough-1234567890", algorithm="HS256"),
        jwt.encode({**base, "exp": now - 10}, secret, algorithm="HS256"),
        jwt.encode({**base, "type": "refresh"}, secret, algorithm="HS256"),
        jwt.encode({**base, "sub": "abc"}, secret, algorithm="HS256"),
        jwt.encode(base, secret, algorithm="HS512"),
        "not-a-jwt",
        None,
    ):
        with pytest.raises(NotAuthenticated):
            api_tokens.user_from_access_token(db, token)


def _last_code(db) -> str:
    body = db.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body
    return body.split("code is ")[1][:6]


def test_otp_login_by_email_is_hashed_single_use_and_creates_student(db):
    assert one_time_codes.request_otp(db, email="New@Example.com", ip="9.9.9.9") == "email"
    db.commit()
    code = _last_code(db)
    stored = db.exec(select(OtpCode)).one()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    user = one_time_codes.verify_otp(db, email="new@example.com", code=code, ip="9.9.9.9")
    db.commit()
    assert user.role == "student" and user.email == "new@example.com"
    with pytest.raises(NotAuthenticated):
        one_time_codes.verify_otp(db, email="new@example.com", code=code)


def test_otp_by_phone_logs_in_existing_phone_user(db, make_user):
    user = make_user("tutor")
    row = db.get(User, user.id)
    row.phone = "+14155550123"
    db.add(row)
    db.commit()
    assert one_time_codes.request_otp(db, phone="+1 (415) 555-0123") == "sms"
    db.commit()
    assert one_time_codes.verify_otp(db, phone="+14155550123", code=_last_code(db)).id == user.id


def test_otp_wrong_codes_count_down_then_lock(db):
    one_time_codes.request_otp(db, email="a@example.com")
    db.commit()
    code = _last_code(db)
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(get_settings().otp_max_attempts):
        with pytest.raises((NotAuthenticated, RateLimited)) as err:
            one_time_codes.verify_otp(db, email="a@example.com", code=wrong)
        messages.append(err.value.message)
    assert "4 attempt(s) left" in messages[0]
    with pytest.raises(RateLimited):
        one_time_codes.verify_otp(db, email="a@example.com", code=code)  # even the right code is now refused


def test_otp_expires(db):
    one_time_codes.request_otp(db, email="a@example.com")
    db.commit()
    code = _last_code(db)
    row = db.exec(select(OtpCode)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(NotAuthenticated):
        one_time_codes.verify_otp(db, email="a@example.com", code=code)


def test_otp_send_limits_per_identifier_and_ip(db):
    settings = get_settings()
    for _ in range(settings.otp_sends_per_identifier_per_hour):
        one_time_codes.request_otp(db, email="a@example.com", ip="5.5.5.5")
    with pytest.raises(RateLimited):
        one_time_codes.request_otp(db, email="a@example.com", ip="6.6.6.6")
    remaining = settings.otp_sends_per_ip_per_hour - settings.otp_sends_per_identifier_per_hour
    for i in range(remaining):
        one_time_codes.request_otp(db, email=f"b{i}@example.com", ip="5.5.5.5")
    with pytest.raises(RateLimited):
        one_time_codes.request_otp(db, email="fresh@example.com", ip="5.5.5.5")


@pytest.mark.parametrize("kwargs", [{}, {"email": "a@example.com", "phone": "+14155550123"}, {"phone": "12"}, {"email": "x"}])
def test_otp_request_needs_exactly_one_valid_identifier(db, kwargs):
    with pytest.raises(InvalidInput):
        one_time_codes.request_otp(db, **kwargs)


@pytest.mark.parametrize("code", ["12345", "abcdef", 123456, None, "1" * 1000])
def test_otp_verify_rejects_malformed_codes(db, code):
    with pytest.raises(InvalidInput):
        one_time_codes.verify_otp(db, email="a@example.com", code=code)


def test_create_admin_resets_password_but_refuses_other_roles(db, make_user):
    admin = passwords.create_admin(db, email="root@example.com", password=PASSWORD)
    again = passwords.create_admin(db, email="root@example.com", password="another-password")
    assert admin.id == again.id
    assert passwords.authenticate_password(db, email="root@example.com", password="another-password").role == "admin"
    student = make_user("student")
    with pytest.raises(Conflict):
        passwords.create_admin(db, email=student.email, password=PASSWORD)


def test_login_log_is_admin_only(db, make_user):
    student = make_user("student")
    admin = make_user("admin")
    passwords.authenticate_password(db, email=student.email, password=PASSWORD, ip="7.7.7.7")
    db.commit()
    with pytest.raises(Forbidden):
        logins.list_login_events(db, actor=student)
    with pytest.raises(NotAuthenticated):
        logins.list_login_events(db, actor=None)
    events, total = logins.list_login_events(db, actor=admin)
    assert total == 1 and events[0].ip == "7.7.7.7" and events[0].success


def test_production_hasher_parameters_are_argon2id_defaults():
    from argon2 import extract_parameters

    from tutorhub.services.accounts import security

    # _DUMMY_HASH was made at import by the production hasher (tests patch in a cheap one later).
    params = extract_parameters(security._DUMMY_HASH)
    assert security._DUMMY_HASH.startswith("$argon2id$")
    assert params.memory_cost >= 65536 and params.time_cost >= 3
