"""Join and leave times per participant: the evidence behind attendance and no-show disputes.

The room page reports "joined" once Janus accepted it into the room and "left" when it hangs up or
the tab goes away (a beacon), authenticated by the participant's own join token (tokens.py) — so
nobody can record presence for somebody else. A stay is one `room_presence` row; a repeated
"joined" while a stay is open changes nothing (reconnects do not split the evidence). The sweep
(`sweep_presence`, a job) closes stays whose participant is no longer in Janus' participant list,
for tabs that died without a beacon. A student's first join to a class session marks them present
(late after LATE_AFTER) unless the tutor already marked them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.janus import JanusRooms, SfuError, SfuUnavailable
from tutorhub.models.accounts import Role, User
from tutorhub.models.bookings import Booking
from tutorhub.models.classes import AttendanceStatus, ClassAttendance, ClassSession
from tutorhub.models.rooms import RoomKind, RoomPresence
from tutorhub.models.tutors import TutorProfile
from tutorhub.room_settings import get_room_settings
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotAuthenticated
from tutorhub.services.rooms.sfu import get_rooms_adapter
from tutorhub.services.rooms.targets import RoomTarget, booking_target, target_for_claim
from tutorhub.services.rooms.tokens import read_token
from tutorhub.services.validation import fail

EVENTS = ("joined", "left")
LATE_AFTER = timedelta(minutes=5)


class StayOut(BaseModel):
    joined_at: datetime
    left_at: datetime | None


class AttendeeOut(BaseModel):
    user_id: int
    name: str
    role: str  # student | tutor
    stays: list[StayOut]


def _open_stay(session: Session, target: RoomTarget) -> RoomPresence | None:
    return session.exec(select(RoomPresence).where(
        col(RoomPresence.kind) == target.kind, col(RoomPresence.ref_id) == target.ref_id,
        col(RoomPresence.user_id) == target.user_id, col(RoomPresence.left_at).is_(None))).first()


def _mark_class_attendance(session: Session, target: RoomTarget, now: datetime) -> None:
    row = session.get(ClassSession, target.ref_id)
    if row is None or target.parties.get(target.user_id) != "student":
        return
    exists = session.exec(select(ClassAttendance.id).where(col(ClassAttendance.session_id) == target.ref_id,
                                                           col(ClassAttendance.student_id) == target.user_id)).first()
    if exists is not None:
        return  # the tutor's mark (or an earlier join) stands
    status = AttendanceStatus.LATE if now > row.start_at + LATE_AFTER else AttendanceStatus.PRESENT
    session.add(ClassAttendance(session_id=target.ref_id, student_id=target.user_id, status=status,
                                marked_by=target.user_id, marked_at=now))


def report_presence(session: Session, *, token: Any, event: Any, now: datetime) -> dict[str, Any]:
    """Record that the token's holder joined or left its room (401 for a bad or expired token)."""
    if event not in EVENTS:
        raise fail("event", "must be joined or left")
    claim = read_token(get_room_settings().signing_key, token, now=now)
    target = target_for_claim(session, claim.kind, claim.ref_id, claim.user_id) if claim else None
    if target is None:
        raise NotAuthenticated("This room token is not valid.")
    stay = _open_stay(session, target)
    if event == "joined" and stay is None:
        session.add(RoomPresence(kind=target.kind, ref_id=target.ref_id, user_id=target.user_id, joined_at=now))
        if target.kind == RoomKind.CLASS_SESSION:
            _mark_class_attendance(session, target, now)
    elif event == "left" and stay is not None:
        stay.left_at, stay.left_how = now, "page"
        session.add(stay)
    session.flush()
    return {"event": event, "at": now.isoformat()}


