"""Admin: what students can buy (/admin/catalog) — promo codes, monthly plans, minute packs:
create them and switch them off.

Prices are typed in major units and parsed here without floats (services/currency.py); every
other field is validated by the plans / promos services, which also require an admin.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.billing import plans
from tutorhub.services.billing.plans import PackOut, PlanOut
from tutorhub.services.currency import MoneyInputError, parse_major_units
from tutorhub.services.errors import DomainError
from tutorhub.services.money import promos
from tutorhub.services.money.promos import PromoOut
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.money.views import minutes_text, money


@dataclasses.dataclass
class CatalogRow:
    code: str = ""
    name: str = ""
    detail: str = ""
    price: str = ""
    active: bool = True


def promo_row(p: PromoOut) -> CatalogRow:
    off = f"{p.percent}% off" if p.kind == "percent" else f"{money(p.amount_minor, p.currency)} off"
    used = f"used {p.redemption_count}" + (f" of {p.max_redemptions}" if p.max_redemptions else "")
    return CatalogRow(code=p.code, name=off, detail=used, active=p.active)


def plan_row(p: PlanOut) -> CatalogRow:
    return CatalogRow(
        code=p.code,
        name=p.name,
        detail=minutes_text(p.minutes_per_cycle) + " / month",
        price=", ".join(money(x.amount_minor, x.currency) for x in p.prices),
        active=p.active,
    )


def pack_row(p: PackOut) -> CatalogRow:
    return CatalogRow(
        code=p.code,
        name=p.name,
        detail=f"{minutes_text(p.minutes)} · {p.validity_days} days",
        price=money(p.price_minor, p.currency),
        active=p.active,
    )


class AdminCatalogState(AppState):
    status: str = "loading"
    promos: list[CatalogRow] = []
    plans: list[CatalogRow] = []
    packs: list[CatalogRow] = []
    promo_errors: dict[str, str] = {}
    plan_errors: dict[str, str] = {}
    pack_errors: dict[str, str] = {}
    message: str = ""
    busy: str = ""

    def _forget(self) -> None:
        self.promos, self.plans, self.packs = [], [], []

    async def _fetch(self) -> Any:
        def unit(session: Session, actor: UserOut | None) -> tuple[list[PromoOut], list[PlanOut], list[PackOut]]:
            return (
                promos.list_promos(session, actor=actor),
                plans.admin_list_plans(session, actor=actor),
                plans.admin_list_packs(session, actor=actor),
            )

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        promo_list, plan_list, pack_list = found
        self.promos = [promo_row(p) for p in promo_list]
        self.plans = [plan_row(p) for p in plan_list]
        self.packs = [pack_row(p) for p in pack_list]
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.busy, self.message = "loading", "", ""
        self.promo_errors, self.plan_errors, self.pack_errors = {}, {}, {}
        return await self._fetch()

    async def _save(self, what: str, call: Any, done: str):
        self.busy = what
        yield
        try:
            await self._db(call)
        except DomainError as exc:
            self.busy = ""
            errors, message = form_failure(exc)
            setattr(self, f"{what}_errors", errors or {"code": message})
            return
        self.busy = ""
        yield rx.toast.success(done)
        yield await self._fetch()

    @staticmethod
    def _price(form: Any, currency: str, errors: dict[str, str], field: str = "price") -> int | None:
        try:
            return parse_major_units(form_text(form, field, 40), currency or "USD", required=True)
        except MoneyInputError as exc:
            errors[field] = str(exc)
            return None

    async def create_promo(self, form: Any):
        kind = form_text(form, "kind", 10)
        currency = form_text(form, "currency", 3).upper()
        data: dict[str, Any] = {"code": form_text(form, "code", 40), "kind": kind}
        errors: dict[str, str] = {}
        if kind == "fixed":
            data["amount_minor"] = self._price(form, currency, errors, "amount")
            data["currency"] = currency
        else:
            data["percent"] = form_text(form, "percent", 4)
        cap = form_text(form, "max_redemptions", 9).strip()
        if cap:
            data["max_redemptions"] = cap
        self.promo_errors = errors
        if errors or self.busy:
            return
        async for e in self._save(
            "promo", lambda s, actor: promos.create_promo(s, actor=actor, data=data), "Promo code created."
        ):
            yield e

    async def create_plan(self, form: Any):
        currency = form_text(form, "currency", 3).upper()
        errors: dict[str, str] = {}
        amount = self._price(form, currency, errors)
        self.plan_errors = errors
        if errors or self.busy:
            return
        data = {
            "code": form_text(form, "code", 40),
            "name": form_text(form, "name", 80),
            "minutes_per_cycle": form_text(form, "minutes", 7),
            "prices": [{"currency": currency, "amount_minor": amount}],
        }
        async for e in self._save(
            "plan", lambda s, actor: plans.create_plan(s, actor=actor, data=data), "Plan created."
        ):
            yield e

    async def create_pack(self, form: Any):
        currency = form_text(form, "currency", 3).upper()
        errors: dict[str, str] = {}
        amount = self._price(form, currency, errors)
        self.pack_errors = errors
        if errors or self.busy:
            return
        data = {
            "code": form_text(form, "code", 40),
            "name": form_text(form, "name", 80),
            "minutes": form_text(form, "minutes", 7),
            "price_minor": amount,
            "currency": currency,
            "validity_days": form_text(form, "validity_days", 5) or 365,
        }
        async for e in self._save(
            "pack", lambda s, actor: plans.create_pack(s, actor=actor, data=data), "Minute pack created."
        ):
            yield e

    async def set_active(self, kind: Any, code: Any, active: Any):
        """Switch a promo code, plan or pack on or off (kept for history; never deleted)."""
        if kind not in ("promo", "plan", "pack") or not isinstance(code, str) or len(code) > 40:
            return
        if not isinstance(active, bool) or self.busy:
            return
        data = {"active": active}

        def unit(session, actor):
            if kind == "promo":
                return promos.update_promo(session, actor=actor, code=code, data=data)
            if kind == "plan":
                return plans.update_plan(session, actor=actor, code=code, data=data)
            return plans.update_pack(session, actor=actor, code=code, data=data)

        try:
            await self._db(unit)
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success("Switched on." if active else "Switched off.")
        yield await self._fetch()
