"""A class's schedule: an RFC 5545 recurrence rule expanded in the tutor's local wall-clock time.

The rule (`FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8`, optionally with `RRULE:` and further `EXDATE:` lines for
exceptions) is expanded by `dateutil.rrule` over *naive local* datetimes starting at
`first_start_local`, and only then placed in the zone — so a 17:00 class stays at 17:00 local across
daylight-saving changes (its UTC instant moves by the hour instead).

Deliberate choices at the edges of local time:
- A session whose local time does not exist (the spring-forward gap, e.g. 02:30 in Europe/Berlin on
  the last Sunday of March) is held at the same *elapsed* time: 02:30 read with the offset before the
  change, which the wall clock shows as 03:30. The session keeps its length and the rule's other
  sessions are unaffected; `SessionTime.shifted` says so and the class page shows it.
- A local time that occurs twice (the autumn fold) is the first of the two (`fold=0`), like most
  calendar software.
- Rules must end (COUNT or UNTIL) and yield between 1 and `MAX_SESSIONS` sessions; `DTSTART` inside
  the rule is refused (the start is `first_start_local`), as are rules more frequent than daily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrule, rruleset, rrulestr

from tutorhub.services.validation import fail, validate_timezone

MAX_SESSIONS = 100
MAX_SPAN = timedelta(days=366)
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True, slots=True)
class SessionTime:
    start_at: datetime  # UTC
    end_at: datetime  # UTC
    local: datetime  # naive local wall-clock start the rule asked for
    shifted: bool  # the asked-for local time does not exist (DST gap): held at the same elapsed time


def parse_local(value: object, field: str = "first_start_local") -> datetime:
    if not isinstance(value, str):
        raise fail(field, "must be a local date and time YYYY-MM-DDTHH:MM")
    try:
        parsed = datetime.strptime(value.strip(), _LOCAL_FORMAT)
    except ValueError as exc:
        raise fail(field, "must be a local date and time YYYY-MM-DDTHH:MM") from exc
    return parsed


def to_utc(local: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The UTC instant of a naive local time (fold=0), and whether that local time does not exist."""
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    back = instant.astimezone(zone).replace(tzinfo=None)
    return instant, back != local


def _rule_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("rrule", "must be a recurrence rule such as FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8")
    text = value.strip()
    if len(text) > 500:
        raise fail("rrule", "must be at most 500 characters")
    if "DTSTART" in text.upper():
        raise fail("rrule", "must not contain DTSTART (the first session's local time is given separately)")
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    if not lines[0].upper().startswith(("RRULE:", "EXDATE", "RDATE")):
        lines[0] = "RRULE:" + lines[0]
    if any("TZID" in line.upper() or line.upper().endswith("Z") for line in lines if line.upper().startswith("EXDATE")):
        raise fail("rrule", "EXDATE must be local times (YYYYMMDDTHHMMSS) without a zone")
    return "\n".join(lines)


def expand(rule: object, first_start_local: object, timezone: object, duration_min: int) -> list[SessionTime]:
    """The sessions of a schedule, in order; InvalidInput (422) for a bad or unbounded rule."""
    zone_name = validate_timezone(timezone)
    zone = ZoneInfo(zone_name)
    dtstart = parse_local(first_start_local)
    text = _rule_text(rule)
    try:
        parsed = rrulestr(text, dtstart=dtstart, forceset=True, unfold=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise fail("rrule", f"is not a valid RFC 5545 rule ({exc})") from exc
    assert isinstance(parsed, rruleset)
    rules: list[rrule] = list(parsed._rrule)  # noqa: SLF001 - dateutil exposes the parsed rules only so
    if not rules:
        raise fail("rrule", "must contain an RRULE")
    for one in rules:
        if one._count is None and one._until is None:  # noqa: SLF001
            raise fail("rrule", "must end: add COUNT=n or UNTIL=date")
        if one._freq > DAILY:  # noqa: SLF001 - HOURLY, MINUTELY, SECONDLY
            raise fail("rrule", "may repeat at most daily")
    out: list[SessionTime] = []
    try:
        for local in parsed.xafter(dtstart - timedelta(seconds=1), count=MAX_SESSIONS + 1):
            if local - dtstart > MAX_SPAN:
                raise fail("rrule", "sessions must fall within a year of the first one")
            start_at, shifted = to_utc(local, zone)
            out.append(SessionTime(start_at, start_at + timedelta(minutes=duration_min), local, shifted))
    except (ValueError, OverflowError) as exc:
        raise fail("rrule", f"cannot be expanded ({exc})") from exc
    if not out:
        raise fail("rrule", "yields no session on or after the first start")
    if len(out) > MAX_SESSIONS:
        raise fail("rrule", f"must yield at most {MAX_SESSIONS} sessions")
    for before, after in zip(out, out[1:], strict=False):
        if after.start_at < before.end_at:
            raise fail("rrule", "sessions overlap each other; lengthen the interval or shorten the sessions")
    return out
