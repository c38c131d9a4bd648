"""The hold limits and the chat flood limit under concurrency (CI runs these on PostgreSQL; the
default run on SQLite): the counts are taken under a per-student / per-sender lock, so requests
released together never slip past them (check-then-insert would let all of them through)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, func, select

from tests.support.booking import NOW, at, open_all_week
from tests.support.chat import make_pair
from tests.support.races import race
from tutorhub.models import Booking, BookingStatus, ChatMessage, Role
from tutorhub.models.bookings import HoldAttempt
from tutorhub.services.booking import bookings, hold_limits
from tutorhub.services.messaging import messages as chat_messages

THREADS = 8


def _tutor(db, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor)
    return tutor_id


def test_eight_parallel_holds_of_one_student_on_different_slots_only_three_win(db, make_user, make_approved_tutor):
    tutor_id = _tutor(db, make_approved_tutor)
    student = make_user(Role.STUDENT)
    results = race(THREADS, lambda s, i: bookings.create_booking(
        s, actor=student, tutor_id=tutor_id, start=at(2 + i, 10), duration_min=60, now=NOW).id)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes.count("ok") == hold_limits.MAX_UNPAID_HOLDS == 3, results
    assert outcomes.count("TooManyHolds") == THREADS - 3, results
    db.rollback()
    held = db.exec(select(func.count()).select_from(Booking).where(
        col(Booking.student_id) == student.id, col(Booking.status) == BookingStatus.PENDING_PAYMENT)).one()
    assert held == 3
    attempts = db.exec(select(func.count()).select_from(HoldAttempt)).one()
    assert attempts == THREADS  # the refused ones were counted too


def test_parallel_attempts_never_pass_the_hourly_limit(db, make_user, make_approved_tutor):
    tutor_id = _tutor(db, make_approved_tutor)
    student = make_user(Role.STUDENT)
    n = hold_limits.MAX_ATTEMPTS_PER_HOUR + 5
    # Each attempt is refused on its own (the slot is in the past): only the attempt budget is contested.
    results = race(n, lambda s, i: bookings.create_booking(
        s, actor=student, tutor_id=tutor_id, start=NOW - timedelta(days=1 + i), duration_min=60, now=NOW))
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes.count("HoldRateLimited") == 5 and outcomes.count("InvalidInput") == 20, outcomes
    db.rollback()
    assert db.exec(select(func.count()).select_from(HoldAttempt)).one() == hold_limits.MAX_ATTEMPTS_PER_HOUR


def test_a_parallel_burst_across_two_conversations_stops_at_the_per_sender_limit(db, make_user):
    first = make_pair(db, make_user)
    second = make_pair(db, make_user, student=first.student, tutor=make_user(Role.TUTOR))
    n = chat_messages.FLOOD_MESSAGES + 10
    results = race(n, lambda s, i: chat_messages.send_message(
        s, actor=first.student, conversation_id=(first, second)[i % 2].conversation_id, body=f"burst {i}").id)
    kinds = sorted(kind for kind, _ in results)
    assert kinds.count("ok") == chat_messages.FLOOD_MESSAGES and kinds.count("RateLimited") == 10, kinds
    db.rollback()
    assert db.exec(select(func.count()).select_from(ChatMessage)).one() == chat_messages.FLOOD_MESSAGES
