"""Booking a lesson: holds, prices and trials, the engine's 422/409 answers, payment (confirm),
tutor approval, "my lessons" and the lesson page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at, open_all_week
from tests.support.money import fund_wallet
from tutorhub.models import Booking, BookingEvent, OutboxMessage, Role, TutorFreeSlots
from tutorhub.services.booking import bookings
from tutorhub.services.booking import policy as booking_policy
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.scheduling import free_index, slots
from tutorhub.services.scheduling.engine.tzclock import to_minute


def slot_starts(env, day, duration=60):
    page = slots.get_slots(env.db, tutor_id=env.tutor_id, start=at(day, 0), end=at(day + 1, 0), duration=duration,
                           now=NOW)
    return [s.start for s in page.slots]


def test_a_booking_holds_the_slot_for_15_minutes_with_a_price_snapshot(env):
    out = env.book(at(2, 10))
    assert out.status == "PENDING_PAYMENT" and out.kind == "single"
    assert out.start == at(2, 10) and out.end == at(2, 11) and out.start.tzinfo is not None
    assert out.hold_expires_at == NOW + timedelta(minutes=15)
    assert (out.list_price_minor, out.price_minor, out.currency) == (3000, 3000, "EUR")
    assert out.student_timezone == "America/New_York" and out.tutor_timezone == "UTC"
    assert out.student_start == "2027-03-03T05:00:00-05:00" and out.tutor_start == "2027-03-03T10:00:00+00:00"
    assert out.actions == ["confirm", "cancel", "notes"]
    events = env.db.exec(select(BookingEvent).where(BookingEvent.booking_id == out.id)).all()
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
        ("hold", "", "PENDING_PAYMENT", env.student.id)
    ]


def test_a_held_slot_disappears_from_slots_and_the_search_index(env):
    before = slot_starts(env, 2)
    assert "2027-03-03T10:00:00+00:00" in before and "2027-03-03T10:30:00+00:00" in before
    env.book(at(2, 10))
    after = slot_starts(env, 2)
    assert "2027-03-03T10:00:00+00:00" not in after and "2027-03-03T09:30:00+00:00" not in after
    assert "2027-03-03T10:30:00+00:00" not in after and "2027-03-03T11:00:00+00:00" in after
    row = env.db.exec(select(TutorFreeSlots).where(TutorFreeSlots.duration_min == 60)).one()
    bit = (to_minute(at(2, 10)) - row.base_minute) // free_index.TICK
    assert not (int.from_bytes(row.starts, "little") >> bit) & 1
    next_bit = (to_minute(at(2, 11)) - row.base_minute) // free_index.TICK
    assert (int.from_bytes(row.starts, "little") >> next_bit) & 1


def test_lesson_price_rounds_half_up_in_minor_units():
    assert booking_policy.lesson_price(3000, 45) == 2250
    assert booking_policy.lesson_price(1001, 45) == 751  # 750.75
    assert booking_policy.lesson_price(1000, 45) == 750
    assert booking_policy.discounted(751, 50) == 376  # 375.5 → 376
    assert booking_policy.refund_amount(3001, 50) == 1501


def test_a_trial_is_half_price_and_once_per_tutor(env):
    trial = env.book(at(2, 10), kind="trial", duration=30)
    assert (trial.kind, trial.list_price_minor, trial.price_minor, trial.discount_percent) == ("trial", 1500, 750, 50)
    with pytest.raises(Conflict, match="already had a trial"):
        env.book(at(3, 10), kind="trial")
    other_tutor, other_id = env.make_approved_tutor(timezone="UTC")
    open_all_week(env.db, other_tutor)
    assert env.book(at(3, 10), kind="trial", tutor_id=other_id).kind == "trial"
    assert env.book(at(3, 10), kind="trial", student=env.another_student()).kind == "trial"


def test_the_booking_quote_prices_single_and_trial_and_knows_when_the_trial_is_used(env, make_user):
    from tutorhub.services.booking import screens as booking_pages

    quote = booking_pages.booking_quote(env.db, actor=env.student, tutor_id=env.tutor_id, duration_min=30)
    assert (quote.lesson_lengths, quote.duration_min, quote.price_minor, quote.trial_price_minor) == (
        [30, 60, 90], 30, 1500, 750)
    assert quote.trial_available and quote.instant_booking and quote.trial_discount_percent == 50
    assert booking_pages.booking_quote(env.db, actor=env.student, tutor_id=env.tutor_id).duration_min == 30
    env.book(at(2, 10), kind="trial")
    assert not booking_pages.booking_quote(env.db, actor=env.student, tutor_id=env.tutor_id).trial_available
    assert booking_pages.booking_quote(env.db, actor=env.another_student(), tutor_id=env.tutor_id).trial_available
    with pytest.raises(InvalidInput):
        booking_pages.booking_quote(env.db, actor=env.student, tutor_id=env.tutor_id, duration_min=45)
    with pytest.raises(Forbidden):
        booking_pages.booking_quote(env.db, actor=env.tutor, tutor_id=env.tutor_id)
    with pytest.raises(NotFound):
        booking_pages.booking_quote(env.db, actor=env.student, tutor_id="nope")


def test_pending_requests_and_the_admin_overview(env, make_user):
    from tutorhub.services.booking import screens as booking_pages

    open_all_week(env.db, env.tutor, instant_booking=False)
    env.book(at(2, 10), confirm=True)
    env.book(at(3, 10))  # a hold is not waiting for the tutor
    assert booking_pages.pending_request_count(env.db, actor=env.tutor) == 1
    assert booking_pages.pending_request_count(env.db, actor=env.student) == 0
    assert booking_pages.pending_request_count(env.db, actor=make_user(Role.TUTOR)) == 0
    admin = make_user(Role.ADMIN)
    everything = booking_pages.admin_bookings(env.db, actor=admin, now=NOW)
    assert [b.start for b in everything.items] == [at(3, 10), at(2, 10)] and everything.total == 2
    requested = booking_pages.admin_bookings(env.db, actor=admin, status="REQUESTED", now=NOW)
    assert [b.status for b in requested.items] == ["REQUESTED"] and requested.items[0].viewer_role == "admin"
    with pytest.raises(InvalidInput):
        booking_pages.admin_bookings(env.db, actor=admin, status="nope")
    for who in (env.student, env.tutor):
        with pytest.raises(Forbidden):
            booking_pages.admin_bookings(env.db, actor=who)


def test_a_released_trial_can_be_booked_again(env):
    from tutorhub.services.booking import changes as booking_changes

    trial = env.book(at(2, 10), kind="trial")
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=trial.id, now=NOW)
    env.db.commit()
    assert env.book(at(3, 10), kind="trial").status == "PENDING_PAYMENT"


def test_the_database_refuses_a_second_live_trial_even_past_the_check(env):
    """The partial unique index is the backstop behind the service's trial check."""
    from sqlalchemy.exc import IntegrityError

    first = env.db.get(Booking, env.book(at(2, 10), kind="trial").id)
    clone = Booking(**{k: v for k, v in first.model_dump().items() if k not in ("id", "room_key")},
                    room_key="other")
    clone.start_at, clone.end_at = at(5, 10), at(5, 11)
    clone.block_start, clone.block_end = clone.start_at, clone.end_at
    env.db.add(clone)
    with pytest.raises(IntegrityError):
        env.db.flush()
    env.db.rollback()


