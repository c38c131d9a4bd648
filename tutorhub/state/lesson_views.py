"""Rows the booking pages render, built from the booking services' DTOs and already formatted
("Tue 16 Mar, 17:00–18:00", "21:30 for your tutor"), so pages stay dumb and only what is shown
reaches the browser: names, times and prices — never emails, ids of other users or room keys."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tutorhub.services.booking.replacements import OfferOut
from tutorhub.services.booking.series import OccurrenceOut, TimeOut
from tutorhub.services.booking.views import BookingOut, EventOut, ReviewOut
from tutorhub.services.currency import format_money
from tutorhub.services.timefmt import format_local

STATUS_COLORS = {
    "PENDING_PAYMENT": "amber",
    "REQUESTED": "orange",
    "CONFIRMED": "green",
    "IN_PROGRESS": "blue",
    "COMPLETED": "teal",
    "SETTLED": "gray",
    "CANCELLED": "red",
    "DECLINED": "red",
    "EXPIRED": "gray",
    "NO_SHOW": "crimson",
    "DISPUTED": "orange",
}
KIND_LABELS = {"single": "Lesson", "trial": "Trial lesson", "series": "Weekly lesson"}
EVENT_VERBS = {
    "hold": "Slot held",
    "pay": "Confirmed by the student",
    "accept": "Accepted by the tutor",
    "decline": "Declined",
    "auto_decline": "Declined automatically",
    "cancel": "Cancelled",
    "expire": "Hold expired",
    "reschedule": "Rescheduled",
    "start": "Lesson started",
    "complete": "Lesson ended",
    "auto_complete": "Completed automatically",
    "no_show": "No-show reported",
    "dispute": "Disputed",
    "resolve": "Dispute resolved",
    "settle": "Settled",
    "replace": "Replacement booked",
}


@dataclasses.dataclass
class LessonRow:
    id: int = 0
    href: str = ""
    title: str = ""  # "Trial lesson · Mathematics"
    status: str = ""
    status_label: str = ""
    color: str = "gray"
    when: str = ""  # viewer's zone: "Tue 16 Mar, 17:00–18:00"
    other_time: str = ""  # "21:30 for your tutor" ("" when the same wall clock)
    with_whom: str = ""  # "with Ava A." / student name for tutors
    price: str = ""


@dataclasses.dataclass
class EventRow:
    text: str = ""
    who: str = ""
    at: str = ""
    reason: str = ""


@dataclasses.dataclass
class OccurrenceRow:
    index: int = 0
    when: str = ""
    tutor_time: str = ""
    ok: bool = True
    reason: str = ""
    alternatives: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class OfferRow:
    id: int = 0
    tutor_name: str = ""
    headline: str = ""
    rating: str = ""
    trust: int = 0
    when: str = ""
    tutor_time: str = ""
    same_time: bool = False
    tutor_href: str = ""


@dataclasses.dataclass
class ReviewRow:
    author: str = ""
    stars: str = ""
    rating: int = 0
    comment: str = ""
    reply: str = ""
    at: str = ""


def _wall(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def lesson_when(start_iso: str, minutes: int) -> str:
    """'Tue 16 Mar, 17:00–18:00' in the zone the ISO text carries."""
    start = _wall(start_iso)
    end_minute = start.hour * 60 + start.minute + minutes
    end = f"{(end_minute // 60) % 24:02d}:{end_minute % 60:02d}"
    return f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end}"


def other_clock(mine_iso: str, theirs_iso: str) -> str:
    """The other party's wall clock when it differs from mine ('21:30', '02:30 Wed'), else ''."""
    mine, theirs = _wall(mine_iso), _wall(theirs_iso)
    if (theirs.hour, theirs.minute, theirs.date()) == (mine.hour, mine.minute, mine.date()):
        return ""
    return f"{theirs:%H:%M}" + ("" if theirs.date() == mine.date() else f" {theirs:%a}")


def in_zone(moment: datetime, zone: str) -> str:
    """`moment` as ISO text on the wall clock of `zone` (UTC when the zone is unknown: display only)."""
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return moment.astimezone(tz).isoformat()


