"""The lesson page: who sees what, the lesson's life (start, end, review, reply), cancelling
with the refund tier shown first, rescheduling, replacement offers, and strangers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col

from tests.state.conftest import fetch, redirects, toasts
from tests.support.booking_world import day_ahead, make_world, snapshot, soon, starting_now
from tests.support.money import fund_wallet
from tutorhub.models.bookings import Booking, ReplacementOffer, Review
from tutorhub.services.errors import InvalidInput
from tutorhub.state.checkout.pay import LessonPayState
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.learning.reviews import TutorReviewsState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=True)


def _open(browser, booking_id, email: str | None = None) -> LessonChangeState:
    if email:
        browser.login(email)
    browser.goto(f"/lessons/{booking_id}", route="/lessons/[booking_id]")
    browser.run(browser.app.load_viewer())
    page = browser.state(LessonChangeState)
    browser.run(page.load())
    browser.run(page.load_changes())
    return page


def _status(booking_id) -> str:
    return fetch(Booking, col(Booking.id) == booking_id)[0].status


def test_parties_see_the_lesson_with_link_history_and_both_times(browser, new_browser, world):
    b = world.book(day_ahead(2, hour=14))
    page = _open(browser, b.id, world.student.email)
    assert page.lesson_status == "ready" and page.b_status == "CONFIRMED" and page.as_role == "student"
    assert page.meeting_url.startswith("http") and "tutorhub-" in page.meeting_url
    assert page.other_time == "14:00 for your tutor" and "with Tutor" in page.with_whom
    assert [e.text for e in page.events] == ["Slot held", "Confirmed by the student"]
    assert {"cancel", "reschedule", "notes"} <= set(page.actions)
    tutor = _open(new_browser(), b.id, world.tutor.email)
    assert tutor.as_role == "tutor" and tutor.meeting_url == page.meeting_url and "your student" in tutor.other_time
    admin = _open(new_browser(), b.id, world.admin.email)
    assert admin.lesson_status == "ready" and admin.meeting_url == "" and admin.actions == []
    assert page.with_whom.endswith(" (tutor)") and tutor.with_whom.startswith("with Sam")
    assert tutor.with_whom.endswith(" (student)") and admin.with_whom.startswith("Sam") and " with " in admin.with_whom


@pytest.mark.parametrize("who", ["other_student", "other_tutor"])
def test_strangers_get_not_found_and_no_data(new_browser, world, who):
    b = world.book(day_ahead(2))
    page = _open(new_browser(), b.id, getattr(world, who).email)
    assert page.lesson_status == "notfound"
    assert page.meeting_url == "" and page.events == [] and page.title == "" and page.notes == ""


def test_anonymous_goes_to_login(browser, world):
    b = world.book(day_ahead(2))
    browser.goto(f"/lessons/{b.id}", route="/lessons/[booking_id]")
    events = browser.run(browser.state(LessonChangeState).load())
    assert redirects(events) == [f"/login?next=%2Flessons%2F{b.id}"]


def test_tutor_starts_and_ends_then_student_reviews_and_tutor_replies(new_browser, world):
    b = world.book(soon(), duration=45)
    starting_now(b.id)
    tutor_tab = new_browser()
    tutor = _open(tutor_tab, b.id, world.tutor.email)
    assert "start" in tutor.actions
    tutor_tab.run(tutor.start_lesson())
    assert tutor.b_status == "IN_PROGRESS" and "complete" in tutor.actions
    tutor_tab.run(tutor.end_lesson())  # before the scheduled end: asks first, changes nothing
    assert tutor.b_status == "IN_PROGRESS" and "of 45 minutes" in tutor.end_confirm
    tutor_tab.run(tutor.keep_teaching())
    assert tutor.end_confirm == "" and tutor.b_status == "IN_PROGRESS"
    tutor_tab.run(tutor.end_lesson("yes"))  # only a real True confirms
    assert tutor.end_confirm and tutor.b_status == "IN_PROGRESS"
    events = tutor_tab.run(tutor.end_lesson(True))
    assert tutor.b_status == "COMPLETED" and toasts(events, "success") and tutor.end_confirm == ""
    assert tutor.actual_length == "Ran 0 of 45 minutes"
    student_tab = new_browser()
    student = _open(student_tab, b.id, world.student.email)
    assert "review" in student.actions
    student_tab.run(student.submit_review({"rating": "9", "comment": "x"}))
    assert student.error and not fetch(Review)
    student_tab.run(student.submit_review({"rating": "5", "comment": "Clear and patient."}))
    assert student.has_review and student.review_stars == "★★★★★" and "review" not in student.actions
    tutor_tab.run(tutor.refresh())
    assert "reply" in tutor.actions
    tutor_tab.run(tutor.submit_reply({"reply": "Thank you!"}))
    tutor_tab.run(tutor.submit_reply({"reply": "Again"}))  # once only
    assert fetch(Review)[0].reply == "Thank you!"
    profile_tab = new_browser()
    profile_tab.goto(f"/tutors/{world.tutor_id}", route="/tutors/[tutor_id]")
    reviews = profile_tab.state(TutorReviewsState)
    profile_tab.run(reviews.load())
    [row] = reviews.review_rows
    assert row.comment == "Clear and patient." and row.reply == "Thank you!" and row.author == "Sam"


def test_both_parties_edit_the_shared_notes(new_browser, world):
    b = world.book(day_ahead(2))
    s_tab, t_tab = new_browser(), new_browser()
    student, tutor = _open(s_tab, b.id, world.student.email), _open(t_tab, b.id, world.tutor.email)
    s_tab.run(student.save_notes({"notes": "Chapter 3 please"}))
    t_tab.run(tutor.refresh())
    assert tutor.notes == "Chapter 3 please"
    t_tab.run(tutor.save_notes({"notes": "Chapter 3 and 4"}))
    assert fetch(Booking)[0].notes == "Chapter 3 and 4" and tutor.notes_info.startswith("Last saved")


@pytest.mark.parametrize(
    ("hours", "tier", "text"),
    [(48, "full", "Full refund (€30)"), (18, "half", "50% refund (€15)"), (6, "none", "No refund")],
)
def test_student_cancel_shows_the_refund_tier_first(browser, world, hours, tier, text):
    from datetime import UTC, datetime

    start = (datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 30)  # 60-minute lessons start on the :00/:30 grid
    b = world.book(start)
    page = _open(browser, b.id, world.student.email)
    browser.run(page.open_cancel())
    assert page.cancel_open and page.cancel_tier == tier and page.cancel_refund == text and not page.cancel_by_tutor
    assert _status(b.id) == "CONFIRMED"  # nothing happens until confirmed
    browser.run(page.confirm_cancel({"reason": "ill"}))
    assert page.b_status == "CANCELLED" and not page.cancel_open


def test_tutor_cancel_explains_and_the_student_takes_a_replacement(new_browser, world, make_approved_tutor, db):
    from tests.support.booking import open_all_week

    replacement, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, replacement, now=day_ahead(0), min_notice_hours=0)
    b = world.book(day_ahead(2))
    t_tab = new_browser()
    tutor = _open(t_tab, b.id, world.tutor.email)
    t_tab.run(tutor.open_cancel())
    assert tutor.cancel_by_tutor and tutor.cancel_tier == "full"
    t_tab.run(tutor.confirm_cancel({"reason": "sick"}))
    assert _status(b.id) == "CANCELLED"
    s_tab = new_browser()
    student = _open(s_tab, b.id, world.student.email)
    assert "replacements" in student.actions and student.offers and student.offers[0].same_time
    s_tab.run(student.take_offer(student.offers[0].id))
    assert len(fetch(Booking)) == 2 and "replacements" not in student.actions


def test_declining_offers_credits_back(browser, new_browser, world, make_approved_tutor, db):
    from tests.support.booking import open_all_week

    replacement, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, replacement, now=day_ahead(0), min_notice_hours=0)
    b = world.book(day_ahead(2))
    t_tab = new_browser()
    t_tab.run(_open(t_tab, b.id, world.tutor.email).confirm_cancel({}))
    page = _open(browser, b.id, world.student.email)
    browser.run(page.decline_offers())
    assert fetch(Booking)[0].refund_status == "DUE" and page.offers == []


def test_reschedule_into_another_free_time(browser, world):
    b = world.book(day_ahead(2))
    page = _open(browser, b.id, world.student.email)
    browser.run(page.open_reschedule())
    assert page.resched_open
    browser.run(page.resched_go(1))
    target = next(s for d in page.resched_days for s in d.slots)
    browser.run(page.reschedule_to(target.start))
    row = fetch(Booking)[0]
    assert row.reschedule_count == 1 and not page.resched_open and "reschedule" not in page.actions
    events = browser.run(page.open_reschedule())
    assert toasts(events, "error")


def test_a_taken_time_whose_lesson_also_changed_shows_an_error_instead_of_crashing(browser, world, monkeypatch):
    b = world.book(day_ahead(2))
    page = _open(browser, b.id, world.student.email)
    browser.run(page.open_reschedule())
    browser.run(page.resched_go(1))
    target = next(s for d in page.resched_days for s in d.slots)
    from datetime import datetime

    world.book(datetime.fromisoformat(target.start), student=world.other_student)  # someone takes it first

    async def lesson_gone(self):
        raise InvalidInput("This lesson cannot be rescheduled any more.")

    monkeypatch.setattr(LessonChangeState, "_load_week", lesson_gone)
    events = browser.run(page.reschedule_to(target.start))
    assert toasts(events, "error") and page.error == "This lesson cannot be rescheduled any more."
    assert page.busy == "" and fetch(Booking)[0].reschedule_count == 0


def test_pending_hold_can_be_confirmed_from_the_lesson_page(browser, world):
    b = world.book(day_ahead(2), confirm=False)
    fund_wallet(world.db, world.student.id, b.price_minor, b.currency, commit=True)  # confirming pays from the wallet
    page = _open(browser, b.id, world.student.email)
    assert page.hold_expires and "confirm" in page.actions
    pay = browser.state(LessonPayState)  # the lesson page's pay box (pages/learning/lesson.py _hold_box)
    browser.run(pay.load())
    assert pay.pay_open
    browser.run(pay.set_pay_method("wallet"))
    browser.run(pay.pay({}))
    assert _status(b.id) == "CONFIRMED"


# Strangers: every changing handler, by everybody who is not the right party

# Paying a held booking (LessonPayState.pay) is covered for strangers in
# test_money_pay_state.py::test_nobody_else_sees_the_box_or_can_pay.
HANDLERS = [
    ("start_lesson", ()),
    ("end_lesson", ()),
    ("end_lesson", (True,)),
    ("report_no_show", ({"reason": "x"},)),
    ("save_notes", ({"notes": "hacked"},)),
    ("submit_review", ({"rating": "1", "comment": "bad"},)),
    ("submit_reply", ({"reply": "hacked"},)),
    ("confirm_cancel", ({"reason": "x"},)),
    ("reschedule_to", ("@START",)),
    ("take_offer", ("@OFFER",)),
    ("decline_offers", ()),
]


@pytest.fixture
def victim(world, make_approved_tutor, db):
    """A lesson in every interesting state for strangers to try: held, soon, and cancelled by the
    tutor with an open replacement offer."""
    from tests.support.booking import open_all_week
    from tutorhub.services.booking import changes as booking_changes

    replacement, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, replacement, now=day_ahead(0), min_notice_hours=0)
    held = world.book(day_ahead(2), confirm=False)
    live = world.book(soon(), duration=45)
    cancelled = world.book(day_ahead(4))
    booking_changes.cancel_booking(db, actor=world.tutor, booking_id=cancelled.id)
    db.commit()
    offer = fetch(ReplacementOffer)[0]
    return {"held": held.id, "live": live.id, "cancelled": cancelled.id, "offer": offer.id}


@pytest.mark.parametrize("who", [None, "other_student", "other_tutor", "admin"])
@pytest.mark.parametrize(("handler", "args"), HANDLERS)
def test_strangers_change_nothing(new_browser, world, victim, who, handler, args):
    if who == "admin" and handler == "confirm_cancel":
        pytest.skip("admins may cancel any lesson (booking_changes.CANCELLABLE); not a stranger there")
    before = {k: snapshot(v) for k, v in victim.items() if k != "offer"}
    bookings_before = len(fetch(Booking))
    args = tuple(victim["offer"] if a == "@OFFER" else (day_ahead(5).isoformat() if a == "@START" else a) for a in args)
    for key in ("held", "live", "cancelled"):
        b = new_browser()
        if who:
            b.login(getattr(world, who).email)
        b.goto(f"/lessons/{victim[key]}", route="/lessons/[booking_id]")
        page = b.state(LessonChangeState)
        events = b.run(getattr(page, handler)(*args))
        assert page.error or toasts(events, "error") or redirects(events), (key, handler)
    assert {k: snapshot(v) for k, v in victim.items() if k != "offer"} == before
    assert len(fetch(Booking)) == bookings_before and not fetch(Review)


@pytest.mark.parametrize("who", ["student", "tutor"])
def test_a_party_cannot_do_the_other_sides_actions(new_browser, world, victim, who):
    before = snapshot(victim["live"])
    b = new_browser()
    b.login(getattr(world, who).email)
    b.goto(f"/lessons/{victim['live']}", route="/lessons/[booking_id]")
    page = b.state(LessonChangeState)
    wrong = ["start_lesson", "end_lesson"] if who == "student" else ["decline_offers"]
    for name in wrong:
        b.run(getattr(page, name)())
    if who == "tutor":  # only the student pays
        pay = b.state(LessonPayState)
        b.run(pay.load())
        assert not pay.pay_open
        pay.pay_open = True  # a tampered client: the service still refuses
        b.run(pay.set_pay_method("wallet"))
        b.run(pay.pay({}))
        assert pay.pay_error
    assert snapshot(victim["live"]) == before


@pytest.mark.parametrize("garbage", [None, "x", True, -5, 2**40, "2027-01-01T10:00"])
def test_offer_and_reschedule_ignore_garbage(browser, world, victim, garbage):
    page = _open(browser, victim["cancelled"], world.student.email)
    browser.run(page.take_offer(garbage))
    browser.run(page.reschedule_to(garbage))
    assert len(fetch(Booking)) == 3 and snapshot(victim["cancelled"])[0] == "CANCELLED"