@pytest.mark.parametrize(
    ("start", "duration", "field"),
    [
        (NOW + timedelta(hours=3), 60, "start"),  # inside the 12 h notice
        (NOW + timedelta(days=61), 60, "start"),  # beyond the 60-day window
        (at(2, 10, 15), 60, "start"),  # off the :00/:30 grid
        (at(2, 10), 45, "duration_min"),  # not a length the tutor offers
        ("2027-03-03T10:00:00", 60, "start"),  # naive
        ("tomorrow", 60, "start"),
        (at(2, 10), 0, "duration_min"),
        (at(2, 10), "sixty", "duration_min"),
        (at(2, 10).replace(second=30), 60, "start"),
    ],
)
def test_times_outside_the_tutors_rules_are_invalid_input(env, start, duration, field):
    with pytest.raises(InvalidInput) as refused:
        bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=start, duration_min=duration,
                                now=NOW)
    assert refused.value.status_code == 422 and field in refused.value.fields


def test_outside_availability_is_invalid_input(env, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    open_all_week(env.db, tutor, zone="Europe/Berlin", start="09:00", end="12:00")
    with pytest.raises(InvalidInput, match="available hours"):
        env.book(at(2, 15), tutor_id=tutor_id)  # 16:00 Berlin
    assert env.book(at(2, 8), tutor_id=tutor_id).status == "PENDING_PAYMENT"  # 09:00 Berlin


def test_a_taken_time_is_a_conflict_including_buffers(env):
    open_all_week(env.db, env.tutor, buffer_before_min=15, buffer_after_min=15)
    env.book(at(2, 10))
    for start, duration in ((at(2, 10), 60), (at(2, 10, 30), 30), (at(2, 9), 60), (at(2, 11), 60), (at(2, 9, 30), 30)):
        with pytest.raises(SlotTaken) as taken:
            env.book(start, duration=duration, student=env.another_student())
        assert taken.value.status_code == 409
    assert env.book(at(2, 11, 30), duration=30).status == "PENDING_PAYMENT"  # 30 minutes later: clear
    blocked = env.db.exec(select(Booking).order_by(Booking.id)).first()  # padded by half the 15-minute buffer
    assert (blocked.block_start, blocked.block_end) == (at(2, 9, 52) + timedelta(seconds=30),
                                                        at(2, 11, 7) + timedelta(seconds=30))


def test_a_manual_block_makes_the_time_not_free(env):
    from tutorhub.services.scheduling import availability

    availability.add_busy(env.db, actor=env.tutor, start=at(2, 10), end=at(2, 11), now=NOW)
    env.db.commit()
    with pytest.raises(SlotTaken):
        env.book(at(2, 10))


def test_a_full_day_is_a_conflict(env):
    open_all_week(env.db, env.tutor, max_lessons_per_day=1)
    env.book(at(2, 10))
    with pytest.raises(SlotTaken, match="fully booked"):
        env.book(at(2, 15), student=env.another_student())


def test_only_students_book_approved_tutors(env, make_user, make_approved_tutor):
    with pytest.raises(NotAuthenticated):
        bookings.create_booking(env.db, actor=None, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60, now=NOW)
    for role in (Role.TUTOR, Role.ADMIN):
        with pytest.raises(Forbidden):
            bookings.create_booking(env.db, actor=make_user(role), tutor_id=env.tutor_id, start=at(2, 10),
                                    duration_min=60, now=NOW)
    for tutor_id in (999_999, "abc", -1, 10**30, None):
        with pytest.raises(NotFound):
            env.book(at(2, 10), tutor_id=tutor_id) if tutor_id is not None else bookings.create_booking(
                env.db, actor=env.student, tutor_id=None, start=at(2, 10), duration_min=60, now=NOW)


def test_a_suspended_tutor_is_not_bookable(env):
    from tutorhub.models import User

    user = env.db.get(User, env.tutor.id)
    user.is_suspended = True
    env.db.add(user)
    env.db.commit()
    with pytest.raises(NotFound):
        env.book(at(2, 10))


def test_subject_and_mode_are_checked_against_the_tutor(env):
    with pytest.raises(InvalidInput) as bad:
        bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60,
                                subject="physics", now=NOW)
    assert "subject" in bad.value.fields
    with pytest.raises(InvalidInput) as bad:
        bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60,
                                mode="home", now=NOW)
    assert "mode" in bad.value.fields


