"""Money over HTTP: wallet, top-up, paying a booking, payments and receipts, tutor earnings and
payouts, admin payouts / finance / money settings. Each route parses, calls one service inside a
unit of work and returns its data; errors are {"detail": ...} (402 when funds are short)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import PlainTextResponse, Response

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import (
    PROMO_CODE,
    ErrorOut,
    MoneySettingsIn,
    StrictIn,
    currency,
    error_responses,
    query,
    required,
    rule,
)
from tutorhub.db import session_scope
from tutorhub.services.actor import require_role
from tutorhub.services.billing import wallet
from tutorhub.services.billing.wallet import TopupOut, WalletOut
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.checkout.lesson_payments import PayOut
from tutorhub.services.money import earnings, finance, money_settings, payment_history, payments, payouts
from tutorhub.services.money.earnings import EarningsOut
from tutorhub.services.money.finance import FinanceOut
from tutorhub.services.money.money_settings import MoneySettingsOut
from tutorhub.services.money.payment_history import PaymentHistory
from tutorhub.services.money.payouts import PayoutOut
from tutorhub.services.validation import fail

router = APIRouter(prefix="/api/v1", tags=["money"])

_PAY = {
    **error_responses(401, 403, 404, 409, 422),
    402: {"model": ErrorOut, "description": "Insufficient wallet balance or credits"},
    502: {"model": ErrorOut, "description": "The payment provider refused or could not be reached"},
}
_READ = error_responses(401, 403, 404, 422)
_ADMIN = error_responses(401, 403, 404, 409, 422, e403="Not an admin")
Json = Annotated[dict[str, Any], Body()]
_AMOUNT = {"maximum": payments.MAX_AMOUNT_MINOR}


class TopupIn(StrictIn):
    amount_minor: int = required(minimum=wallet.MIN_TOPUP_MINOR, **_AMOUNT)
    currency: str = required(**currency())


class PayoutIn(StrictIn):
    amount_minor: int = required(minimum=1, **_AMOUNT, description="at least the payout minimum (admin setting)")
    currency: str = required(**currency())


class PayIn(StrictIn):
    method: Literal["gateway", "wallet", "credits"]
    promo_code: str | None = rule(**PROMO_CODE)


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise fail("body", "must be a JSON object")
    return data


@router.get("/wallet", response_model=WalletOut, responses=_READ)
def get_wallet(user: CurrentUser) -> WalletOut:
    """Balances per currency, credit minutes and credit lots (soonest expiry first)."""
    with session_scope(read_only=True) as session:
        return wallet.wallet_summary(session, actor=user)


@router.post("/wallet/topup", response_model=TopupOut, responses=_PAY)
def topup(user: CurrentUser, data: TopupIn) -> TopupOut:
    """Start a top-up: {"amount_minor", "currency"} → {"payment_id", "checkout_url"}."""
    with session_scope() as session:
        return wallet.start_topup(session, actor=user, amount_minor=data.amount_minor, currency=data.currency)


@router.post("/bookings/{booking_id}/pay", response_model=PayOut, response_model_exclude_none=True, responses=_PAY)
def pay(user: CurrentUser, booking_id: str, data: PayIn) -> PayOut:
    """{"method": "gateway"|"wallet"|"credits", "promo_code"?} → {"status", "checkout_url"?}."""
    with session_scope() as session:
        return lesson_payments.pay_booking(session, actor=user, booking_id=booking_id, method=data.method,
                                           promo_code=data.promo_code)


@router.get("/payments", response_model=PaymentHistory, responses=_READ)
def my_payments(user: CurrentUser, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> PaymentHistory:
    """The caller's payments (paged, newest first) and refunds."""
    with session_scope(read_only=True) as session:
        return payment_history.list_my_payments(session, actor=user, page=page, per_page=per_page)


@router.get("/payments/{reference}", response_model=payments.PaymentOut, responses=_READ)
def payment(user: CurrentUser, reference: str) -> payments.PaymentOut:
    with session_scope(read_only=True) as session:
        return payment_history.payment_status(session, actor=user, reference=reference)


