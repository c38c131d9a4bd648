"""What callers see of a class: plain data, UTC instants plus the tutor's local rendering."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from tutorhub.models.classes import ClassSession, GroupClass


class ClassSessionOut(BaseModel):
    id: int
    seq: int
    start: datetime  # UTC
    end: datetime  # UTC
    tutor_local: str  # "Tue 2027-03-30 17:00" in the class's timezone
    status: str


class ClassSummary(BaseModel):
    id: int
    title: str
    subject: str
    grade: str
    mode: str
    tutor_id: int
    tutor_name: str
    capacity: int
    min_size: int
    seats_left: int
    price_minor: int
    currency: str
    duration_min: int
    timezone: str
    session_count: int
    first_start: datetime
    status: str


class ClassDetail(ClassSummary):
    description: str
    rrule: str
    first_start_local: str
    sessions: list[ClassSessionOut]
    enrolled_count: int
    waitlist_count: int
    my_status: str | None = None  # ENROLLED / WAITLISTED / OFFERED for the viewer, else None
    my_offer_expires_at: datetime | None = None
    my_waitlist_position: int | None = None
    is_owner: bool = False


class CreatedClass(BaseModel):
    id: int
    status: str
    sessions: list[ClassSessionOut]


class ClassPage(BaseModel):
    items: list[ClassSummary]
    total: int
    page: int
    pages: int


def local_label(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")


def session_out(row: ClassSession, zone: str) -> ClassSessionOut:
    assert row.id is not None
    return ClassSessionOut(id=row.id, seq=row.seq, start=row.start_at, end=row.end_at,
                           tutor_local=local_label(row.start_at, zone), status=row.status)


def summary_fields(cls: GroupClass, tutor_name: str) -> dict:
    assert cls.id is not None
    return {
        "id": cls.id, "title": cls.title, "subject": cls.subject, "grade": cls.grade, "mode": cls.mode,
        "tutor_id": cls.tutor_id, "tutor_name": tutor_name, "capacity": cls.capacity, "min_size": cls.min_size,
        "seats_left": max(0, cls.capacity - cls.seats_taken), "price_minor": cls.price_minor,
        "currency": cls.currency, "duration_min": cls.duration_min, "timezone": cls.timezone,
        "session_count": cls.session_count, "first_start": cls.first_start_at, "status": cls.status,
    }
