"""The tutor's availability page: the weekly grid (in the tutor's zone), dated overrides and the
scheduling settings. Each section saves on its own through the services, which authorize the
actor from the session cookie and validate everything; this state only shapes input and errors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from tutorhub.models.tutors import TutorStatus
from tutorhub.services.errors import DomainError, Forbidden, NotAuthenticated
from tutorhub.services.scheduling import availability, availability_edits
from tutorhub.services.scheduling.availability import AvailabilityDoc
from tutorhub.services.scheduling.schedule_input import LESSON_LENGTHS
from tutorhub.state.base import AppState, form_text
from tutorhub.state.scheduling.views import OverrideRow, override_rows
from tutorhub.state.scheduling.week_grid import DAY_NAMES, WeekGridMixin, grid_from_intervals, intervals_from_grid

OVERRIDE_KINDS = ("off", "holiday", "hours")
NUMBER_FIELDS = {
    "buffer_before_min": "buffer_before_min",
    "buffer_after_min": "buffer_after_min",
    "min_notice_hours": "min_notice_hours",
    "booking_window_days": "booking_window_days",
    "max_lessons_per_day": "max_lessons_per_day",
}
_KEY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:/(\d{4}-\d{2}-\d{2}))?$")


def _number(text: str) -> int | str:
    """Digits become an int; anything else goes to the service as text, which refuses it."""
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else text


class AvailabilityState(WeekGridMixin, AppState):
    status: str = "loading"
    tutor_id: int = 0
    approved: bool = False  # the public profile exists (for the preview link)
    timezone: str = "UTC"
    today: str = ""
    form_key: int = 0
    errors: dict[str, str] = {}  # the weekly section (timezone)
    weekly_errors: list[str] = []
    # Dated overrides.
    overrides: list[OverrideRow] = []
    past_overrides: int = 0
    override_kind: str = "off"
    override_errors: dict[str, str] = {}
    override_key: int = 0
    # Settings (prefill for the settings form).
    lesson_lengths: list[int] = [60]
    buffer_before_min: str = "0"
    buffer_after_min: str = "0"
    min_notice_hours: str = "12"
    booking_window_days: str = "60"
    max_lessons_per_day: str = "8"
    instant_booking: bool = True
    settings_errors: dict[str, str] = {}

    def _fill_overrides(self, doc: AvailabilityDoc) -> None:
        today = datetime.now(ZoneInfo(doc.timezone)).date()
        self.today = today.isoformat()
        self.overrides, self.past_overrides = override_rows(doc.overrides, today)

    def _fill_weekly(self, doc: AvailabilityDoc) -> None:
        zone = doc.timezone
        # The browser's zone is only a suggestion while nothing is saved: saved hours are wall-clock
        # times in the stored zone and must be shown (and re-saved) in it.
        nothing_saved = not doc.weekly and not doc.overrides
        self.timezone = self.browser_tz if zone == "UTC" and self.browser_tz and nothing_saved else zone
        self._reset_grid(grid_from_intervals((w.weekday, w.start, w.end) for w in doc.weekly))

    def _fill_settings(self, doc: AvailabilityDoc) -> None:
        s = doc.settings
        self.lesson_lengths = list(s.lesson_lengths)
        self.buffer_before_min, self.buffer_after_min = str(s.buffer_before_min), str(s.buffer_after_min)
        self.min_notice_hours, self.booking_window_days = str(s.min_notice_hours), str(s.booking_window_days)
        self.max_lessons_per_day, self.instant_booking = str(s.max_lessons_per_day), s.instant_booking

    def _fill(self, doc: AvailabilityDoc) -> None:
        self.tutor_id = doc.tutor_id
        self._fill_weekly(doc)
        self._fill_overrides(doc)
        self._fill_settings(doc)
        self.form_key += 1

    def _denied(self, exc: DomainError):
        """The answer to a handler call by someone who may not edit availability."""
        if isinstance(exc, NotAuthenticated):
            return self._login_redirect()
        self.status = "forbidden"
        return rx.toast.error(exc.message)

    async def load(self):
        self.status, self.errors, self.weekly_errors = "loading", {}, []
        self.override_errors, self.settings_errors = {}, {}
        try:
            doc, status = await self._db(lambda s, actor: availability.get_availability_editor(s, actor=actor))
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        self._fill(doc)
        self.approved = status == TutorStatus.APPROVED
        self.status = "ready"
        return None

    async def save_weekly(self, form: dict):
        weekly = intervals_from_grid(self.grid)
        data = {"timezone": form_text(form, "timezone", 64).strip(), "weekly": weekly}
        self.errors, self.weekly_errors = {}, []
        try:
            doc = await self._db(lambda s, actor: availability.save_availability(s, actor=actor, data=data))
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        except DomainError as exc:
            fields = exc.fields or {"weekly": exc.message}
            self.errors = {k: v for k, v in fields.items() if k == "timezone"}
            self.weekly_errors = [_weekly_message(k, v, weekly) for k, v in fields.items() if k != "timezone"]
            return rx.toast.error("Your weekly hours were not saved.")
        self._fill_weekly(doc)
        self._fill_overrides(doc)
        self.form_key += 1
        return rx.toast.success("Weekly hours saved")

    async def discard_weekly(self):
        """Forget unsaved grid edits (reload the saved hours)."""
        try:
            doc = await self._db(lambda s, actor: availability.get_availability(s, actor=actor))
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        self._fill_weekly(doc)
        self.errors, self.weekly_errors = {}, []
        self.form_key += 1
        return None

    def set_override_kind(self, kind: Any):
        if kind in OVERRIDE_KINDS:
            self.override_kind = kind
            self.override_errors = {}

    async def add_override(self, form: dict):
        kind = self.override_kind
        args = {
            "kind": kind,
            "date": form_text(form, "date", 20).strip(),
            "end_date": form_text(form, "end_date", 20).strip() or None,
            "start": form_text(form, "start", 10).strip(),
            "end": form_text(form, "end", 10).strip(),
        }
        self.override_errors = {}
        try:
            doc = await self._db(lambda s, actor: availability_edits.add_override(s, actor=actor, **args))
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        except DomainError as exc:
            self.override_errors = _override_errors(exc)
            return None
        self._fill_overrides(doc)
        self.override_key += 1
        labels = {"off": "Day off added", "holiday": "Holiday added", "hours": "Hours added"}
        return rx.toast.success(labels[kind])

    async def remove_override(self, key: Any):
        match = _KEY_RE.match(key) if isinstance(key, str) else None
        if match is None:
            return rx.toast.error("That date could not be found.")
        first, last = match.group(1), match.group(2)
        try:
            doc = await self._db(
                lambda s, actor: availability_edits.remove_overrides(s, actor=actor, date=first, end_date=last)
            )
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._fill_overrides(doc)
        return rx.toast.success("Removed")

    async def save_settings(self, form: dict):
        settings: dict[str, Any] = {
            "lesson_lengths": [n for n in LESSON_LENGTHS if form_text(form, f"length__{n}", 10) in ("on", "true")],
        }
        for field in NUMBER_FIELDS:
            settings[field] = _number(form_text(form, field, 12).strip())
        mode = form_text(form, "booking_mode", 20)
        settings["instant_booking"] = {"instant": True, "approval": False}.get(mode, mode)
        self.settings_errors = {}
        try:
            doc = await self._db(
                lambda s, actor: availability.save_availability(s, actor=actor, data={"settings": settings})
            )
        except (NotAuthenticated, Forbidden) as exc:
            return self._denied(exc)
        except DomainError as exc:
            fields = exc.fields or {"settings": exc.message}
            self.settings_errors = {k.removeprefix("settings."): v for k, v in fields.items()}
            return rx.toast.error("Your settings were not saved.")
        self._fill_settings(doc)
        self.form_key += 1
        return rx.toast.success("Settings saved")


def _weekly_message(field: str, message: str, weekly: list[dict[str, Any]]) -> str:
    """'weekly.2.end' → 'Wednesday 09:00–12:00: must be after start'."""
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "weekly" and parts[1].isdigit() and int(parts[1]) < len(weekly):
        item = weekly[int(parts[1])]
        return f"{DAY_NAMES[item['weekday']]} {item['start']}–{item['end']}: {message}"
    return message


def _override_errors(exc: DomainError) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, message in (exc.fields or {"form": exc.message}).items():
        if key in ("date", "end_date", "start", "end"):
            out[key] = message
        elif key.startswith("overrides.") and "intervals" in key:
            out["form"] = f"These hours {message} (see the list below)."
        else:
            out["form"] = message
    return out