def test_confirm_with_instant_booking_confirms_and_notifies_both(env):
    held = env.book(at(2, 10))
    fund_wallet(env.db, env.student.id, held.price_minor, held.currency)
    out = lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=held.id, now=NOW + timedelta(minutes=5))
    env.db.commit()
    assert out.status == "CONFIRMED"
    row = env.db.get(Booking, held.id)
    assert row.payment_ref == f"wallet:{held.id}" and row.paid_at == NOW + timedelta(minutes=5)
    # Paid with money: the price left the wallet and sits in the lesson's escrow.
    assert ledger.balance(env.db, f"student:{env.student.id}:wallet", held.currency) == 0
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", held.currency) == held.price_minor
    recipients = {m.recipient for m in env.db.exec(select(OutboxMessage)).all()}
    assert recipients == {env.student.email, env.tutor.email}


def test_paying_twice_with_the_same_reference_is_a_no_op(env):
    held = env.book(at(2, 10))
    row = env.db.get(Booking, held.id)
    assert bookings.mark_paid(env.db, booking=row, payment_ref="pi_1", now=NOW) is True
    assert bookings.mark_paid(env.db, booking=row, payment_ref="pi_1", now=NOW) is False
    with pytest.raises(Conflict):
        bookings.mark_paid(env.db, booking=row, payment_ref="pi_2", now=NOW)


