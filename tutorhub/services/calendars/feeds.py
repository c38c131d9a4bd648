"""Each user's private iCalendar feed URL: `{public URL}/api/v1/calendar/{token}.ics`.

Why this shape:
- The token is the only credential of a calendar app, so it is long (HMAC-SHA-256, 43 URL-safe
  characters) and stored only as its SHA-256 (`calendar_feeds.token_hash`): the token is the HMAC
  of (user id, a random nonce) under the install's secret key, so the account page can show the URL
  again, while a copy of the database alone cannot rebuild it. If the secret key changes, every
  feed URL changes with it (the stored hash is refreshed the next time the owner looks).
- Regenerating draws a new nonce; the old token no longer matches any hash, so its URL answers
  404 like any unknown one (no "revoked" page that would confirm the token once existed).
- The feed is assembled from sources, one function per kind of thing the user attends
  (`FEED_SOURCES`); each returns VEVENTs with stable UIDs. Lessons come from
  services/booking/ical.py, class sessions from services/classes/class_ical.py.
- A guardian's feed also carries each actively linked child's lessons and class sessions, titled
  with the child's first name (the same UIDs as in the child's own feed: one event, two calendars).
  An ended link takes the child's events out at the next refresh.
- Lessons from the last `PAST_DAYS` on are included (recent history stays visible), at most
  `MAX_EVENTS` per source.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import icalendar
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.calendars import CalendarFeed
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.ical import calendar_document, lesson_feed_events
from tutorhub.services.classes.class_ical import class_session_feed_events
from tutorhub.services.errors import NotFound
from tutorhub.services.learning.access import linked_student_ids, student_name
from tutorhub.settings import get_settings

PAST_DAYS = 90
MAX_EVENTS = 2000
FEED_PATH = "/api/v1/calendar/{token}.ics"

FeedSource = Callable[..., list[icalendar.Event]]
FEED_SOURCES: tuple[FeedSource, ...] = (lesson_feed_events, class_session_feed_events)


class FeedUrlOut(BaseModel):
    feed_url: str


def _token(user_id: int, nonce: str) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"calendar-feed:{user_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _url(token: str) -> str:
    return get_settings().public_url + FEED_PATH.format(token=token)


def _feed_row(session: Session, user_id: int, now: datetime) -> CalendarFeed:
    row = session.exec(select(CalendarFeed).where(col(CalendarFeed.user_id) == user_id)).first()
    if row is not None:
        return row
    nonce = secrets.token_urlsafe(24)
    row = CalendarFeed(user_id=user_id, nonce=nonce, token_hash=_hash(_token(user_id, nonce)), created_at=now)
    try:
        with session.begin_nested():  # two first visits at once: the other one's row wins
            session.add(row)
    except IntegrityError:
        found = session.exec(select(CalendarFeed).where(col(CalendarFeed.user_id) == user_id)).first()
        if found is None:
            raise
        return found
    return row


def get_feed_url(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> FeedUrlOut:
    """The signed-in user's feed URL (created on first use)."""
    user = require_role(actor)
    row = _feed_row(session, user.id, now or utcnow())
    token = _token(user.id, row.nonce)
    if row.token_hash != _hash(token):  # the secret key changed: the old URL is dead anyway
        row.token_hash = _hash(token)
        session.add(row)
    return FeedUrlOut(feed_url=_url(token))


def regenerate_feed_url(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> FeedUrlOut:
    """A new feed URL; the old one answers 404 from now on."""
    user = require_role(actor)
    row = _feed_row(session, user.id, now or utcnow())
    row.nonce = secrets.token_urlsafe(24)
    token = _token(user.id, row.nonce)
    row.token_hash = _hash(token)
    row.created_at = now or utcnow()
    session.add(row)
    session.flush()
    return FeedUrlOut(feed_url=_url(token))


def render_feed(session: Session, *, token: Any, now: datetime | None = None) -> bytes:
    """The iCalendar document behind a feed token; NotFound for any token that is not current."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("No such calendar.")
    row = session.exec(select(CalendarFeed).where(col(CalendarFeed.token_hash) == _hash(token))).first()
    if row is None or not hmac.compare_digest(_token(row.user_id, row.nonce), token):
        raise NotFound("No such calendar.")
    user = session.get(User, row.user_id)
    if user is None or user.is_suspended:
        raise NotFound("No such calendar.")
    since = (now or utcnow()) - timedelta(days=PAST_DAYS)
    events: list[icalendar.Event] = []
    for source in FEED_SOURCES:
        events.extend(source(session, user_id=row.user_id, since=since, limit=MAX_EVENTS))
    if user.role == Role.GUARDIAN:
        events.extend(_children_events(session, row.user_id, since))
    return calendar_document(events, name="TutorHub lessons")


def _children_events(session: Session, guardian_id: int, since: datetime) -> list[icalendar.Event]:
    out: list[icalendar.Event] = []
    for child_id in linked_student_ids(session, guardian_id):
        first = (student_name(session, child_id) or "Your child").split()[0]
        for source in FEED_SOURCES:
            for event in source(session, user_id=child_id, since=since, limit=MAX_EVENTS):
                event["summary"] = icalendar.vText(f"{first}: {event.get('summary', '')}")
                out.append(event)
    return out
