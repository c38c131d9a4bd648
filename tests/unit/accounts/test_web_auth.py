"""Browser sign-up/log-in use cases: one session token per login, and the page each user lands on."""

from sqlmodel import select

from tests.conftest import PASSWORD
from tutorhub.models import AuthSession
from tutorhub.services.accounts import students, web_auth


def test_each_role_lands_on_its_home_page_and_gets_a_stored_session(db, make_user):
    signed_up = web_auth.signup(db, email="new@example.com", password=PASSWORD, full_name="New", role="student",
                                timezone="UTC", ip="1.1.1.1", user_agent="UA")
    assert signed_up.home == "/onboarding/student"
    tutor = web_auth.signup(db, email="t@example.com", password=PASSWORD, full_name="T", role="tutor", timezone="UTC")
    assert tutor.home == "/tutor/profile"
    admin = make_user("admin", email="root@example.com")
    assert web_auth.login_with_password(db, email=admin.email, password=PASSWORD).home == "/admin/verification"
    stored = {s.token_hash for s in db.exec(select(AuthSession)).all()}
    assert len(stored) == 3 and signed_up.token not in stored  # only hashes are kept

    students.update_student_profile(db, actor=signed_up.user, data={"grade_level": "high", "subjects": ["maths"]})
    again = web_auth.login_with_password(db, email="new@example.com", password=PASSWORD)
    assert again.home == "/home" and again.token != signed_up.token
    assert web_auth.account_summary(db, actor=again.user).active_sessions == 2


def test_a_tutor_with_a_submitted_profile_lands_on_the_tutor_home(db, make_approved_tutor):
    tutor, _tutor_id = make_approved_tutor()
    assert web_auth.login_with_password(db, email=tutor.email, password=PASSWORD).home == "/home"
