"""Reliability strikes and tutor flags.

A strike is recorded for every tutor-side cancellation and every tutor no-show (one per booking
and kind, enforced by a unique constraint). Strikes feed the trust score (stats.py). When
a tutor reaches `flag_cancellations` (3) tutor-side cancellations within `flag_window_days`
(30), an open flag is raised for admins — at most one open flag per tutor; an admin resolves it
with notes (a later burst of cancellations raises a new one).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, ReliabilityStrike, StrikeKind, TutorFlag
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.tutors.stats import refresh_tutor_stats
from tutorhub.services.validation import clean_id, clean_text
from tutorhub.settings import get_settings

FLAG_CANCELLATIONS = "cancellations"


class FlagOut(BaseModel):
    id: int
    tutor_id: int
    tutor_name: str
    tutor_email: str | None
    reason: str
    detail: str
    cancellations_in_window: int
    created_at: datetime
    resolved_at: datetime | None
    resolution_notes: str


def add_strike(session: Session, booking: Booking, kind: str, *, now: datetime) -> None:
    """Record a strike against the booking's tutor, raise a flag if the rule trips, and refresh
    the tutor's trust score (the caller holds the tutor lock)."""
    assert booking.id is not None
    _add(session, booking.tutor_id, kind, start_at=booking.start_at, now=now, booking_id=booking.id)


def add_class_strike(session: Session, *, tutor_id: int, class_session_id: int, start_at: datetime,
                     now: datetime) -> None:
    """A group class (or one of its sessions) the tutor called off with students enrolled: one strike,
    named by the first session it took away, counted and flagged exactly like a lesson's."""
    _add(session, tutor_id, StrikeKind.TUTOR_CANCEL, start_at=start_at, now=now, class_session_id=class_session_id)


def _add(session: Session, tutor_id: int, kind: str, *, start_at: datetime, now: datetime,
         booking_id: int | None = None, class_session_id: int | None = None) -> None:
    which = (col(ReliabilityStrike.booking_id) == booking_id if booking_id is not None
             else col(ReliabilityStrike.class_session_id) == class_session_id)
    exists = session.exec(select(col(ReliabilityStrike.id)).where(which, col(ReliabilityStrike.kind) == kind)).first()
    if exists is None:
        notice = max(0, int((start_at - now).total_seconds() // 3600))
        session.add(
            ReliabilityStrike(tutor_id=tutor_id, booking_id=booking_id, class_session_id=class_session_id, kind=kind,
                              notice_hours=notice, created_at=now)
        )
        session.flush()
    if kind == StrikeKind.TUTOR_CANCEL:
        _maybe_flag(session, tutor_id, now)
    refresh_tutor_stats(session, tutor_id, now=now)


def recent_cancellations(session: Session, tutor_id: int, now: datetime) -> int:
    return _recent_cancellations_by_tutor(session, [tutor_id], now).get(tutor_id, 0)


def _recent_cancellations_by_tutor(session: Session, tutor_ids: list[int], now: datetime) -> dict[int, int]:
    """Tutor-side cancellations inside the flag window, per tutor — one grouped query however
    many tutors the admin list shows."""
    if not tutor_ids:
        return {}
    since = now - timedelta(days=get_settings().flag_window_days)
    rows = session.exec(
        select(col(ReliabilityStrike.tutor_id), func.count())
        .where(
            col(ReliabilityStrike.tutor_id).in_(set(tutor_ids)),
            col(ReliabilityStrike.kind) == StrikeKind.TUTOR_CANCEL,
            col(ReliabilityStrike.created_at) > since,
        )
        .group_by(col(ReliabilityStrike.tutor_id))
    ).all()
    return {tutor_id: int(count) for tutor_id, count in rows}


def _maybe_flag(session: Session, tutor_id: int, now: datetime) -> None:
    settings = get_settings()
    count = recent_cancellations(session, tutor_id, now)
    if count < settings.flag_cancellations:
        return
    open_flag = session.exec(
        select(col(TutorFlag.id)).where(
            col(TutorFlag.tutor_id) == tutor_id,
            col(TutorFlag.reason) == FLAG_CANCELLATIONS,
            col(TutorFlag.resolved_at).is_(None),
        )
    ).first()
    if open_flag is None:
        session.add(
            TutorFlag(
                tutor_id=tutor_id,
                reason=FLAG_CANCELLATIONS,
                detail=f"{count} tutor-side cancellations in {settings.flag_window_days} days",
                created_at=now,
            )
        )
        session.flush()


def list_flagged_tutors(
    session: Session, *, actor: UserOut | None, include_resolved: bool = False, now: datetime | None = None
) -> list[FlagOut]:
    """Flags for the admin console, newest first (open ones only unless asked)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    query = (
        select(TutorFlag, TutorProfile, User)
        .join(TutorProfile, col(TutorProfile.id) == col(TutorFlag.tutor_id))
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .order_by(col(TutorFlag.created_at).desc(), col(TutorFlag.id).desc())
        .limit(500)
    )
    if not include_resolved:
        query = query.where(col(TutorFlag.resolved_at).is_(None))
    rows = session.exec(query).all()
    counts = _recent_cancellations_by_tutor(session, [flag.tutor_id for flag, _profile, _user in rows], now)
    return [
        FlagOut(
            id=flag.id or 0,
            tutor_id=flag.tutor_id,
            tutor_name=user.full_name,
            tutor_email=user.email,
            reason=flag.reason,
            detail=flag.detail,
            cancellations_in_window=counts.get(flag.tutor_id, 0),
            created_at=flag.created_at,
            resolved_at=flag.resolved_at,
            resolution_notes=flag.resolution_notes,
        )
        for flag, _profile, user in rows
    ]


def resolve_flag(
    session: Session, *, actor: UserOut | None, flag_id: Any, notes: Any = "", now: datetime | None = None
) -> None:
    """An admin closes a flag after looking into it."""
    admin = require_role(actor, Role.ADMIN)
    fid = clean_id(flag_id, "Flag not found.")
    text = clean_text(notes, "notes", max_len=2000, multiline=True)
    flag = session.exec(select(TutorFlag).where(col(TutorFlag.id) == fid).with_for_update()).first()
    if flag is None:
        raise NotFound("Flag not found.")
    if flag.resolved_at is not None:
        raise Conflict("This flag is already resolved.")
    flag.resolved_at = now or utcnow()
    flag.resolved_by = admin.id
    flag.resolution_notes = text
    session.add(flag)
    record_admin_action(session, actor_id=admin.id, action="tutor_flag.resolve", target_kind="tutor_flag",
                        target_id=flag.id, before={"resolved": False},
                        after={"resolved": True, "tutor_id": flag.tutor_id}, reason=text, now=flag.resolved_at)
    session.flush()