def test_an_expired_hold_cannot_be_confirmed_but_a_late_unreleased_one_can(env):
    held = env.book(at(2, 10))
    fund_wallet(env.db, env.student.id)
    late = NOW + timedelta(minutes=20)
    assert lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=held.id, now=late).status == "CONFIRMED"
    second = env.book(at(3, 10))
    from tutorhub.services.booking.timeouts import expire_holds

    assert expire_holds(env.db, now=late) == 1
    with pytest.raises(Conflict, match="expired"):
        lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=second.id, now=late)


def test_a_stale_hold_is_released_when_someone_else_books_the_time(env):
    env.book(at(2, 10))
    with pytest.raises(SlotTaken):
        env.book(at(2, 10), student=env.another_student(), now=NOW + timedelta(minutes=14))
    out = env.book(at(2, 10), student=env.another_student(), now=NOW + timedelta(minutes=15))
    assert out.status == "PENDING_PAYMENT"
    assert [b.status for b in env.db.exec(select(Booking).order_by(Booking.id)).all()] == ["EXPIRED", "PENDING_PAYMENT"]


def test_approval_mode_requests_then_the_tutor_accepts(env):
    open_all_week(env.db, env.tutor, instant_booking=False)
    held = env.book(at(2, 10))
    fund_wallet(env.db, env.student.id)
    requested = lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=held.id, now=NOW)
    assert requested.status == "REQUESTED" and requested.decision_due_at == NOW + timedelta(hours=24)
    tutor_view = booking_queries.get_booking(env.db, actor=env.tutor, booking_id=held.id, now=NOW)
    assert tutor_view.actions[:2] == ["accept", "decline"] and tutor_view.viewer_role == "tutor"
    with pytest.raises(Forbidden):
        bookings.accept_booking(env.db, actor=env.student, booking_id=held.id, now=NOW)
    accepted = bookings.accept_booking(env.db, actor=env.tutor, booking_id=held.id, now=NOW + timedelta(hours=1))
    assert accepted.status == "CONFIRMED"
    with pytest.raises(Conflict):
        bookings.accept_booking(env.db, actor=env.tutor, booking_id=held.id, now=NOW)


def test_a_declined_request_is_refunded_in_full_and_frees_the_slot(env):
    open_all_week(env.db, env.tutor, instant_booking=False)
    held = env.book(at(2, 10), confirm=True)
    out = bookings.decline_booking(env.db, actor=env.tutor, booking_id=held.id, reason="Away that day", now=NOW)
    assert (out.status, out.refund_percent, out.refund_minor, out.refund_status) == ("DECLINED", 100, 3000, "DUE")
    assert "2027-03-03T10:00:00+00:00" in slot_starts(env, 2)
    events = env.db.exec(select(BookingEvent).where(BookingEvent.booking_id == held.id)).all()
    assert events[-1].reason == "Away that day" and events[-1].actor_role == "tutor"


def test_strangers_get_not_found_and_admins_can_read(env, make_user):
    held = env.book(at(2, 10))
    stranger = env.another_student()
    other_tutor = make_user(Role.TUTOR)
    for who in (stranger, other_tutor):
        for call in (booking_queries.get_booking, lesson_payments.confirm_booking, bookings.accept_booking, bookings.decline_booking):
            with pytest.raises(NotFound):
                call(env.db, actor=who, booking_id=held.id, now=NOW)
    admin_view = booking_queries.get_booking(env.db, actor=make_user(Role.ADMIN), booking_id=held.id, now=NOW)
    assert admin_view.viewer_role == "admin" and admin_view.meeting_url is None and admin_view.actions == []
    with pytest.raises(NotFound):
        booking_queries.get_booking(env.db, actor=env.student, booking_id="1 OR 1=1", now=NOW)


def test_the_lesson_page_shows_history_and_a_private_meeting_link(env):
    held = env.book(at(2, 10), confirm=True)
    detail = booking_queries.get_booking(env.db, actor=env.student, booking_id=held.id, now=NOW)
    assert [e.action for e in detail.events] == ["hold", "pay"]
    assert detail.events[0].actor_name == env.student.full_name
    room = env.db.get(Booking, held.id).room_key
    assert detail.meeting_url == f"https://meet.jit.si/{room}" and len(room) >= 30
    assert booking_queries.get_booking(env.db, actor=env.tutor, booking_id=held.id, now=NOW).meeting_url == detail.meeting_url
    other = env.book(at(3, 10), student=env.another_student(), confirm=True)
    assert env.db.get(Booking, other.id).room_key != room


