"""Rules JSON Schema cannot state, told to Schemathesis (loaded through SCHEMATHESIS_HOOKS by harness.py).

The OpenAPI document states every rule of a single value (lengths, patterns, enums, ranges). What is
left relates two values, or a value and the clock: `end` after `start` and at most 93 days later,
weekly windows whose `end` is after `start` and which do not overlap (JSON text inside a query string,
described on the parameter), an online class seating at most 8 and `min_size` at most `capacity`, a
first class session, a proposal or an exam date in the future. Two depend on the tutor's own settings:
the lesson lengths they offer and the subjects they teach (read from their public slots and profile,
as a client would). Each is also stated in
the parameter's or field's description and tested in tests/api.

`before_call` brings a *positive* case (one the document calls valid) into line with those rules before
it is sent, so Schemathesis still checks everything else about the operation; negative cases (meant to
be refused) are left alone. Nothing here touches a value the document already describes.
"""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import schemathesis
from PIL import Image

from tutorhub.services.tutors.photos import MIN_SIDE

WINDOW = {"weekday": 0, "start": "17:00", "end": "20:00"}
MAX_RANGE = timedelta(days=93)


def _photo() -> bytes:
    """The smallest profile photo accepted: a real PNG of the minimum size."""
    buffer = io.BytesIO()
    Image.new("RGB", (MIN_SIDE, MIN_SIDE), (90, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


BINARY = {
    # The smallest files the uploads' content checks accept (services.uploads sniffs the bytes).
    "/api/v1/tutors/me/credentials": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "/api/v1/conversations/{conversation_id}/attachments": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "/api/v1/tutors/me/photo": _photo(),  # decoded whole by Pillow (services/tutors/photos.py)
}


def _public(tutor_id: Any, tail: str = "") -> dict[str, Any]:
    """The tutor's public profile (or slots, `tail="/slots"`) as any client reads it; {} when there is none."""
    base = os.environ.get("TUTORHUB_CONTRACT_BASE_URL", "")
    if isinstance(tutor_id, str) and tutor_id.isascii() and tutor_id.isdigit():
        tutor_id = int(tutor_id)
    if not base or not isinstance(tutor_id, int) or isinstance(tutor_id, bool) or not 0 < tutor_id < 2**31:
        return {}
    res = httpx.get(f"{base}/api/v1/tutors/{tutor_id}{tail}", timeout=10)
    return dict(res.json()) if res.status_code == 200 else {}


def _length(values: dict[str, Any], key: str, tutor_id: Any) -> None:
    """A lesson length the tutor offers (their own setting), when one was given."""
    offered = list(_public(tutor_id, "/slots").get("lesson_lengths") or [])
    if key in values and offered and values[key] not in offered:
        values[key] = offered[0]


def _subject(body: dict[str, Any]) -> None:
    """A subject the tutor teaches (their profile), when one was given; blank means their first."""
    if not body.get("subject"):
        return
    taught = [row["subject"] for row in _public(body.get("tutor_id")).get("subjects") or []]
    if taught and str(body["subject"]).strip().lower() not in taught:
        body["subject"] = taught[0]


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _range(query: dict[str, Any], now: datetime) -> None:
    """/slots: `end` after `start` (default now) and at most 93 days later."""
    start, end = _instant(query.get("start")), _instant(query.get("end"))
    if end is None:
        return
    base = start or now
    if not base < end <= base + MAX_RANGE:
        query["end"] = (base + timedelta(days=7)).isoformat()


def _windows_ok(rows: Any) -> bool:
    if not isinstance(rows, list):
        return False
    spans: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        if not isinstance(row, dict) or not {"weekday", "start", "end"} <= row.keys():
            return False
        start, end = str(row["start"]), str(row["end"])
        if end <= start:
            return False
        spans.setdefault(int(row["weekday"]), []).append((start, end))
    return all(a[1] <= b[0] for day in spans.values() for a, b in zip(sorted(day), sorted(day)[1:], strict=False))


def _windows_text(query: dict[str, Any], *, needed: bool) -> None:
    """A `windows` query value is JSON text: keep a valid one, else use a valid list."""
    raw = query.get("windows")
    if raw is None and not needed:
        return
    try:
        ok = _windows_ok(json.loads(raw)) if isinstance(raw, str) and raw.strip() else False
    except ValueError:
        ok = False
    if not ok:
        query["windows"] = json.dumps([WINDOW])


def _future_local(value: Any, now: datetime) -> str:
    """A local date-time in the future (same time of day when the given one had passed)."""
    time_part = value[10:] if isinstance(value, str) and len(value) == 16 else "T18:00"
    day = (now + timedelta(days=30)).date().isoformat()
    if isinstance(value, str) and len(value) == 16 and value[:10] > day:
        return value
    return day + time_part


def _body(path: str, body: dict[str, Any], now: datetime, today: date) -> None:
    if path in ("/api/v1/bookings", "/api/v1/bookings/series", "/api/v1/bookings/series/preview"):
        _length(body, "duration_min", body.get("tutor_id"))
        _subject(body)
    elif path == "/api/v1/students/enquiries":
        if isinstance(body.get("windows"), list) and not _windows_ok(body["windows"]):
            body["windows"] = [WINDOW]
        if body.get("mode") == "home":
            body["city"] = "Berlin"  # home tuition needs a place the gazetteer knows (422 with suggestions)
        else:
            body.pop("city", None)
    elif path == "/api/v1/students/study-plan/generate":
        exam = body.get("exam_date")
        if isinstance(exam, str) and not today.isoformat() <= exam <= (today + timedelta(days=3 * 365)).isoformat():
            body["exam_date"] = (today + timedelta(days=60)).isoformat()
    elif path == "/api/v1/classes":
        if body.get("mode") in (None, "online") and isinstance(body.get("capacity"), int | float):
            body["capacity"] = min(body["capacity"], 8)
        if isinstance(body.get("min_size"), int | float) and isinstance(body.get("capacity"), int | float):
            body["min_size"] = min(body["min_size"], body["capacity"])
        body["first_start_local"] = _future_local(body.get("first_start_local"), now)
    elif path == "/api/v1/tutors/leads/{enquiry_id}/proposals":
        start = _instant(body.get("start"))
        if start is None or start <= now:
            body["start"] = (now + timedelta(days=14)).replace(hour=10, minute=0, second=0, microsecond=0).isoformat()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    meta = getattr(case, "meta", None)
    if meta is not None and not meta.generation.mode.is_positive:
        return
    now = datetime.now(UTC)  # the app's clock is the wall clock here: rules "in the future" are judged by it
    path = case.path
    if isinstance(case.query, dict):
        if path.startswith("/api/v1/tutors/{tutor_id}/slots"):
            _length(case.query, "duration", (case.path_parameters or {}).get("tutor_id"))
        if path == "/api/v1/tutors/{tutor_id}/slots":
            _range(case.query, now)
        elif path == "/api/v1/tutors/{tutor_id}/slots/best":
            _windows_text(case.query, needed=True)
        elif path == "/api/v1/tutors":
            _windows_text(case.query, needed=False)
    elif path == "/api/v1/tutors/{tutor_id}/slots/best":
        case.query = {"windows": json.dumps([WINDOW])}
    if path in BINARY and isinstance(case.body, dict):
        kind = ("photo.png", "image/png") if path.endswith("/photo") else ("credential.pdf", "application/pdf")
        case.body["file"] = (kind[0], BINARY[path], kind[1])
    elif isinstance(case.body, dict):
        _body(path, case.body, now, now.date())