def times_for(b: BookingOut) -> tuple[str, str]:
    """(the viewer's "when", the other party's time) for a booking, by how the viewer relates to it."""
    if b.viewer_role == "tutor":
        mine, theirs, who = b.tutor_start, b.student_start, "your student"
    else:  # student, or an admin (who reads it as the student sees it)
        mine, theirs, who = b.student_start, b.tutor_start, "the tutor" if b.viewer_role == "admin" else "your tutor"
    other = other_clock(mine, theirs)
    return lesson_when(mine, b.duration_min), (f"{other} for {who}" if other else "")


def lesson_title(b: BookingOut) -> str:
    kind = KIND_LABELS.get(b.kind, "Lesson")
    return f"{kind} · {b.subject_label}" if b.subject_label else kind


def label_of(b: BookingOut) -> str:
    """'Waiting for the tutor' (the engine's labels are lower case, for use inside sentences)."""
    if b.viewer_role == "tutor" and b.status == "REQUESTED":
        return "Waiting for you"
    return b.status_label[:1].upper() + b.status_label[1:]


def with_whom_text(b: BookingOut, *, say_role: bool = False) -> str:
    """'with Ava A.' (the other party; '… (tutor)' with `say_role`), or both names for an admin."""
    if b.viewer_role == "tutor":
        return f"with {b.student_name}" + (" (student)" if say_role else "")
    if b.viewer_role == "student":
        return f"with {b.tutor_name}" + (" (tutor)" if say_role else "")
    return f"{b.student_name} with {b.tutor_name}"


def lesson_row(b: BookingOut) -> LessonRow:
    when, other = times_for(b)
    return LessonRow(
        id=b.id,
        href=f"/lessons/{b.id}",
        title=lesson_title(b),
        status=b.status,
        status_label=label_of(b),
        color=STATUS_COLORS.get(b.status, "gray"),
        when=when,
        other_time=other,
        with_whom=with_whom_text(b),
        price=format_money(b.price_minor, b.currency),
    )


def event_rows(events: list[EventOut], zone: str) -> list[EventRow]:
    return [
        EventRow(
            text=EVENT_VERBS.get(e.action, e.action.replace("_", " ").capitalize()),
            who=e.actor_name if e.actor_role != "system" else "TutorHub",
            at=format_local(e.at.isoformat(), zone),
            reason=e.reason,
        )
        for e in events
    ]


def _time_pair(t: TimeOut) -> tuple[str, str]:
    mine = _wall(t.student_start)
    return f"{mine:%a} {mine.day} {mine:%b} {mine:%Y}, {mine:%H:%M}", other_clock(t.student_start, t.tutor_start)


def occurrence_rows(items: list[OccurrenceOut]) -> list[OccurrenceRow]:
    out = []
    for o in items:
        when, tutor = _time_pair(o)
        alternatives = []
        for alt in o.alternatives:
            text, alt_tutor = _time_pair(alt)
            alternatives.append(text + (f" ({alt_tutor} for your tutor)" if alt_tutor else ""))
        out.append(
            OccurrenceRow(
                index=o.index + 1, when=when, tutor_time=tutor, ok=o.ok, reason=o.reason_text, alternatives=alternatives
            )
        )
    return out


def offer_rows(offers: list[OfferOut]) -> list[OfferRow]:
    out = []
    for o in offers:
        mine = _wall(o.student_start)
        out.append(
            OfferRow(
                id=o.id,
                tutor_name=o.tutor_name,
                headline=o.headline,
                rating=f"{o.rating_avg:.1f}" if o.rating_count else "new",
                trust=o.trust_score,
                when=f"{mine:%a} {mine.day} {mine:%b}, {mine:%H:%M}",
                tutor_time=other_clock(o.student_start, o.tutor_start),
                same_time=o.same_time,
                tutor_href=f"/tutors/{o.tutor_id}",
            )
        )
    return out


def stars(rating: int) -> str:
    rating = max(0, min(5, rating))
    return "★" * rating + "☆" * (5 - rating)


def review_row(r: ReviewOut, zone: str) -> ReviewRow:
    return ReviewRow(
        author=r.student_name,
        stars=stars(r.rating),
        rating=r.rating,
        comment=r.comment,
        reply=r.reply,
        at=format_local(r.created_at.isoformat(), zone, with_zone=False).split(",")[0],
    )
