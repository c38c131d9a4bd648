"""Small edits of a tutor's dated overrides, for the availability page: add a day off, a holiday
range or extra hours on a date, or remove the overrides of a date range.

Each edit reads the stored overrides and saves the whole list back through
availability.save_availability in the same transaction (the tutor's profile row is locked
there), so validation, the "absent keys keep their values" rule and the search-index refresh
are exactly those of a full save.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.errors import InvalidInput
from tutorhub.services.scheduling.availability import AvailabilityDoc, get_availability, save_availability
from tutorhub.services.scheduling.schedule_input import parse_date, parse_hhmm
from tutorhub.services.validation import fail, fail_fields

MAX_RANGE_DAYS = 120
KINDS = ("off", "holiday", "hours")


def _date_range(start: Any, end: Any) -> tuple[Date, Date]:
    first = parse_date(start, "date")
    last = first if end in (None, "") else parse_date(end, "end_date")
    if last < first:
        raise fail("end_date", "must be on or after the first day")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise fail("end_date", f"a range may span at most {MAX_RANGE_DAYS} days")
    return first, last


def _stored(doc: AvailabilityDoc) -> dict[str, list[dict[str, str]]]:
    return {o.date: [{"start": i.start, "end": i.end} for i in o.intervals] for o in doc.overrides}


def _save(session: Session, actor: UserOut | None, overrides: dict[str, list[dict[str, str]]]) -> AvailabilityDoc:
    data = [{"date": day, "intervals": spans} for day, spans in sorted(overrides.items())]
    return save_availability(session, actor=actor, data={"overrides": data})


def add_override(
    session: Session,
    *,
    actor: UserOut | None,
    kind: Any,
    date: Any,
    end_date: Any = None,
    start: Any = None,
    end: Any = None,
) -> AvailabilityDoc:
    """`kind` "off": `date` is a day off. "holiday": every day from `date` to `end_date` is off.
    "hours": the interval `start`–`end` is available on `date` (added to that date's intervals,
    replacing a day off; the date's weekly hours no longer apply)."""
    if kind not in KINDS:
        raise fail("kind", "must be a day off, a holiday or extra hours")
    errors: dict[str, str] = {}
    first = last = None
    span: dict[str, str] | None = None
    try:
        first, last = _date_range(date, end_date if kind == "holiday" else None)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if kind == "hours":
        try:
            begin = parse_hhmm(start, "start")
            finish = parse_hhmm(end, "end", allow_24=True)
            if finish <= begin:
                raise fail("end", "must be after the start")
            span = {"start": start, "end": end}
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise fail_fields(errors)
    assert first is not None and last is not None
    overrides = _stored(get_availability(session, actor=actor))
    if span is not None:
        key = first.isoformat()
        overrides[key] = [*overrides.get(key, []), span]
    else:
        for offset in range((last - first).days + 1):
            overrides[(first + timedelta(days=offset)).isoformat()] = []
    return _save(session, actor, overrides)


def remove_overrides(session: Session, *, actor: UserOut | None, date: Any, end_date: Any = None) -> AvailabilityDoc:
    """Remove the overrides dated `date` … `end_date` (inclusive); those days follow the weekly hours again."""
    first, last = _date_range(date, end_date)
    overrides = _stored(get_availability(session, actor=actor))
    kept = {day: spans for day, spans in overrides.items() if not first.isoformat() <= day <= last.isoformat()}
    if len(kept) == len(overrides):
        return get_availability(session, actor=actor)
    return _save(session, actor, kept)
