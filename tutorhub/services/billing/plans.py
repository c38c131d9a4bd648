"""Subscription plans and pay-as-you-go minute packs: the public catalogue and the admin's CRUD.

Plans have a monthly price per currency (one `plan_prices` row each) and grant `minutes_per_cycle`
every paid month. Packs are one price in one currency; their minutes live `validity_days` (default
365: a pack is bought up front, so it lasts a year, while plan minutes roll over only 60 days).
Nothing is ever deleted — deactivating hides a plan/pack from new buyers while existing subscriptions
and lots keep working.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.credits import MinutePack, Plan, PlanPrice
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.validation import check_fields, clean_int, clean_text, fail, validate_currency

_Item = TypeVar("_Item", Plan, MinutePack)

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


class PriceOut(BaseModel):
    currency: str
    amount_minor: int


class PlanOut(BaseModel):
    code: str
    name: str
    minutes_per_cycle: int
    prices: list[PriceOut]
    active: bool
    interval: str = "month"


class PackOut(BaseModel):
    code: str
    name: str
    minutes: int
    price_minor: int
    currency: str
    validity_days: int
    active: bool


def clean_code(value: Any, field: str = "code") -> str:
    text = clean_text(value, field, max_len=40, required=True).lower()
    if not _CODE_RE.match(text):
        raise fail(field, "use 2-40 lower-case letters, digits, - or _")
    return text


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise fail(field, "must be true or false")
    return value


def _prices(session: Session, plan_id: int) -> list[PriceOut]:
    rows = session.exec(select(PlanPrice).where(col(PlanPrice.plan_id) == plan_id).order_by(col(PlanPrice.currency))).all()
    return [PriceOut(currency=r.currency, amount_minor=r.amount_minor) for r in rows]


def plan_out(session: Session, plan: Plan) -> PlanOut:
    return PlanOut(code=plan.code, name=plan.name, minutes_per_cycle=plan.minutes_per_cycle,
                   prices=_prices(session, plan.id or 0), active=plan.active)


def pack_out(pack: MinutePack) -> PackOut:
    return PackOut(code=pack.code, name=pack.name, minutes=pack.minutes, price_minor=pack.price_minor,
                   currency=pack.currency, validity_days=pack.validity_days, active=pack.active)


def _by_code(session: Session, model: type[_Item], code: Any, *, field: str, missing: str, active_only: bool) -> _Item:
    """A plan or pack by its code as typed (case-insensitive); switched-off ones only for the admin."""
    text = clean_text(code, field, max_len=40, required=True).lower()
    row = session.exec(select(model).where(col(model.code) == text)).first()
    if row is None or (active_only and not row.active):
        raise NotFound(missing)
    return row


def get_plan(session: Session, code: Any, *, active_only: bool = True) -> Plan:
    return _by_code(session, Plan, code, field="plan_code", missing="No such plan.", active_only=active_only)


def plan_price(session: Session, plan: Plan, currency: str) -> int:
    row = session.exec(select(PlanPrice).where(col(PlanPrice.plan_id) == plan.id, col(PlanPrice.currency) == currency)).first()
    if row is None:  # the plan has no price in that currency: nothing to buy (404, the field says why)
        message = f"The plan is not offered in {currency}."
        raise NotFound(message, fields={"currency": message})
    return row.amount_minor


def get_pack(session: Session, code: Any, *, active_only: bool = True) -> MinutePack:
    return _by_code(session, MinutePack, code, field="pack_code", missing="No such minute pack.", active_only=active_only)


def list_plans(session: Session, *, currency: str | None = None) -> list[PlanOut]:
    """Active plans, cheapest first by minutes; with `currency`, only plans priced in it."""
    cur = validate_currency(currency) if currency else None
    out = []
    for plan in session.exec(select(Plan).where(col(Plan.active)).order_by(col(Plan.minutes_per_cycle), col(Plan.id))).all():
        item = plan_out(session, plan)
        if cur:
            item.prices = [p for p in item.prices if p.currency == cur]
            if not item.prices:
                continue
        out.append(item)
    return out


def list_packs(session: Session, *, currency: str | None = None) -> list[PackOut]:
    cur = validate_currency(currency) if currency else None
    query = select(MinutePack).where(col(MinutePack.active))
    if cur:
        query = query.where(col(MinutePack.currency) == cur)
    return [pack_out(p) for p in session.exec(query.order_by(col(MinutePack.currency), col(MinutePack.minutes))).all()]


def admin_list_plans(session: Session, *, actor: UserOut | None) -> list[PlanOut]:
    require_role(actor, "admin")
    return [plan_out(session, p) for p in session.exec(select(Plan).order_by(col(Plan.id))).all()]


def admin_list_packs(session: Session, *, actor: UserOut | None) -> list[PackOut]:
    require_role(actor, "admin")
    return [pack_out(p) for p in session.exec(select(MinutePack).order_by(col(MinutePack.id))).all()]


def _clean_prices(value: Any) -> dict[str, int]:
    if not isinstance(value, list) or not value or len(value) > 12:
        raise fail("prices", "give 1-12 prices as [{currency, amount_minor}]")
    prices: dict[str, int] = {}
    for item in value:
        if not isinstance(item, dict):
            raise fail("prices", "each price is {currency, amount_minor}")
        cur = validate_currency(item.get("currency"), "prices")
        if cur in prices:
            raise fail("prices", f"{cur} is listed twice")
        prices[cur] = clean_int(item.get("amount_minor"), "prices", minimum=1, maximum=10**9)
    return prices


def _new_item(actor: UserOut | None, data: Any, *checks: tuple[str, Callable[[], Any]]) -> dict[str, Any]:
    """What creating a plan or a pack shares: an admin, a body object, a code and a name, plus the
    kind's own fields `checks` (lambdas reading `data`); every field's problem is reported at once."""
    require_role(actor, "admin")
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    return check_fields((
        ("code", lambda: clean_code(data.get("code"))),
        ("name", lambda: clean_text(data.get("name"), "name", max_len=80, required=True)),
        *checks,
    ))


def create_plan(session: Session, *, actor: UserOut | None, data: dict[str, Any]) -> PlanOut:
    values = _new_item(
        actor, data,
        ("minutes_per_cycle", lambda: clean_int(data.get("minutes_per_cycle"), "minutes_per_cycle", minimum=15, maximum=100_000)),
        ("prices", lambda: _clean_prices(data.get("prices"))),
    )
    if session.exec(select(Plan.id).where(col(Plan.code) == values["code"])).first() is not None:
        raise Conflict("A plan with this code exists.", fields={"code": "already used"})
    plan = Plan(code=values["code"], name=values["name"], minutes_per_cycle=values["minutes_per_cycle"],
                active=_bool(data.get("active", True), "active"))
    session.add(plan)
    session.flush()
    for cur, amount in values["prices"].items():
        session.add(PlanPrice(plan_id=plan.id or 0, currency=cur, amount_minor=amount))
    session.flush()
    return plan_out(session, plan)


def _rename_or_switch(row: Plan | MinutePack, data: Any) -> None:
    """The edits plans and packs share: a new name, switched on or off (checks the body first)."""
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    if "name" in data:
        row.name = clean_text(data["name"], "name", max_len=80, required=True)
    if "active" in data:
        row.active = _bool(data["active"], "active")


def update_plan(session: Session, *, actor: UserOut | None, code: Any, data: dict[str, Any]) -> PlanOut:
    """Change name, active flag or prices (prices replace the list; existing subscriptions keep the
    price they started the cycle with). Minutes per cycle apply from each subscriber's next cycle."""
    require_role(actor, "admin")
    plan = get_plan(session, code, active_only=False)
    _rename_or_switch(plan, data)
    if "minutes_per_cycle" in data:
        plan.minutes_per_cycle = clean_int(data["minutes_per_cycle"], "minutes_per_cycle", minimum=15, maximum=100_000)
    if "prices" in data:
        prices = _clean_prices(data["prices"])
        for row in session.exec(select(PlanPrice).where(col(PlanPrice.plan_id) == plan.id)).all():
            session.delete(row)
        session.flush()
        for cur, amount in prices.items():
            session.add(PlanPrice(plan_id=plan.id or 0, currency=cur, amount_minor=amount))
    session.add(plan)
    session.flush()
    return plan_out(session, plan)


