"""Scheduling: the tutor's availability document, public slots and best times, student windows.

Registered before routes_tutors so `/tutors/me/availability` is never read as `/tutors/{tutor_id}`.
Query values arrive as text and are validated by the services (one set of field messages for
the API and the UI); a bad zone, an inverted or over-long range, a naive datetime, a duration
the tutor does not offer or unparsable windows are all 422 `{"detail", "fields"}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from tutorhub.api.deps import CurrentUser, OptionalUser
from tutorhub.api.schemas import DATE_TIME, error_responses, query, ranged, timezone
from tutorhub.db import session_scope
from tutorhub.services.scheduling import availability, slots, student_windows
from tutorhub.services.scheduling.availability import AvailabilityDoc
from tutorhub.services.scheduling.slots import BestTimes, SlotList
from tutorhub.services.scheduling.student_windows import StudentWindowsOut

router = APIRouter(prefix="/api/v1", tags=["scheduling"])

_OWN = error_responses(401, 403, 422, e403="Not a tutor")
_PUBLIC = error_responses(404, 422, e404="No approved tutor with this id")

AVAILABILITY_EXAMPLE = {
    "timezone": "Europe/Berlin",
    "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
    "overrides": [{"date": "2027-03-29", "intervals": [{"start": "14:00", "end": "16:00"}]}],
    "settings": {
        "lesson_lengths": [60],
        "buffer_before_min": 0,
        "buffer_after_min": 0,
        "min_notice_hours": 12,
        "booking_window_days": 60,
        "max_lessons_per_day": 8,
        "instant_booking": True,
    },
}


@router.get("/tutors/me/availability", response_model=AvailabilityDoc, responses=_OWN)
def get_availability(user: CurrentUser) -> AvailabilityDoc:
    """The tutor's weekly grid, dated overrides and scheduling settings."""
    with session_scope() as session:
        return availability.get_availability(session, actor=user)


@router.put("/tutors/me/availability", response_model=AvailabilityDoc, responses=_OWN)
def save_availability(
    user: CurrentUser, data: Annotated[dict[str, Any], Body(openapi_examples={"grid": {"value": AVAILABILITY_EXAMPLE}})]
) -> AvailabilityDoc:
    """Save the availability document and return it as stored.

    Times are "HH:MM" on the 30-minute grid in `timezone` (which also becomes the profile's
    zone); weekday 0 is Monday; an override's intervals replace that date's weekly ones, and an
    empty list blocks the date. `settings`: lesson_lengths ⊆ {30, 45, 60, 90}, buffers 0–120
    minutes, min_notice_hours 0–720, booking_window_days 1–365, max_lessons_per_day 1–48,
    instant_booking. Absent top-level keys keep their stored values."""
    with session_scope() as session:
        return availability.save_availability(session, actor=user, data=data)


@router.get("/tutors/{tutor_id}/slots", response_model=SlotList, responses=_PUBLIC)
def get_slots(
    tutor_id: int,
    user: OptionalUser,
    start: Annotated[str | None, query(**DATE_TIME, description="ISO 8601 with offset; default now")] = None,
    end: Annotated[str | None, query(**DATE_TIME, description="ISO 8601 with offset, after `start`; default start + "
                                     "28 days, at most 93")] = None,
    duration: Annotated[int | None, ranged(1, 10_000, description="Lesson minutes the tutor offers")] = None,
    tz: Annotated[str | None, query(**timezone(blank=True), description="IANA zone to render times in; default UTC")] = None,
) -> SlotList:
    """Bookable lesson starts inside [start, end), sorted, in `tz` with offsets; `tutor_start`
    and `tutor_end` give the same instants in the tutor's zone."""
    with session_scope(read_only=True) as session:
        return slots.get_slots(session, tutor_id=tutor_id, start=start, end=end, duration=duration, tz=tz, viewer=user)


@router.get("/tutors/{tutor_id}/slots/best", response_model=BestTimes, responses=_PUBLIC)
def get_best_times(
    tutor_id: int,
    user: OptionalUser,
    tz: Annotated[str | None, query(**timezone(blank=True), description="IANA zone of the windows and of the answer")] = None,
    duration: Annotated[int | None, ranged(1, 10_000, description="Lesson minutes the tutor offers")] = None,
    windows: Annotated[
        str | None, Query(description='JSON list like [{"weekday": 0, "start": "17:00", "end": "20:00"}] in tz')
    ] = None,
    limit: Annotated[int | None, ranged(1, 50, description="default 5")] = None,
) -> BestTimes:
    """The best lesson starts in the next 14 days inside the weekly windows, ranked by score
    (100 = leaves the tutor's day unfragmented; ties: earliest first). A signed-in student may
    omit `windows` to use their saved ones."""
    with session_scope(read_only=True) as session:
        return slots.best_times(
            session, tutor_id=tutor_id, tz=tz, duration=duration, windows=windows, limit=limit, viewer=user
        )


_STUDENT = error_responses(401, 403, 422, e403="Not a student")


@router.get("/students/me/windows", response_model=StudentWindowsOut, responses=_STUDENT)
def get_student_windows(user: CurrentUser) -> StudentWindowsOut:
    """Your preferred weekly lesson windows (in your zone) and lesson length."""
    with session_scope() as session:
        return student_windows.get_student_windows(session, actor=user)


@router.put("/students/me/windows", response_model=StudentWindowsOut, responses=_STUDENT)
def save_student_windows(user: CurrentUser, data: Annotated[dict[str, Any], Body()]) -> StudentWindowsOut:
    """Save {"timezone", "windows": [{"weekday", "start", "end"}], "lesson_length"}; the zone also
    becomes your profile's. Absent keys keep their values."""
    with session_scope() as session:
        return student_windows.save_student_windows(session, actor=user, data=data)
