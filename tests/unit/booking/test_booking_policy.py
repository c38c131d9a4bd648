"""Cancellation tiers at their edges, tutor cancellations (strikes, flags), rescheduling rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at, open_all_week
from tests.support.money import fund_wallet
from tutorhub.models import Booking, ReliabilityStrike, Role, TutorFlag
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.scheduling import slots
from tutorhub.services.tutors import reliability
from tutorhub.settings import reset_settings

START = at(10, 12)


@pytest.mark.parametrize(
    ("before", "percent", "amount"),
    [
        (timedelta(days=5), 100, 3000),
        (timedelta(hours=24), 100, 3000),  # exactly 24 h: full refund
        (timedelta(hours=24) - timedelta(seconds=1), 50, 1500),
        (timedelta(hours=12), 50, 1500),  # exactly 12 h: half
        (timedelta(hours=12) - timedelta(seconds=1), 0, 0),
        (timedelta(minutes=1), 0, 0),
    ],
)
def test_student_cancellation_tiers_at_their_edges(env, before, percent, amount):
    booked = env.book(START, confirm=True)
    out = booking_changes.cancel_booking(env.db, actor=env.student, booking_id=booked.id, now=START - before)
    assert (out.status, out.refund_percent, out.refund_minor) == ("CANCELLED", percent, amount)
    assert out.refund_status == ("DUE" if amount else "NONE") and out.cancelled_by == "student"


def test_policy_numbers_are_settings(env, monkeypatch):
    monkeypatch.setenv("TUTORHUB_CANCEL_FULL_REFUND_HOURS", "48")
    monkeypatch.setenv("TUTORHUB_CANCEL_PARTIAL_REFUND_PERCENT", "25")
    reset_settings()
    try:
        booked = env.book(START, confirm=True)
        out = booking_changes.cancel_booking(env.db, actor=env.student, booking_id=booked.id,
                                             now=START - timedelta(hours=30))
        assert (out.refund_percent, out.refund_minor) == (25, 750)
    finally:
        monkeypatch.undo()
        reset_settings()


def test_unpaid_holds_and_unanswered_requests(env):
    hold = env.book(START)
    out = booking_changes.cancel_booking(env.db, actor=env.student, booking_id=hold.id, now=START - timedelta(hours=1))
    assert (out.status, out.refund_minor, out.refund_status) == ("CANCELLED", 0, "NONE")


def test_a_request_cancelled_by_the_student_is_refunded_in_full(env):
    open_all_week(env.db, env.tutor, instant_booking=False)
    req = env.book(START, confirm=True)
    assert req.status == "REQUESTED"
    out = booking_changes.cancel_booking(env.db, actor=env.student, booking_id=req.id, now=START - timedelta(hours=2))
    assert (out.refund_percent, out.refund_minor) == (100, 3000)
    with pytest.raises(Conflict):
        booking_changes.cancel_booking(env.db, actor=env.student, booking_id=req.id, now=NOW)


def test_cancelling_frees_the_slot(env):
    booked = env.book(START, confirm=True)
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    page = slots.get_slots(env.db, tutor_id=env.tutor_id, start=START, end=START + timedelta(hours=1), duration=60,
                           now=NOW)
    assert [s.start for s in page.slots] == [START.isoformat()]


def test_no_cancelling_after_the_start(env):
    booked = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="started"):
        booking_changes.cancel_booking(env.db, actor=env.student, booking_id=booked.id, now=START)


def test_a_tutor_cancellation_refunds_in_full_and_records_a_strike(env):
    booked = env.book(START, confirm=True)
    out = booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=booked.id, reason="Ill",
                                         now=START - timedelta(hours=2))
    assert (out.refund_percent, out.refund_minor, out.cancelled_by) == (100, 3000, "tutor")
    assert out.refund_status == "DUE"  # no other tutor exists: credited back at once
    strike = env.db.exec(select(ReliabilityStrike)).one()
    assert (strike.tutor_id, strike.kind, strike.notice_hours) == (env.tutor_id, "tutor_cancel", 2)


def test_the_tutor_declines_requests_instead_of_cancelling(env):
    open_all_week(env.db, env.tutor, instant_booking=False)
    req = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="decline"):
        booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=req.id, now=NOW)


def test_three_tutor_cancellations_in_30_days_flag_the_tutor(env, make_user):
    admin = make_user(Role.ADMIN)
    times = [NOW, NOW + timedelta(days=10), NOW + timedelta(days=29, hours=23)]
    for i, when in enumerate(times):
        booked = env.book(at(40 + i, 12), confirm=True, now=when)
        booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=booked.id, now=when)
        env.db.commit()
        flags = reliability.list_flagged_tutors(env.db, actor=admin, now=when)
        assert len(flags) == (1 if i == 2 else 0)
    flag = flags[0]
    assert (flag.tutor_id, flag.reason, flag.cancellations_in_window) == (env.tutor_id, "cancellations", 3)
    # A fourth does not open a second flag.
    booked = env.book(at(45, 12), confirm=True, now=times[-1])
    booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=booked.id, now=times[-1])
    assert len(env.db.exec(select(TutorFlag)).all()) == 1
    with pytest.raises(Forbidden):
        reliability.list_flagged_tutors(env.db, actor=env.tutor)
    reliability.resolve_flag(env.db, actor=admin, flag_id=flag.id, notes="Talked to them")
    assert reliability.list_flagged_tutors(env.db, actor=admin) == []
    assert reliability.list_flagged_tutors(env.db, actor=admin, include_resolved=True)[0].resolution_notes
    with pytest.raises(Conflict):
        reliability.resolve_flag(env.db, actor=admin, flag_id=flag.id)
    with pytest.raises(NotFound):
        reliability.resolve_flag(env.db, actor=admin, flag_id="x")


def test_cancellations_spread_over_more_than_30_days_do_not_flag(env):
    for i, when in enumerate([NOW, NOW + timedelta(days=15), NOW + timedelta(days=31)]):
        booked = env.book(at(45 + i, 12), confirm=True, now=when)
        booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=booked.id, now=when)
    assert env.db.exec(select(TutorFlag)).all() == []


def test_reschedule_once_into_a_free_slot(env):
    booked = env.book(START, confirm=True)
    blocker = env.book(at(11, 12), student=env.another_student())
    with pytest.raises(SlotTaken):
        booking_changes.reschedule_booking(env.db, actor=env.student, booking_id=booked.id, start=at(11, 12, 30),
                                           now=NOW)
    with pytest.raises(InvalidInput):  # off the grid
        booking_changes.reschedule_booking(env.db, actor=env.student, booking_id=booked.id, start=at(12, 9, 10),
                                           now=NOW)
    # Moving by half an hour overlaps the lesson's own old slot: that does not count as busy.
    moved = booking_changes.reschedule_booking(env.db, actor=env.student, booking_id=booked.id,
                                               start=START + timedelta(minutes=30), now=NOW)
    assert (moved.start, moved.reschedule_count, moved.status) == (START + timedelta(minutes=30), 1, "CONFIRMED")
    assert "reschedule" not in moved.actions
    with pytest.raises(Conflict, match="once"):
        booking_changes.reschedule_booking(env.db, actor=env.tutor, booking_id=booked.id, start=at(12, 9), now=NOW)
    row = env.db.get(Booking, booked.id)
    assert (row.block_start, row.block_end) == (START + timedelta(minutes=30), START + timedelta(minutes=90))
    assert blocker.status == "PENDING_PAYMENT"


@pytest.mark.parametrize(("before", "allowed"), [(timedelta(hours=12), True), (timedelta(hours=12) - timedelta(seconds=1), False)])
def test_reschedule_needs_12_hours_notice(env, before, allowed):
    open_all_week(env.db, env.tutor, min_notice_hours=0)
    booked = env.book(START, confirm=True)
    call = lambda: booking_changes.reschedule_booking(  # noqa: E731
        env.db, actor=env.tutor, booking_id=booked.id, start=START + timedelta(hours=2), now=START - before)
    if allowed:
        assert call().start == START + timedelta(hours=2)
    else:
        with pytest.raises(Conflict, match="12 hours"):
            call()


def test_reschedule_refuses_the_same_time_and_other_states(env):
    booked = env.book(START)
    with pytest.raises(Conflict):
        booking_changes.reschedule_booking(env.db, actor=env.student, booking_id=booked.id, start=at(12, 9), now=NOW)
    fund_wallet(env.db, env.student.id)
    lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    with pytest.raises(InvalidInput):
        booking_changes.reschedule_booking(env.db, actor=env.student, booking_id=booked.id, start=START, now=NOW)
    with pytest.raises(NotFound):
        booking_changes.reschedule_booking(env.db, actor=env.another_student(), booking_id=booked.id,
                                           start=at(12, 9), now=NOW)


# The cancel dialog's preview (services/booking/screens.py) must match the cancel itself


@pytest.mark.parametrize(
    ("who", "confirm", "approval", "before"),
    [
        ("student", True, False, timedelta(days=5)),  # full tier
        ("student", True, False, timedelta(hours=18)),  # half tier
        ("student", True, False, timedelta(hours=6)),  # no refund
        ("student", False, False, timedelta(days=5)),  # unpaid hold: nothing to refund
        ("student", True, True, timedelta(hours=2)),  # unanswered request: full refund
        ("tutor", True, False, timedelta(hours=2)),  # tutor cancels: full refund
    ],
)
def test_the_cancel_preview_promises_exactly_what_the_cancel_records(env, who, confirm, approval, before):
    from tutorhub.services.booking import screens as booking_pages

    if approval:
        open_all_week(env.db, env.tutor, instant_booking=False)
    booked = env.book(START, confirm=confirm)
    actor = env.student if who == "student" else env.tutor
    when = START - before
    preview = booking_pages.cancel_preview(env.db, actor=actor, booking_id=booked.id, now=when)
    out = booking_changes.cancel_booking(env.db, actor=actor, booking_id=booked.id, now=when)
    assert (preview.role, preview.refund_percent, preview.refund_minor) == (who, out.refund_percent, out.refund_minor)


def test_the_cancel_preview_refuses_what_the_cancel_refuses(env, make_user):
    from tutorhub.services.booking import screens as booking_pages

    open_all_week(env.db, env.tutor, instant_booking=False)
    booked = env.book(START, confirm=True)  # REQUESTED: the tutor declines instead of cancelling
    preview = lambda actor, now=NOW: booking_pages.cancel_preview(  # noqa: E731
        env.db, actor=actor, booking_id=booked.id, now=now)
    with pytest.raises(InvalidInput):
        preview(env.tutor)
    with pytest.raises(InvalidInput):  # started: no cancelling any more
        preview(env.student, START)
    with pytest.raises(InvalidInput):  # admins cancel from the admin tools, without a refund preview
        preview(make_user(Role.ADMIN))
    with pytest.raises(NotFound):
        preview(env.another_student())
    assert preview(env.student).refund_percent == 100
