"""The signed-in home (/home): one read that gathers what a tutor or a student opens the app for.

- A **tutor**: today's lessons (the tutor's own calendar day), the paid requests waiting for an
  answer, earnings totals per currency, and the latest conversations.
- A **student**: the next lessons, and the latest conversations (homework is added by the
  learning domain when it lands).

It sits above money (it shows earnings), so it is its own package at the top of the domain order;
it only calls the lower domains' read use cases, each of which authorizes the actor itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models import Role
from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.queries import list_bookings
from tutorhub.services.booking.views import BookingOut
from tutorhub.services.errors import Forbidden
from tutorhub.services.messaging.conversations import list_conversations, unread_total
from tutorhub.services.messaging.views import ConversationOut
from tutorhub.services.money.earnings import EarningsTotals, tutor_earnings

LESSONS_SHOWN = 5
REQUESTS_SHOWN = 5
CONVERSATIONS_SHOWN = 3
OPEN_STATUSES = "CONFIRMED,IN_PROGRESS,REQUESTED,PENDING_PAYMENT"


class RoleHome(BaseModel):
    role: str  # student | tutor
    first_name: str
    timezone: str
    lessons: list[BookingOut]  # tutor: today's; student: the next ones
    lessons_total: int
    requests: list[BookingOut]  # tutor only: waiting for an answer, soonest first
    requests_total: int
    earnings: list[EarningsTotals]  # tutor only
    conversations: list[ConversationOut]
    unread_messages: int


def _day_bounds(zone: str, now: datetime) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of `now`'s day in `zone`, as aware instants."""
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)  # DST days are 23 or 25 hours long
    return start, end


def role_home(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> RoleHome:
    """The home of a signed-in student or tutor (admins have their own pages)."""
    user = require_role(actor)
    if user.role not in (Role.STUDENT, Role.TUTOR):
        raise Forbidden("This home is for students and tutors.")
    now = now or utcnow()
    first_name = (user.full_name.split() or [""])[0]
    requests: list[BookingOut] = []
    requests_total = 0
    earnings: list[EarningsTotals] = []
    if user.role == Role.TUTOR:
        day_start, day_end = _day_bounds(user.timezone, now)
        lessons = list_bookings(
            session, actor=user, start=day_start.isoformat(), end=day_end.isoformat(),
            status="CONFIRMED,IN_PROGRESS,COMPLETED,NO_SHOW,DISPUTED,SETTLED", per_page=20, now=now,
        )
        waiting = list_bookings(session, actor=user, status="REQUESTED", when="upcoming",
                                per_page=REQUESTS_SHOWN, now=now)
        requests, requests_total = waiting.items, waiting.total
        earnings = tutor_earnings(session, actor=user, now=now).totals
    else:
        lessons = list_bookings(session, actor=user, when="upcoming", status=OPEN_STATUSES,
                                per_page=LESSONS_SHOWN, now=now)
    return RoleHome(
        role=user.role,
        first_name=first_name,
        timezone=user.timezone,
        lessons=lessons.items,
        lessons_total=lessons.total,
        requests=requests,
        requests_total=requests_total,
        earnings=earnings,
        conversations=list_conversations(session, actor=user, limit=CONVERSATIONS_SHOWN),
        unread_messages=unread_total(session, actor=user),
    )