def test_the_meeting_link_uses_the_configured_base(env, monkeypatch):
    from tutorhub.settings import reset_settings

    monkeypatch.setenv("TUTORHUB_MEETING_BASE_URL", "https://video.example.org/rooms/")
    reset_settings()
    try:
        held = env.book(at(2, 10), confirm=True)
        url = booking_queries.get_booking(env.db, actor=env.student, booking_id=held.id, now=NOW).meeting_url
        assert url.startswith("https://video.example.org/rooms/tutorhub-")
    finally:
        monkeypatch.delenv("TUTORHUB_MEETING_BASE_URL")
        reset_settings()


def test_my_lessons_lists_only_the_callers_bookings_with_filters(env, make_user):
    a = env.book(at(2, 10), confirm=True)
    b = env.book(at(5, 10))
    other = env.book(at(3, 10), student=env.another_student())
    mine = booking_queries.list_bookings(env.db, actor=env.student, now=NOW)
    assert [i.id for i in mine.items] == [a.id, b.id] and mine.total == 2
    theirs = booking_queries.list_bookings(env.db, actor=env.tutor, role="tutor", now=NOW)
    assert [i.id for i in theirs.items] == [a.id, other.id, b.id]
    assert booking_queries.list_bookings(env.db, actor=env.student, status="CONFIRMED", now=NOW).total == 1
    assert booking_queries.list_bookings(env.db, actor=env.student, status="confirmed,pending_payment", now=NOW).total == 2
    window = booking_queries.list_bookings(env.db, actor=env.student, start=at(4, 0).isoformat(), end=at(6, 0), now=NOW)
    assert [i.id for i in window.items] == [b.id]
    later = at(3, 0)
    assert [i.id for i in booking_queries.list_bookings(env.db, actor=env.student, when="upcoming", now=later).items] == [b.id]
    assert [i.id for i in booking_queries.list_bookings(env.db, actor=env.student, when="past", now=later).items] == [a.id]
    page = booking_queries.list_bookings(env.db, actor=env.student, per_page=1, page=2, now=NOW)
    assert [i.id for i in page.items] == [b.id] and page.pages == 2
    with pytest.raises(Forbidden):
        booking_queries.list_bookings(env.db, actor=env.student, role="tutor", now=NOW)
    with pytest.raises(InvalidInput):
        booking_queries.list_bookings(env.db, actor=env.student, role="admin", now=NOW)
    for bad in ({"status": "PAID"}, {"when": "soon"}, {"start": "yesterday"}, {"page": 0}, {"per_page": 1000}):
        with pytest.raises(InvalidInput):
            booking_queries.list_bookings(env.db, actor=env.student, now=NOW, **bad)
    assert booking_queries.list_bookings(env.db, actor=make_user(Role.TUTOR), now=NOW).total == 0


def test_the_incremental_index_refresh_matches_a_full_recomputation(db, make_user, make_approved_tutor):
    """Booking changes splice only nearby days into the index; the result must equal a full refresh."""
    import random

    from tutorhub.services.booking import changes as booking_changes

    tutor, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    open_all_week(db, tutor, zone="Europe/Berlin", start="07:00", end="22:00", buffer_before_min=15,
                  buffer_after_min=30, max_lessons_per_day=3, lesson_lengths=[30, 45, 60, 90])
    students = [make_user(Role.STUDENT) for _ in range(12)]  # each may hold 3 unpaid lessons (hold_limits.py)
    rng = random.Random(4)
    held = []
    made = 0

    def snapshot():
        db.flush()
        db.expire_all()
        return sorted((r.duration_min, r.base_minute, r.starts, r.slot_count, r.first_start_at)
                      for r in db.exec(select(TutorFreeSlots).where(TutorFreeSlots.tutor_id == tutor_id)).all())

    for _ in range(40):
        if held and rng.random() < 0.25:
            booking_changes.cancel_booking(db, actor=held[-1][1], booking_id=held.pop()[0], now=NOW)
        else:
            start = at(rng.randint(1, 14), rng.randint(6, 20), rng.choice((0, 15, 30, 45)))
            who = rng.choice(students)
            try:
                out = bookings.create_booking(db, actor=who, tutor_id=tutor_id, start=start,
                                              duration_min=rng.choice((30, 45, 60, 90)), now=NOW)
                held.append((out.id, who))
                made += 1
            except (InvalidInput, Conflict):  # taken, or past the day's end: try another
                continue
        incremental = snapshot()
        free_index.refresh_tutor_free_slots(db, tutor_id, now=NOW)
        assert snapshot() == incremental
    assert made > 15
