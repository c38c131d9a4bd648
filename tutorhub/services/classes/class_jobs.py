"""The classes' periodic work, each step idempotent and safe to run late:

- `cancel_undersized`: a published class whose first session starts within `MIN_SIZE_NOTICE` (24 h)
  and has fewer enrolled students than its minimum is cancelled by the system; every seat is refunded
  in full the way it was paid (wallet, credit minutes, or card) and the waitlist is released.
- `advance_classes`: sessions whose time has passed are COMPLETED (their time stays blocked, as a taught
  lesson's does); a class moves PUBLISHED → IN_PROGRESS when its first session begins and → COMPLETED
  when its last one has ended.
- seat offers that ran out pass to the next in line (seats.expire_offers).
- completed sessions settle 48 h after they ended: each seat's share goes to the tutor (settlement.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.classes import ClassSession, ClassStatus, GroupClass, SeatStatus, SessionStatus
from tutorhub.services.classes.access import load_class
from tutorhub.services.classes.classes import call_off
from tutorhub.services.classes.lifecycle import SYSTEM, transition
from tutorhub.services.classes.seats import expire_offers, fill_free_seats, seat_counts
from tutorhub.services.classes.settlement import release_sessions

MIN_SIZE_NOTICE = timedelta(hours=24)


def cancel_undersized(session: Session, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    due = session.exec(select(GroupClass.id).where(
        col(GroupClass.status) == ClassStatus.PUBLISHED, col(GroupClass.first_start_at) <= now + MIN_SIZE_NOTICE,
        col(GroupClass.first_start_at) > now)).all()
    cancelled = 0
    for class_id in due:
        cls = load_class(session, class_id, lock=True)
        if cls.status != ClassStatus.PUBLISHED:
            continue
        enrolled = seat_counts(session, class_id or 0).get(SeatStatus.ENROLLED, 0)
        if enrolled >= cls.min_size:
            continue
        call_off(session, cls, actor=SYSTEM, now=now, full_refund=True,
                 reason=f"Fewer than {cls.min_size} students enrolled 24 hours before the first session.")
        cancelled += 1
    return cancelled


def advance_classes(session: Session, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    session.execute(update(ClassSession).where(
        col(ClassSession.status) == SessionStatus.SCHEDULED, col(ClassSession.end_at) <= now,
        col(ClassSession.blocking)).values(status=SessionStatus.COMPLETED).execution_options(synchronize_session=False))
    moved = 0
    for cls in session.exec(select(GroupClass).where(col(GroupClass.status).in_(ClassStatus.OPEN),
                                                     col(GroupClass.first_start_at) <= now).with_for_update()).all():
        if cls.status == ClassStatus.PUBLISHED:
            transition(session, cls, ClassStatus.IN_PROGRESS, action="start", actor=SYSTEM, now=now)
            moved += 1
        if cls.last_end_at <= now:
            transition(session, cls, ClassStatus.COMPLETED, action="complete", actor=SYSTEM, now=now)
            moved += 1
    return moved


def run_class_jobs(session: Session, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    return (cancel_undersized(session, now=now) + expire_offers(session, now=now) + fill_free_seats(session, now=now)
            + advance_classes(session, now=now)
            + release_sessions(session, now=now))
