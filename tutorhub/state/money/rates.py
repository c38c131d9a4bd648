"""/admin/rates: the exchange rates prices are shown with (admins only). Setting a rate is one
service call (services/money/exchange_rates.set_rate), which checks the admin, validates the rate
and writes the audit entry; this state only parses the form and shows the result."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.services.errors import DomainError
from tutorhub.services.money import exchange_rates
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page

SOURCE_LABELS = {"default": "shipped default", "admin": "set by an admin", "feed": "rates feed"}


@dataclasses.dataclass
class RateRow:
    code: str = ""
    rate: str = ""
    when: str = ""
    source: str = ""


class AdminRatesState(AppState):
    status: str = "loading"
    rows: list[RateRow] = []
    errors: dict[str, str] = {}
    message: str = ""
    saving: bool = False
    form_key: int = 0

    def _forget(self) -> None:
        self.rows = []

    async def _fetch(self) -> Any:
        def unit(session, actor):
            return exchange_rates.list_rates(session, actor=actor), self._zone_for(actor)

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        rates, zone = found
        self.rows = [RateRow(code=r.code, rate=r.rate, source=SOURCE_LABELS.get(r.source, r.source),
                             when=format_local(r.set_at.isoformat(), zone) if r.set_at else "—") for r in rates]
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.errors, self.message, self.saving = "loading", {}, "", False
        return await self._fetch()

    async def save(self, form: dict):
        """Set one rate: 1 USD = `rate` units of `code`."""
        code, rate = form_text(form, "code", 8), form_text(form, "rate", 40)
        self.errors, self.message, self.saving = {}, "", True
        yield
        try:
            saved = await self._db(lambda s, actor: exchange_rates.set_rate(s, actor=actor, code=code, rate=rate))
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            self.saving = False
            return
        self.saving, self.form_key = False, self.form_key + 1
        yield rx.toast.success(f"1 USD = {saved.rate} {saved.code} saved.")
        yield await self._fetch()