def create_pack(session: Session, *, actor: UserOut | None, data: dict[str, Any]) -> PackOut:
    values = _new_item(
        actor, data,
        ("minutes", lambda: clean_int(data.get("minutes"), "minutes", minimum=15, maximum=100_000)),
        ("price_minor", lambda: clean_int(data.get("price_minor"), "price_minor", minimum=1, maximum=10**9)),
        ("currency", lambda: validate_currency(data.get("currency"))),
        ("validity_days", lambda: clean_int(data.get("validity_days", 365), "validity_days", minimum=1, maximum=3650)),
        ("active", lambda: _bool(data.get("active", True), "active")),
    )
    if session.exec(select(MinutePack.id).where(col(MinutePack.code) == values["code"])).first() is not None:
        raise Conflict("A pack with this code exists.", fields={"code": "already used"})
    pack = MinutePack(**values)
    session.add(pack)
    session.flush()
    return pack_out(pack)


def update_pack(session: Session, *, actor: UserOut | None, code: Any, data: dict[str, Any]) -> PackOut:
    """Change a pack for future buyers (lots already granted keep their minutes and expiry)."""
    require_role(actor, "admin")
    pack = get_pack(session, code, active_only=False)
    _rename_or_switch(pack, data)
    if "minutes" in data:
        pack.minutes = clean_int(data["minutes"], "minutes", minimum=15, maximum=100_000)
    if "price_minor" in data:
        pack.price_minor = clean_int(data["price_minor"], "price_minor", minimum=1, maximum=10**9)
    if "currency" in data:
        pack.currency = validate_currency(data["currency"])
    if "validity_days" in data:
        pack.validity_days = clean_int(data["validity_days"], "validity_days", minimum=1, maximum=3650)
    session.add(pack)
    session.flush()
    return pack_out(pack)