def booking_attendance(session: Session, *, actor: UserOut | None, booking_id: Any) -> list[AttendeeOut]:
    """Both parties' stays in the lesson's room (parties and admins; 404 for anyone else)."""
    target = booking_target(session, actor, booking_id, admins=True)
    from_booking = target.parties
    rows = session.exec(select(RoomPresence).where(col(RoomPresence.kind) == RoomKind.BOOKING,
                                                   col(RoomPresence.ref_id) == target.ref_id)
                        .order_by(col(RoomPresence.joined_at))).all()
    names = {u.id: u.full_name for u in session.exec(select(User).where(col(User.id).in_(list(from_booking)))).all()}
    return [
        AttendeeOut(user_id=uid, name=names.get(uid, ""), role=role,
                    stays=[StayOut(joined_at=r.joined_at, left_at=r.left_at) for r in rows if r.user_id == uid])
        for uid, role in from_booking.items()
    ]


def _user_of(display: str) -> int | None:
    head = display.split(":", 1)[0]
    return int(head[1:]) if head.startswith("u") and head[1:].isdigit() else None


def sweep_presence(session: Session, *, sfu: JanusRooms, now: datetime) -> int:
    """Close open stays whose participant Janus no longer lists; returns how many were closed."""
    open_rows = session.exec(select(RoomPresence).where(col(RoomPresence.left_at).is_(None))).all()
    closed = 0
    rooms: dict[tuple[str, int], set[int] | None] = {}
    for row in open_rows:
        key = (row.kind, row.ref_id)
        if key not in rooms:
            target = target_for_claim(session, row.kind, row.ref_id, row.user_id)
            try:
                rooms[key] = {u for p in sfu.participants(target.room) if (u := _user_of(p.display))} if target else set()
            except (SfuUnavailable, SfuError):
                rooms[key] = None  # Janus down: we cannot tell, keep the stay open
        present = rooms[key]
        if present is not None and row.user_id not in present:
            row.left_at, row.left_how = now, "sweep"
            session.add(row)
            closed += 1
    session.flush()
    return closed


def sweep_open_stays(*, now: datetime) -> int:
    """The presence job: sweep against the configured SFU (nothing to do without one)."""
    sfu = get_rooms_adapter()
    if sfu is None:
        return 0
    try:
        with session_scope() as session:
            return sweep_presence(session, sfu=sfu, now=now)
    finally:
        sfu.close()


def _stay_text(rows: list[RoomPresence], zone: str) -> str:
    def clock(moment: datetime) -> str:
        return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")

    parts = [f"joined {clock(r.joined_at)}" + (f", left {clock(r.left_at)}" if r.left_at else "") for r in rows]
    return "; ".join(parts)


def room_evidence(session: Session, *, actor: UserOut | None, booking_ids: list[int], zone: str) -> dict[int, str]:
    """For the admins' dispute screen: per lesson, who was in its video room and when, in words
    ("the tutor joined 17:02, left 17:40 · the student never joined"). Admins only."""
    require_role(actor, Role.ADMIN)
    ids = [i for i in booking_ids if isinstance(i, int)][:200]
    if not ids:
        return {}
    stays = session.exec(select(RoomPresence).where(col(RoomPresence.kind) == RoomKind.BOOKING,
                                                    col(RoomPresence.ref_id).in_(ids))
                         .order_by(col(RoomPresence.joined_at))).all()
    tutors = dict(session.exec(select(Booking.id, TutorProfile.user_id)
                               .join(TutorProfile, col(TutorProfile.id) == col(Booking.tutor_id))
                               .where(col(Booking.id).in_(ids))).all())
    students = dict(session.exec(select(Booking.id, Booking.student_id).where(col(Booking.id).in_(ids))).all())
    out = {}
    for bid in ids:
        words = []
        for role, who in (("tutor", tutors.get(bid)), ("student", students.get(bid))):
            mine = [s for s in stays if s.ref_id == bid and s.user_id == who]
            words.append(f"the {role} " + (_stay_text(mine, zone) if mine else "never joined"))
        out[bid] = " · ".join(words)
    return out
