"""Calendar sync: the caller's private feed URL, the feed itself, and a tutor's imported busy calendars.

The feed (`GET /api/v1/calendar/{token}.ics`) is read by calendar apps, which carry no login:
the token in the path is the credential, and any token that is not current (never issued,
regenerated, or of a suspended account) is the same 404.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from pydantic import Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import ErrorOut, StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.services.calendars import feeds
from tutorhub.services.calendars.feeds import FeedUrlOut
from tutorhub.services.scheduling import calendar_imports
from tutorhub.services.scheduling.calendar_imports import ExternalCalendarOut

router = APIRouter(prefix="/api/v1", tags=["calendars"])

_ME = error_responses(401)
_OWN = error_responses(401, 403, e403="Not a tutor")
_ONE = error_responses(401, 403, 404, e403="Not a tutor", e404="No such calendar (or not yours)")
_ADD = error_responses(401, 403, 409, 422, e403="Not a tutor",
                       e409="This calendar is already added, or the tutor has the maximum number of calendars")


class CalendarIn(StrictIn):
    url: str = Field(
        max_length=calendar_imports.MAX_URL,
        pattern=calendar_imports.URL_PATTERN,
        description="An iCalendar URL: https:// (or webcal://, read as https://); http:// only in development",
    )


@router.get("/me/calendar", response_model=FeedUrlOut, responses=_ME)
def get_feed_url(user: CurrentUser) -> FeedUrlOut:
    """The caller's private iCalendar feed URL (subscribe to it in any calendar app)."""
    with session_scope() as session:
        return feeds.get_feed_url(session, actor=user)


@router.post("/me/calendar/regenerate", response_model=FeedUrlOut, responses=_ME)
def regenerate_feed_url(user: CurrentUser) -> FeedUrlOut:
    """A new feed URL; the previous one answers 404 from now on."""
    with session_scope() as session:
        return feeds.regenerate_feed_url(session, actor=user)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The user's lessons as iCalendar (RFC 5545)"},
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        404: {"model": ErrorOut, "description": "No such feed (never issued or regenerated since)"},
    },
)
def calendar_feed(token: str, request: Request) -> Response:
    """A user's lessons as an iCalendar feed; the token is the credential. Calendar apps that send
    the last ETag back (If-None-Match) get 304 while nothing changed."""
    with session_scope(read_only=True) as session:
        body = feeds.render_feed(session, token=token)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": "private, no-cache", "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="text/calendar; charset=utf-8",
                    headers={**headers, "Content-Disposition": 'inline; filename="tutorhub.ics"'})


@router.post("/tutors/me/calendars", response_model=ExternalCalendarOut, status_code=201, responses=_ADD)
def add_calendar(user: CurrentUser, data: Annotated[CalendarIn, Body()]) -> ExternalCalendarOut:
    """Subscribe to an outside calendar: its events block the tutor's slots. Status "pending"
    until the sync job fetches it (within a minute; then every 15 minutes)."""
    with session_scope() as session:
        return calendar_imports.add_calendar(session, actor=user, url=data.url)


@router.get("/tutors/me/calendars", response_model=list[ExternalCalendarOut], responses=_OWN)
def list_calendars(user: CurrentUser) -> list[ExternalCalendarOut]:
    """The tutor's outside calendars with the last fetch time, outcome and error."""
    with session_scope(read_only=True) as session:
        return calendar_imports.list_calendars(session, actor=user)


@router.post("/tutors/me/calendars/{calendar_id}/refresh", response_model=ExternalCalendarOut,
             responses=error_responses(401, 403, 404, 429, e403="Not a tutor", e404="No such calendar (or not yours)",
                                       e429="The calendar was read less than a minute ago (see Retry-After)"))
def refresh_calendar(user: CurrentUser, calendar_id: str) -> ExternalCalendarOut:
    """Fetch the calendar now and answer when done (a failed fetch is reported in the body:
    `status` "error" and `last_error`). At most once a minute per calendar: 429 with Retry-After."""
    return calendar_imports.refresh_calendar(actor=user, calendar_id=calendar_id)


@router.delete("/tutors/me/calendars/{calendar_id}", status_code=204, response_class=Response, responses=_ONE)
def remove_calendar(user: CurrentUser, calendar_id: str) -> Response:
    """Unsubscribe; the busy time it brought is removed and those slots reopen."""
    with session_scope() as session:
        calendar_imports.remove_calendar(session, actor=user, calendar_id=calendar_id)
    return Response(status_code=204)
