"""Student onboarding state."""

from __future__ import annotations

from tests.state.conftest import count, fetch, redirects, toasts
from tutorhub.models import StudentProfile
from tutorhub.state.accounts.onboarding import StudentOnboardingState

FORM = {
    "grade_level": "high",
    "subject__mathematics": "on",
    "subject__physics": "on",
    "other_subject": "Robotics",
    "goals": "Board exams",
    "budget_min": "15",
    "budget_max": "40.50",
    "currency": "EUR",
    "mode": "both",
    "city": "berlin",
    "locality": "Mitte",
    "timezone": "Europe/Berlin",
    "guardian_name": "Pat Parent",
    "guardian_email": "pat@example.com",
    "guardian_phone": "+4930123456",
}


def _profile(user_id: int) -> StudentProfile:
    [row] = fetch(StudentProfile, StudentProfile.user_id == user_id)
    return row


def test_save_converts_major_units_to_minor_and_saves(browser, make_user):
    student = make_user("student", email="s@example.com")
    browser.login("s@example.com")
    browser.goto("/onboarding/student")
    page = browser.state(StudentOnboardingState)
    browser.run(page.load())
    assert page.status == "ready"
    events = browser.run(page.save(dict(FORM)))
    assert toasts(events, "success") and page.errors == {} and page.saved
    row = _profile(student.id)
    assert (row.budget_min, row.budget_max) == (1500, 4050)
    assert row.subjects == ["mathematics", "physics", "robotics"] and row.city == "Berlin"
    assert row.guardian_email == "pat@example.com" and row.timezone == "Europe/Berlin"
    # The form is refilled (and re-keyed) from what was saved.
    assert page.budget_max == "40.50" and page.subjects == ["mathematics", "physics", "robotics"]


def test_prefills_browser_timezone_when_profile_has_none(browser, make_user):
    make_user("student", email="s@example.com")
    browser.login("s@example.com")
    browser.app.set_browser_tz("Asia/Kolkata")
    page = browser.state(StudentOnboardingState)
    browser.run(page.load())
    assert page.timezone == "Asia/Kolkata"


def test_bad_amounts_and_fields_are_inline_errors(browser, make_user):
    student = make_user("student", email="s@example.com")
    browser.login("s@example.com")
    page = browser.state(StudentOnboardingState)
    browser.run(page.save({**FORM, "budget_min": "12.345", "budget_max": "lots"}))
    assert set(page.errors) == {"budget_min", "budget_max"}
    browser.run(page.save({**FORM, "budget_min": "50", "budget_max": "20", "guardian_email": "nope"}))
    assert "guardian_email" in page.errors
    browser.run(page.save({**FORM, "guardian_email": "", "budget_min": "50", "budget_max": "20"}))
    assert page.errors == {"budget_max": "must be at least the minimum budget"}
    assert _profile(student.id).budget_min == 0


def test_stranger_cannot_save_or_read(browser, new_browser, make_user):
    student = make_user("student", email="s@example.com")
    page = browser.state(StudentOnboardingState)
    # No cookie: sent to login, nothing stored.
    browser.goto("/onboarding/student")
    assert redirects(browser.run(page.save(dict(FORM)))) == ["/login?next=%2Fonboarding%2Fstudent"]
    assert redirects(browser.run(page.load())) == ["/login?next=%2Fonboarding%2Fstudent"]
    # A forged cookie is the same as none.
    browser.set_cookie("forged")
    assert redirects(browser.run(page.save(dict(FORM))))
    # A tutor's cookie: not allowed, and no student profile is touched or created.
    make_user("tutor", email="t@example.com")
    browser.login("t@example.com")
    browser.run(page.load())
    assert page.status == "forbidden"
    browser.run(page.save(dict(FORM)))
    assert page.message == "You do not have access to this."
    assert count(StudentProfile) == 1 and _profile(student.id).goals == ""
