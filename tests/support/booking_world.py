"""Helpers for the booking state tests: a tutor open around the clock (UTC, no notice), students,
and times that the engine offers from the real clock (state handlers use the real clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col

from tests.state.conftest import fetch
from tests.support.booking import Env, open_all_week
from tutorhub.db import session_scope
from tutorhub.models import Role
from tutorhub.models.bookings import Booking, BookingEvent
from tutorhub.services.actor import UserOut


def day_ahead(days: int = 2, hour: int = 10) -> datetime:
    """A whole hour `days` from now (UTC), on every engine grid."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def soon(minutes_grid: int = 15) -> datetime:
    """The next quarter hour at least a minute away (bookable now; see `starting_now` to run it)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return now + timedelta(minutes=(-now.minute) % minutes_grid)


@dataclass
class World(Env):
    """booking_support's Env with the other people the state tests need."""

    other_student: UserOut
    other_tutor: UserOut
    admin: UserOut

    def book(self, start: datetime, *, confirm: bool = True, **kwargs):
        """Env.book on the real clock (state handlers use it), confirmed unless asked not to."""
        return super().book(start, confirm=confirm, now=datetime.now(UTC), **kwargs)


def make_world(db, make_user, make_approved_tutor, *, instant: bool = True) -> World:
    now = datetime.now(UTC)
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=now, min_notice_hours=0, instant_booking=instant, lesson_lengths=[45, 60])
    other_tutor, _ = make_approved_tutor(timezone="Asia/Kolkata")
    return World(
        db=db,
        tutor=tutor,
        tutor_id=tutor_id,
        student=make_user(Role.STUDENT, timezone="America/New_York", name="Sam Student"),
        make_user=make_user,
        make_approved_tutor=make_approved_tutor,
        other_student=make_user(Role.STUDENT, timezone="Europe/Paris", name="Olga Other"),
        other_tutor=other_tutor,
        admin=make_user(Role.ADMIN),
    )


def snapshot(booking_id: int) -> tuple:
    """Everything a stranger must not be able to change about a booking."""
    row = fetch(Booking, col(Booking.id) == booking_id)[0]
    events = len(fetch(BookingEvent, col(BookingEvent.booking_id) == booking_id))
    return (row.status, row.start_at, row.notes, row.reschedule_count, row.refund_status, events)


def starting_now(booking_id: int) -> datetime:
    """Move a booked lesson to start two minutes from now (the tutor may start it from 5 minutes
    before): the engine only offers quarter-hour starts, so a lesson booked `soon()` may be up to
    15 minutes away. Returns the new start."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    with session_scope() as session:
        row = session.get(Booking, booking_id)
        assert row is not None
        shift = start - row.start_at  # the buffered block moves with the lesson
        row.start_at, row.end_at = start, row.end_at + shift
        row.block_start, row.block_end = row.block_start + shift, row.block_end + shift
        session.add(row)
    return start
