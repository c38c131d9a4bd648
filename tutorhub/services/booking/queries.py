"""Reading bookings: the lesson page (`get_booking`) and "My lessons" (`list_bookings`).

Both are for the parties (and admins, for the lesson page) only; strangers get "not found".
Times come back as aware UTC plus each party's zone and local rendering (views.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.access import load_for_view
from tutorhub.services.booking.views import BookingDetail, BookingPage, booking_detail, bookings_out
from tutorhub.services.errors import Forbidden, InvalidInput
from tutorhub.services.paging import page_count
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.services.validation import clean_int, fail, fail_fields

MAX_PER_PAGE = 100


def get_booking(
    session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None
) -> BookingDetail:
    """The lesson page: booking, status history, notes, meeting link, review (parties and admins)."""
    booking, party = load_for_view(session, actor, booking_id)
    return booking_detail(
        session, booking, viewer_id=party.user.id, viewer_is_admin=party.user.role == Role.ADMIN, now=now or utcnow()
    )


def _statuses(value: Any) -> list[str] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    out = []
    for item in items:
        name = str(item).strip().upper()
        if name not in BookingStatus.ALL:
            raise fail("status", f"must be one or more of {', '.join(BookingStatus.ALL)}")
        out.append(name)
    return out


def list_bookings(
    session: Session,
    *,
    actor: UserOut | None,
    role: Any = None,
    status: Any = None,
    start: Any = None,
    end: Any = None,
    when: Any = None,
    page: Any = 1,
    per_page: Any = 20,
    now: datetime | None = None,
) -> BookingPage:
    """"My lessons": the caller's bookings as student or as tutor (default: their own role).

    `status` filters by one or more statuses (list or comma-separated text); `start`/`end`
    (ISO 8601 with offset) bound the lesson start; `when` = "upcoming" (still open, not yet
    over, soonest first) or "past" (everything else, latest first).
    """
    user = require_role(actor)
    now = now or utcnow()
    as_role = user.role if role is None or role == "" else role
    if as_role not in (ActorRole.STUDENT, ActorRole.TUTOR):
        raise fail("role", "must be student or tutor")
    if as_role != user.role:
        raise Forbidden(f"You are not a {as_role}.")
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, value, parser in (
        ("status", status, _statuses),
        ("from", start, lambda v: None if v in (None, "") else parse_instant(v, "from")),
        ("to", end, lambda v: None if v in (None, "") else parse_instant(v, "to")),
        ("page", page, lambda v: clean_int(1 if v in (None, "") else v, "page", minimum=1, maximum=100_000)),
        ("per_page", per_page, lambda v: clean_int(20 if v in (None, "") else v, "per_page", minimum=1,
                                                    maximum=MAX_PER_PAGE)),
    ):
        try:
            parsed[key] = parser(value)
        except InvalidInput as exc:
            errors.update(exc.fields or {key: exc.message})
    if when not in (None, "", "upcoming", "past"):
        errors["when"] = "must be upcoming or past"
    if errors:
        raise fail_fields(errors)
    conditions: list[Any] = []
    if as_role == ActorRole.STUDENT:
        conditions.append(col(Booking.student_id) == user.id)
    else:
        tutor_id = session.exec(select(col(TutorProfile.id)).where(col(TutorProfile.user_id) == user.id)).first()
        conditions.append(col(Booking.tutor_id) == (tutor_id or -1))
    if parsed["status"]:
        conditions.append(col(Booking.status).in_(parsed["status"]))
    if parsed["from"] is not None:
        conditions.append(col(Booking.start_at) >= parsed["from"])
    if parsed["to"] is not None:
        conditions.append(col(Booking.start_at) < parsed["to"])
    upcoming = (col(Booking.status).in_(BookingStatus.OPEN)) & (col(Booking.end_at) > now)
    if when == "upcoming":
        conditions.append(upcoming)
    elif when == "past":
        conditions.append(~upcoming)
    order = (col(Booking.start_at).desc(), col(Booking.id).desc()) if when == "past" else (
        col(Booking.start_at), col(Booking.id))
    return page_of(
        session, conditions, order, page=parsed["page"], size=parsed["per_page"],
        viewer_id=user.id, viewer_is_admin=False, now=now,
    )


def page_of(
    session: Session, conditions: list[Any], order: tuple[Any, ...], *, page: int, size: int,
    viewer_id: int, viewer_is_admin: bool, now: datetime,
) -> BookingPage:
    """One page of the bookings matching `conditions` (already validated) plus the total, so
    "My lessons" and the admin list count and slice the same way."""
    total = int(session.exec(select(func.count()).select_from(Booking).where(*conditions)).one())
    rows = session.exec(select(Booking).where(*conditions).order_by(*order).offset((page - 1) * size).limit(size)).all()
    return BookingPage(
        items=bookings_out(session, rows, viewer_id=viewer_id, viewer_is_admin=viewer_is_admin, now=now),
        total=total,
        page=page,
        per_page=size,
        pages=page_count(total, size),
    )
