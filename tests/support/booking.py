"""Shared helpers for the booking tests: a tutor open all week, a student, and quick bookings.

Service tests pass a fixed `now` (Monday 2027-03-01 08:00 UTC) so nothing depends on the wall
clock; API tests use the real clock and pick times relative to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tutorhub.models import Role
from tutorhub.services.actor import UserOut
from tutorhub.services.booking import bookings
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.scheduling import availability

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday


def open_all_week(db, tutor: UserOut, *, now: datetime = NOW, zone: str = "UTC", start: str = "00:00",
                  end: str = "24:00", **settings) -> None:
    """Weekly hours every day in `zone`; settings default to 30/60/90-minute lessons, 12 h notice,
    60-day window, instant booking."""
    doc_settings = {"lesson_lengths": [30, 60, 90], "min_notice_hours": 12, "booking_window_days": 60,
                    "instant_booking": True, "max_lessons_per_day": 48}
    doc_settings.update(settings)
    availability.save_availability(
        db,
        actor=tutor,
        now=now,
        data={
            "timezone": zone,
            "weekly": [{"weekday": d, "start": start, "end": end} for d in range(7)],
            "settings": doc_settings,
        },
    )
    db.commit()


def book(db, student: UserOut, tutor_id: int, start: datetime, *, duration: int = 60, kind: str = "single",
         now: datetime | None = NOW, confirm: bool = False):
    """Hold (and optionally confirm) a lesson through the services, then commit; `now=None` uses
    the real clock (state tests, whose handlers do)."""
    out = bookings.create_booking(db, actor=student, tutor_id=tutor_id, start=start, duration_min=duration, kind=kind,
                                  now=now)
    if confirm:  # confirming pays from the wallet (Money): fund it with exactly the price first
        from tests.support.money import fund_wallet

        if out.price_minor:
            fund_wallet(db, student.id, out.price_minor, out.currency)
        out = lesson_payments.confirm_booking(db, actor=student, booking_id=out.id, now=now)
    db.commit()
    return out


@dataclass
class Env:
    db: object
    tutor: UserOut
    tutor_id: int
    student: UserOut
    make_user: object
    make_approved_tutor: object

    def book(self, start: datetime, *, duration: int = 60, kind: str = "single", student: UserOut | None = None,
             now: datetime = NOW, confirm: bool = False, tutor_id: int | None = None):
        return book(self.db, student or self.student, tutor_id or self.tutor_id, start, duration=duration, kind=kind,
                    now=now, confirm=confirm)

    def another_student(self, **kwargs) -> UserOut:
        return self.make_user(Role.STUDENT, **kwargs)


@pytest.fixture
def env(db, make_user, make_approved_tutor) -> Env:
    """An approved UTC tutor (€30/h) open every day 00:00–24:00, and a student in New York."""
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor)
    student = make_user(Role.STUDENT, timezone="America/New_York")
    return Env(db, tutor, tutor_id, student, make_user, make_approved_tutor)


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """NOW's date + `days`, at hour:minute UTC."""
    return (NOW + timedelta(days=days)).replace(hour=hour, minute=minute)
