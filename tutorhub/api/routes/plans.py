"""Credits, plans, minute packs, promo codes and lead credits — student/tutor actions and the admin's CRUD.

Routes parse, call one service in a unit of work and return its plain data; the services decide who
may do what (students buy packs and subscribe, tutors buy lead credits, admins manage the catalogue).
Insufficient wallet / earnings / credits is 402.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import (
    PROMO_CODE,
    StrictIn,
    currency,
    error_responses,
    one_of,
    required,
    rule,
    text_rule,
)
from tutorhub.db import session_scope
from tutorhub.services.billing import credits, lead_credits, plans, subscriptions
from tutorhub.services.billing import purchases as credit_purchases
from tutorhub.services.billing.credits import CreditSummaryOut
from tutorhub.services.billing.lead_credits import LeadCreditsOut, LeadPurchaseOut
from tutorhub.services.billing.plans import PackOut, PlanOut
from tutorhub.services.billing.purchases import PurchaseOut
from tutorhub.services.billing.subscriptions import CheckoutOut, PlanChangeOut, SubscriptionOut
from tutorhub.services.currency import CURRENCIES
from tutorhub.services.money import promos
from tutorhub.services.money.promos import PromoOut, PromoQuoteOut

router = APIRouter(prefix="/api/v1", tags=["credits & plans"])
admin_router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_STUDENT = error_responses(401, 403, 404, 409, 422, e403="Not a student",
                           e404="No such plan, or the plan is not offered in that currency (`fields` says which)")
_BUY = error_responses(401, 403, 404, 409, 422, e403="Not allowed for this role")
_BUY[402] = {"description": "Not enough wallet balance / earnings"}
_ADMIN = error_responses(401, 403, 404, 409, 422, e403="Not an admin")


_PLAN_CODE = text_rule(40, required=True)


class SubscribeIn(StrictIn):
    plan_code: str = required(**_PLAN_CODE)
    currency: str = required(**currency())


class ChangePlanIn(StrictIn):
    plan_code: str = required(**_PLAN_CODE)


class BuyPackIn(StrictIn):
    method: str = Field(default="gateway", json_schema_extra=one_of(credit_purchases.METHODS))
    promo_code: str | None = rule(**PROMO_CODE)


class PromoValidateIn(StrictIn):
    code: str = required(**PROMO_CODE, minLength=3)
    amount_minor: int = required(minimum=1, maximum=10**9)
    currency: str = required(**currency())


class LeadBuyIn(StrictIn):
    quantity: int = required(minimum=1, maximum=lead_credits.MAX_QUANTITY)
    currency: str = required(**one_of(lead_credits.LEAD_PRICE_MINOR))
    method: str = Field(default="gateway", json_schema_extra=one_of(["gateway", "earnings"]))


class PriceIn(StrictIn):
    currency: str
    amount_minor: int


class PlanIn(StrictIn):
    code: str | None = None
    name: str | None = None
    minutes_per_cycle: int | None = None
    prices: list[PriceIn] | None = None
    active: bool | None = None


class PackIn(StrictIn):
    code: str | None = None
    name: str | None = None
    minutes: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    validity_days: int | None = None
    active: bool | None = None


class PromoIn(StrictIn):
    code: str | None = None
    kind: str | None = None
    percent: int | None = None
    amount_minor: int | None = None
    currency: str | None = None
    min_amount_minor: int | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    max_redemptions: int | None = None
    active: bool | None = None


def _data(body: StrictIn) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


_CURRENCY_FILTER = Query(description="Only prices in this currency", json_schema_extra=one_of(CURRENCIES, blank=True))


@router.get("/plans", response_model=list[PlanOut])
def list_plans(currency: Annotated[str | None, _CURRENCY_FILTER] = None) -> list[PlanOut]:
    """Active monthly plans (minutes per month, price per currency); public."""
    with session_scope(read_only=True) as session:
        return plans.list_plans(session, currency=currency)


@router.get("/packs", response_model=list[PackOut])
def list_packs(currency: Annotated[str | None, _CURRENCY_FILTER] = None) -> list[PackOut]:
    """Active pay-as-you-go minute packs; public."""
    with session_scope(read_only=True) as session:
        return plans.list_packs(session, currency=currency)


@router.get("/credits", response_model=CreditSummaryOut, responses=_STUDENT)
def my_credits(user: CurrentUser) -> CreditSummaryOut:
    """Usable credit minutes and their lots (soonest expiry first), and whether the trial credit is unclaimed."""
    with session_scope(read_only=True) as session:
        return credits.my_credits(session, actor=user)


@router.post("/credits/trial", response_model=CreditSummaryOut, responses=_STUDENT)
def claim_trial(user: CurrentUser) -> CreditSummaryOut:
    """The free tier: one 60-minute trial credit per student, ever (repeat calls change nothing)."""
    with session_scope() as session:
        return credits.claim_trial_credit(session, actor=user)


@router.post("/packs/{code}/buy", response_model=PurchaseOut, responses=_BUY)
def buy_pack(user: CurrentUser, code: str, body: Annotated[BuyPackIn | None, Body()] = None) -> PurchaseOut:
    """Buy a pack: `method` "gateway" → pay at `checkout_url`; "wallet" → paid and granted now (402 if short)."""
    body = body or BuyPackIn()
    with session_scope() as session:
        return credit_purchases.buy_pack(session, actor=user, pack_code=code, method=body.method, promo_code=body.promo_code)


@router.post("/promos/validate", response_model=PromoQuoteOut,
             responses=error_responses(401, 404, 422, e404="Unknown promo code",
                                       e422="Invalid input, or the code does not apply (expired, used up, "
                                            "another currency, below its minimum; `fields.promo_code` says why)"))
def validate_promo(user: CurrentUser, body: PromoValidateIn) -> PromoQuoteOut:
    """What a promo code would take off an amount for the caller (nothing is reserved)."""
    with session_scope(read_only=True) as session:
        return promos.validate_promo(session, actor=user, code=body.code, amount_minor=body.amount_minor,
                                     currency=body.currency)


@router.get("/subscription", response_model=SubscriptionOut | None, responses=_STUDENT)
def my_subscription(user: CurrentUser) -> SubscriptionOut | None:
    with session_scope(read_only=True) as session:
        return subscriptions.my_subscription(session, actor=user)


@router.post("/subscription", response_model=CheckoutOut, responses=_STUDENT)
def subscribe(user: CurrentUser, body: SubscribeIn) -> CheckoutOut:
    """Start a monthly plan: pay the first month at `checkout_url`; minutes are granted when it succeeds."""
    with session_scope() as session:
        return subscriptions.subscribe(session, actor=user, plan_code=body.plan_code, currency=body.currency)


@router.post("/subscription/change", response_model=PlanChangeOut, responses=_STUDENT)
def change_plan(user: CurrentUser, body: ChangePlanIn) -> PlanChangeOut:
    """Upgrade: prorated charge now (pay at `checkout_url`) and prorated minutes; downgrade: at renewal."""
    with session_scope() as session:
        return subscriptions.change_plan(session, actor=user, plan_code=body.plan_code)


@router.post("/subscription/cancel", response_model=SubscriptionOut, responses=_STUDENT)
def cancel_subscription(user: CurrentUser) -> SubscriptionOut:
    """Cancel at the end of the paid period (minutes already granted stay)."""
    with session_scope() as session:
        return subscriptions.cancel_subscription(session, actor=user)


@router.get("/lead-credits", response_model=LeadCreditsOut, responses=error_responses(401, 403, e403="Not a tutor"))
def lead_summary(user: CurrentUser) -> LeadCreditsOut:
    with session_scope(read_only=True) as session:
        return lead_credits.lead_summary(session, actor=user)


@router.post("/lead-credits/buy", response_model=LeadPurchaseOut, responses=_BUY)
def buy_leads(user: CurrentUser, body: LeadBuyIn) -> LeadPurchaseOut:
    """Buy lead credits through the gateway, or from available earnings (402 if they do not cover it)."""
    with session_scope() as session:
        return lead_credits.buy_lead_credits(session, actor=user, quantity=body.quantity, currency=body.currency,
                                             method=body.method)


def _admin_crud(item: str, plural: str, out: type, body_model: type, list_items: Callable[..., Any],
                create: Callable[..., Any], update: Callable[..., Any]) -> None:
    """Register the admin's list / create / patch routes for one catalogue kind (plans, packs, promos).

    The three kinds differ only in their models and service functions; the route functions keep the
    names they had when written out by hand, so the OpenAPI operation ids stay the same.
    """

    def list_all(user: CurrentUser) -> Any:
        with session_scope(read_only=True) as session:
            return list_items(session, actor=user)

    def create_one(user: CurrentUser, body: Any) -> Any:
        with session_scope() as session:
            return create(session, actor=user, data=_data(body))

    def update_one(user: CurrentUser, code: str, body: Any) -> Any:
        with session_scope() as session:
            return update(session, actor=user, code=code, data=_data(body))

    list_all.__name__ = f"admin_{plural}"
    list_all.__annotations__ = {"user": CurrentUser, "return": list[out]}  # type: ignore[valid-type]
    create_one.__name__ = f"create_{item}"
    create_one.__annotations__ = {"user": CurrentUser, "body": body_model, "return": out}
    update_one.__name__ = f"update_{item}"
    update_one.__annotations__ = {"user": CurrentUser, "code": str, "body": body_model, "return": out}
    admin_router.get(f"/{plural}", response_model=list[out], responses=_ADMIN)(list_all)  # type: ignore[valid-type]
    admin_router.post(f"/{plural}", response_model=out, status_code=201, responses=_ADMIN)(create_one)
    admin_router.patch(f"/{plural}/{{code}}", response_model=out, responses=_ADMIN)(update_one)


_admin_crud("plan", "plans", PlanOut, PlanIn, plans.admin_list_plans, plans.create_plan, plans.update_plan)
_admin_crud("pack", "packs", PackOut, PackIn, plans.admin_list_packs, plans.create_pack, plans.update_pack)
_admin_crud("promo", "promos", PromoOut, PromoIn, promos.list_promos, promos.create_promo, promos.update_promo)