@router.get("/payments/{reference}/receipt", response_class=PlainTextResponse, responses=_READ)
def payment_receipt(user: CurrentUser, reference: str) -> Response:
    with session_scope(read_only=True) as session:
        found = payment_history.receipt(session, actor=user, reference=reference)
    return Response(found.body, media_type=found.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{found.filename}"'})


@router.get("/tutors/me/earnings", response_model=EarningsOut, responses=_READ)
def my_earnings(user: CurrentUser) -> EarningsOut:
    with session_scope(read_only=True) as session:
        return earnings.tutor_earnings(session, actor=user)


@router.get("/tutors/me/statement", response_class=Response, responses={
    **_READ, 200: {"description": "The month's CSV (an attachment)", "content": {"text/csv": {}}}})
def my_statement(user: CurrentUser, month: Annotated[str, query(pattern="^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", description="like 2026-11")]) -> Response:
    with session_scope(read_only=True) as session:
        found = earnings.monthly_statement(session, actor=user, month=month)
    return Response(found.body, media_type=found.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{found.filename}"'})


@router.get("/tutors/me/payouts", response_model=list[PayoutOut], responses=_READ)
def my_payouts(user: CurrentUser, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> list[PayoutOut]:
    with session_scope(read_only=True) as session:
        return payouts.list_my_payouts(session, actor=user, page=page)


@router.post("/tutors/me/payouts", response_model=PayoutOut, status_code=201, responses=_PAY)
def request_payout(user: CurrentUser, data: PayoutIn) -> PayoutOut:
    """{"amount_minor", "currency"}: reserve that much of the available earnings for a payout."""
    with session_scope() as session:
        return payouts.request_payout(session, actor=user, amount_minor=data.amount_minor, currency=data.currency)


@router.get("/admin/payouts", response_model=list[PayoutOut], responses=_ADMIN)
def admin_payouts(user: CurrentUser, status: Annotated[str | None, Query(max_length=16)] = None,
                  page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> list[PayoutOut]:
    with session_scope(read_only=True) as session:
        return payouts.list_payouts(session, actor=user, status=status, page=page)


@router.post("/admin/payouts/{payout_id}/approve", response_model=PayoutOut, responses=_ADMIN)
def approve(user: CurrentUser, payout_id: int, data: Annotated[dict[str, Any] | None, Body()] = None) -> PayoutOut:
    """{"note"?, "mark_paid_manually"?: bool} — sends the payout through the gateway unless manual."""
    body = _body(data or {})
    with session_scope() as session:
        return payouts.approve_payout(session, actor=user, payout_id=payout_id, note=body.get("note", ""),
                                      mark_paid_manually=body.get("mark_paid_manually") is True)


@router.post("/admin/payouts/{payout_id}/reject", response_model=PayoutOut, responses=_ADMIN)
def reject(user: CurrentUser, payout_id: int, data: Json) -> PayoutOut:
    body = _body(data)
    with session_scope() as session:
        return payouts.reject_payout(session, actor=user, payout_id=payout_id, note=body.get("note", ""))


@router.get("/admin/finance", response_model=FinanceOut, responses=_ADMIN)
def admin_finance(user: CurrentUser, bucket: Annotated[str, Query(pattern="^(day|week)$")] = "day",
                  days: Annotated[int, Query(ge=1, le=366)] = 30) -> FinanceOut:
    with session_scope(read_only=True) as session:
        return finance.finance_overview(session, actor=user, bucket=bucket, days=days)


@router.get("/admin/money-settings", response_model=MoneySettingsOut, responses=_ADMIN)
def get_money_settings(user: CurrentUser) -> MoneySettingsOut:
    require_role(user, "admin")
    with session_scope(read_only=True) as session:
        return money_settings.get_money_settings(session)


@router.put("/admin/money-settings", response_model=MoneySettingsOut, responses=_ADMIN)
def put_money_settings(user: CurrentUser, data: MoneySettingsIn) -> MoneySettingsOut:
    """{"commission_percent"?, "refund_destination"? ("original"|"wallet"), "payout_minimum_minor"?}."""
    with session_scope() as session:
        return money_settings.update_money_settings(
            session, actor=user, commission_percent=data.commission_percent,
            refund_destination=data.refund_destination, payout_minimum_minor=data.payout_minimum_minor)
