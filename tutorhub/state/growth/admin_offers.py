"""Admin: special offers (/admin/offers) — an existing promo code with a banner text and who sees it
(new students, a subject, a city); switch one off and on. Rules: services/growth/offers.py."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.errors import DomainError
from tutorhub.services.growth import offers
from tutorhub.services.growth.offers import SpecialOfferOut
from tutorhub.services.money import promos
from tutorhub.state.base import AppState, form_checked, form_failure, form_text, read_for_page


@dataclasses.dataclass
class OfferRow:
    id: int = 0
    code: str = ""
    text: str = ""
    discount: str = ""
    audience: str = ""
    active: bool = True


def offer_row(o: SpecialOfferOut) -> OfferRow:
    who = ["new students" if o.new_students_only else "all students"]
    who += [f"subject {o.subject}"] if o.subject else []
    who += [f"in {o.city}"] if o.city else []
    return OfferRow(id=o.id, code=o.promo_code, text=o.banner_text, discount=o.discount_text,
                    audience=", ".join(who), active=o.active)


class AdminOffersState(AppState):
    status: str = "loading"
    offers: list[OfferRow] = []
    codes: list[str] = []  # active promo codes to choose from
    errors: dict[str, str] = {}
    message: str = ""
    busy: bool = False
    form_key: int = 0

    def _forget(self) -> None:
        self.offers, self.codes = [], []

    async def _fetch(self) -> Any:
        def unit(session, actor):
            return offers.list_offers(session, actor=actor), promos.list_promos(session, actor=actor)

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        rows, codes = found
        self.offers = [offer_row(o) for o in rows]
        self.codes = [p.code for p in codes if p.active]
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.errors, self.message, self.busy = "loading", {}, "", False
        return await self._fetch()

    async def create(self, form: Any):
        if self.busy:
            return
        data = {"promo_code": form_text(form, "promo_code", 40), "banner_text": form_text(form, "banner_text", 300),
                "new_students_only": form_checked(form, "new_students_only"),
                "subject": form_text(form, "subject", 80), "city": form_text(form, "city", 100)}
        self.busy = True
        yield
        now = utcnow()
        try:
            await self._db(lambda s, actor: offers.create_offer(s, actor=actor, data=data, now=now))
        except DomainError as exc:
            self.busy = False
            self.errors, self.message = form_failure(exc)
            return
        self.busy, self.errors, self.message = False, {}, ""
        self.form_key += 1
        yield rx.toast.success("Offer created.")
        yield await self._fetch()

    async def set_active(self, offer_id: Any, active: Any):
        if isinstance(offer_id, bool) or not isinstance(offer_id, int) or not isinstance(active, bool):
            return
        now = utcnow()
        try:
            await self._db(lambda s, actor: offers.set_offer_active(s, actor=actor, offer_id=offer_id, active=active,
                                                                    now=now))
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success("Offer shown." if active else "Offer hidden.")
        yield await self._fetch()
