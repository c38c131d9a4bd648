"""The course page's pay panel offers "Credits" when the learner has any (the minutes needed and held, the
price "or N credit minutes"), enrols with them, shows the 402 inline when short, and ignores whatever a
stranger sends (bad pay methods, other children, other people's courses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.state.conftest import toasts
from tests.support.courses import ready_course
from tests.support.db import fetch
from tutorhub.models import CourseEnrolment, CreditLot, GuardianLink, LotSource, Role
from tutorhub.services.billing import credits
from tutorhub.state.courses.course_page import CoursePageState

MINUTES = 98  # 49.00 EUR at the tutor's 30.00 EUR an hour


def _grant(db, user, minutes: int) -> None:
    now = datetime.now(UTC)
    credits.grant_lot(db, user_id=user.id, minutes=minutes, source=LotSource.ADMIN, source_ref=f"state:{user.id}",
                      expires_at=now + timedelta(days=30), now=now)
    db.commit()


def _left(user) -> int:
    return sum(lot.remaining for lot in fetch(CreditLot) if lot.user_id == user.id)


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor()
    cid, chapters = ready_course(db, tutor)
    return {"tutor": tutor, "course_id": cid, "chapters": chapters, "make_user": make_user}


def _page(browser, course_id: int, email: str | None):
    if email:
        browser.login(email)
    browser.goto(f"/courses/{course_id}", route="/courses/[course_id]")
    page = browser.state(CoursePageState)
    browser.run(page.load())
    return page


def test_a_student_pays_with_credits(browser, world, db):
    student = world["make_user"](Role.STUDENT)
    _grant(db, student, MINUTES + 2)
    page = _page(browser, world["course_id"], student.email)
    assert page.credit_price == f"or {MINUTES} credit minutes" and page.credits_offered and page.credits_ok
    assert page.credits_text == "1 h 40 min available · this course needs 1 h 38 min"
    page.set_pay_method("credits")
    assert page.pay_method == "credits"
    events = browser.run(page.enrol())
    assert toasts(events, "success") and page.enrolment == "ACTIVE" and _left(student) == 2
    [row] = fetch(CourseEnrolment)
    assert (row.method, row.student_id) == ("credits", student.id)
    assert page.chapters[1].playable


def test_short_credits_show_the_error_inline_and_nothing_is_spent(browser, world, db):
    student = world["make_user"](Role.STUDENT)
    _grant(db, student, MINUTES - 8)
    page = _page(browser, world["course_id"], student.email)
    assert page.credits_offered and not page.credits_ok and "1 h 30 min available" in page.credits_text
    page.set_pay_method("credits")
    browser.run(page.enrol())
    assert "98 credit minutes" in page.message and "you have 90" in page.message
    assert fetch(CourseEnrolment) == [] and _left(student) == MINUTES - 8


def test_no_credits_no_credits_option(browser, world):
    student = world["make_user"](Role.STUDENT)
    page = _page(browser, world["course_id"], student.email)
    assert not page.credits_offered and page.credit_price == f"or {MINUTES} credit minutes"
    page.set_pay_method("credits")  # not offered: ignored
    assert page.pay_method == "gateway"


def test_a_guardian_pays_with_the_chosen_childs_credits(new_browser, world, db):
    guardian, child, other = (world["make_user"](Role.GUARDIAN), world["make_user"](Role.STUDENT),
                              world["make_user"](Role.STUDENT))
    db.add(GuardianLink(student_id=child.id, guardian_email=guardian.email or "", guardian_id=guardian.id,
                        status="active", expires_at=datetime.now(UTC) + timedelta(days=1)))
    db.commit()
    _grant(db, child, MINUTES)
    _grant(db, other, 5 * MINUTES)
    b = new_browser()
    page = _page(b, world["course_id"], guardian.email)
    assert page.child_id == str(child.id) and page.credits_offered and page.credits_ok
    for bad in (str(other.id), "999999", 1, None, ["x"], "9" * 5000):  # not theirs, wrong types, huge
        assert page.set_child(bad) is None and page.child_id == str(child.id)
    page.set_pay_method("credits")
    b.run(page.enrol())
    [row] = fetch(CourseEnrolment)
    assert (row.student_id, row.payer_id, row.method) == (child.id, guardian.id, "credits")
    assert _left(child) == 0 and _left(other) == 5 * MINUTES


@pytest.mark.parametrize("who", [None, "tutor", "admin", "other_tutor"])
def test_strangers_cannot_pay_with_credits(new_browser, world, db, make_approved_tutor, who):
    from tutorhub.services.courses import building

    student = world["make_user"](Role.STUDENT)
    _grant(db, student, 5 * MINUTES)
    draft = building.create_course(db, actor=world["tutor"], data={"title": "Draft", "subject": "maths",
                                                                   "price_minor": 100, "currency": "EUR"})["id"]
    db.commit()
    users = {"tutor": world["tutor"], "admin": world["make_user"](Role.ADMIN),
             "other_tutor": make_approved_tutor()[0]}
    for course_id in (world["course_id"], draft):
        b = new_browser()
        page = _page(b, course_id, users[who].email if who else None)
        assert not page.credits_offered and page.credits_text == ""
        for bad in ("credits", 1, None, ["credits"], {"m": 1}, "x" * 5000):
            page.set_pay_method(bad)
            assert page.pay_method == "gateway"
        page.pay_method, page.course_id = "credits", course_id  # forced, as a malicious client could not
        events = b.run(page.enrol())
        assert page.message or toasts(events, "error") or events
    assert fetch(CourseEnrolment) == [] and _left(student) == 5 * MINUTES


def test_a_student_cannot_pay_for_a_draft_or_with_forced_credits(new_browser, world, db):
    from tutorhub.services.courses import building

    student = world["make_user"](Role.STUDENT)
    _grant(db, student, 5 * MINUTES)
    draft = building.create_course(db, actor=world["tutor"], data={"title": "Draft", "subject": "maths",
                                                                   "price_minor": 100, "currency": "EUR"})["id"]
    db.commit()
    b = new_browser()
    page = _page(b, draft, student.email)
    assert page.status == "notfound" and not page.credits_offered
    page.pay_method = "credits"
    b.run(page.enrol())
    assert page.message and fetch(CourseEnrolment) == [] and _left(student) == 5 * MINUTES
