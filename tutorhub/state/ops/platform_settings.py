"""/admin/settings: every platform policy number on one form (admins only; the service authorizes
and validates every save, all or nothing, and audits each change). Group credit rates are typed as
"1:100, 4:60, 1000000:40" (largest group size : percent)."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.errors import DomainError
from tutorhub.services.ops import platform_settings
from tutorhub.services.ops.platform_settings import DOMAIN_SPECS, ORDER, PlatformSettingsOut, SettingOut
from tutorhub.services.platform.store import SPECS
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page

RATES = "group_credit_rates"
# (key, label, group) of every field, fixed: the page lays the form out from it.
FIELDS: list[tuple[str, str, str]] = [(k, (SPECS.get(k) or DOMAIN_SPECS[k]).label, (SPECS.get(k) or DOMAIN_SPECS[k]).group)
                                      for k in ORDER]


@dataclasses.dataclass
class SettingRow:
    key: str = ""
    label: str = ""
    group: str = ""
    first_in_group: bool = False
    value: str = ""
    hint: str = ""
    overridden: bool = False


def rates_text(rates: Any) -> str:
    return ", ".join(f"{size}:{percent}" for size, percent in rates) if isinstance(rates, list) else str(rates)


def parse_rates(text: str) -> list[list[int]] | None:
    """ "1:100, 4:60" → [[1, 100], [4, 60]]; None when it is not that shape (the service checks the rest)."""
    out = []
    for part in text.replace(";", ",").split(","):
        size, sep, percent = part.strip().partition(":")
        if not (sep and size.strip().isdigit() and percent.strip().isdigit()) or len(part) > 20:
            return None
        out.append([int(size), int(percent)])
    return out


def _row(s: SettingOut, first: bool) -> SettingRow:
    show = rates_text if s.key == RATES else str
    unit = f" {s.unit}" if s.unit else ""
    hint = f"{s.help} Default {show(s.default)}{unit if s.key != RATES else ''}; {s.minimum}–{s.maximum}{unit}.".strip()
    return SettingRow(key=s.key, label=s.label, group=s.group, first_in_group=first, value=show(s.value), hint=hint,
                      overridden=s.overridden)


class AdminSettingsState(AppState):
    status: str = "loading"
    rows: list[SettingRow] = []
    values: dict[str, str] = {}  # key → the value as the form shows it
    hints: dict[str, str] = {}
    changed: dict[str, bool] = {}
    errors: dict[str, str] = {}
    message: str = ""
    busy: bool = False
    _values: dict[str, str] = {}

    def _take(self, found: PlatformSettingsOut) -> None:
        rows, seen = [], set()
        for s in found.settings:
            rows.append(_row(s, s.group not in seen))
            seen.add(s.group)
        self.rows = rows
        self._values = {r.key: r.value for r in rows}
        self.values, self.hints = dict(self._values), {r.key: r.hint for r in rows}
        self.changed = {r.key: r.overridden for r in rows}

    def _forget(self) -> None:
        self.rows, self.values, self.hints, self.changed, self._values = [], {}, {}, {}, {}

    async def load(self):
        self.status, self.errors, self.message, self.busy = "loading", {}, "", False

        def unit(session: Session, actor: UserOut | None) -> PlatformSettingsOut:
            return platform_settings.get_platform_settings(session, actor=actor)

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        self._take(found)
        self.status = "ready"
        return None

    async def save(self, form: Any):
        """Send only the settings the form changed; whole numbers typed as text are parsed here."""
        if self.busy:
            return
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in ORDER:
            text = form_text(form, key, 200).strip()
            if key not in self._values or text == self._values[key]:
                continue
            if key == RATES:
                rates = parse_rates(text)
                if rates is None:
                    errors[key] = "write tiers as size:percent, e.g. 1:100, 4:60, 1000000:40"
                values[key] = rates
            elif text.isascii() and text.isdigit() and len(text) <= 10:
                values[key] = int(text)
            else:
                errors[key] = "must be a whole number"
        if errors:
            self.errors, self.message = errors, ""
            return
        if not values:
            self.errors, self.message = {}, "Nothing changed."
            return
        reason = form_text(form, "reason", 500)
        self.busy, self.errors, self.message = True, {}, ""
        yield

        def unit(session: Session, actor: UserOut | None) -> PlatformSettingsOut:
            return platform_settings.update_platform_settings(session, actor=actor, values=values, reason=reason)

        try:
            found = await self._db(unit)
        except DomainError as exc:
            self.busy = False
            self.errors, self.message = form_failure(exc)
            return
        self.busy = False
        self._take(found)
        yield rx.toast.success(f"Saved {len(values)} setting{'s' if len(values) != 1 else ''}. They apply from now on.")
