"""Tutor payout accounts: where a tutor's payouts are sent (Stripe Connect Express, Razorpay Route
linked account, or the sandbox's in development).

Why one account per (tutor, gateway): a payout goes back through the gateway that handles its
currency (INR → Razorpay, others → Stripe, the sandbox when no keys are set), and each provider
knows only its own accounts. A payout request and its approval need a *verified* account on that
gateway (`payout_destination`); marking a payout paid by hand needs none (the admin paid outside).

Status comes from the provider only: after the tutor's hosted onboarding (Stripe redirects back to
the earnings page, which refreshes it), when the tutor presses "refresh", and from webhooks
(Stripe `account.updated`, Razorpay `product.route.*`, verified like every webhook). A webhook
snapshot older than the one stored (`status_at`) is ignored, so delivery order does not matter.

Calls to the provider happen inside the caller's transaction: opening an account is idempotent at
Stripe (Idempotency-Key per tutor) and moves no money, so a rollback only leaves an unused account.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.integrations.payments import (
    AccountHolder,
    ConnectedAccount,
    GatewayError,
    GatewayEvent,
    PayoutAccounts,
    get_gateway,
    get_gateway_by_name,
)
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.payout_accounts import PayoutAccount, PayoutAccountStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, InvalidInput
from tutorhub.services.validation import clean_text, fail, fail_fields
from tutorhub.settings import get_settings

GATEWAY_LABELS = {"stripe": "Stripe", "razorpay": "Razorpay", "sandbox": "Sandbox (demo)"}
_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
_ACCOUNT_NUMBER = re.compile(r"^[0-9]{9,18}$")
_PIN = re.compile(r"^[1-9][0-9]{5}$")
_PHONE = re.compile(r"^\+?[0-9]{10,15}$")


class PayoutAccountOut(BaseModel):
    gateway: str
    gateway_label: str
    account_ref: str
    status: str  # pending | verified | restricted
    detail: str
    updated_at: datetime


class PayoutAccountsOut(BaseModel):
    accounts: list[PayoutAccountOut]
    gateways: list[str]  # the gateways this install can connect (configured ones)
    verified: bool  # at least one verified account


class ConnectOut(BaseModel):
    account: PayoutAccountOut
    onboarding_url: str | None  # Stripe's hosted onboarding; None when nothing is left to do there


def _out(row: PayoutAccount) -> PayoutAccountOut:
    return PayoutAccountOut(gateway=row.gateway, gateway_label=GATEWAY_LABELS.get(row.gateway, row.gateway),
                            account_ref=row.account_ref, status=row.status, detail=row.detail, updated_at=row.updated_at)


def _row(session: Session, user_id: int, gateway: str) -> PayoutAccount | None:
    return session.exec(select(PayoutAccount).where(col(PayoutAccount.user_id) == user_id,
                                                    col(PayoutAccount.gateway) == gateway)).first()


def payout_gateways(session: Session | None = None) -> list[str]:
    """The gateways payouts go through here: INR's and every other currency's (e.g. Razorpay and
    Stripe, or the sandbox for whichever has no keys). Only these accounts are worth connecting."""
    names: list[str] = []
    for currency in ("INR", "USD"):
        try:
            name = get_gateway(currency, session=session).name
        except GatewayError:
            continue
        if name not in names:
            names.append(name)
    return sorted(names)


def _adapter(session: Session, gateway: Any) -> tuple[str, PayoutAccounts]:
    usable = payout_gateways(session)
    if not isinstance(gateway, str) or gateway not in GATEWAY_LABELS:
        raise fail("gateway", f"must be one of: {', '.join(GATEWAY_LABELS)}")
    if gateway not in usable:  # a real provider, but payouts do not go through it on this install
        raise Conflict(f"{GATEWAY_LABELS[gateway]} payouts are not set up here; connect "
                       f"{' or '.join(GATEWAY_LABELS[g] for g in usable) or 'nothing (no gateway is configured)'}.")
    try:
        adapter = get_gateway_by_name(gateway, session=session)
    except GatewayError as exc:
        raise Conflict(str(exc)) from exc
    if not isinstance(adapter, PayoutAccounts):
        raise Conflict(f"{gateway} cannot hold payout accounts.")
    return gateway, adapter


def my_payout_accounts(session: Session, *, actor: UserOut | None) -> PayoutAccountsOut:
    """The signed-in tutor's accounts (only their own: there is no id to ask for another's)."""
    user = require_role(actor, Role.TUTOR)
    rows = session.exec(select(PayoutAccount).where(col(PayoutAccount.user_id) == user.id)
                        .order_by(col(PayoutAccount.gateway))).all()
    return PayoutAccountsOut(accounts=[_out(r) for r in rows], gateways=payout_gateways(session),
                             verified=any(r.status == PayoutAccountStatus.VERIFIED for r in rows))


def _holder(user: UserOut, gateway: str, details: Any) -> AccountHolder:
    """Who the account is for; Razorpay also needs the bank account and address (validated here)."""
    if gateway != "razorpay":
        return AccountHolder(user_id=user.id, email=user.email or "", name=user.full_name, phone=user.phone or "")
    data = details if isinstance(details, dict) else {}
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    checks = (("phone", _PHONE, "a phone number of 10–15 digits"), ("bank_account_number", _ACCOUNT_NUMBER, "9–18 digits"),
              ("bank_ifsc", _IFSC, "an IFSC like HDFC0001234"), ("postal_code", _PIN, "a 6-digit PIN code"))
    for field, pattern, wanted in checks:
        raw = data.get(field, user.phone if field == "phone" else "")
        value = raw.strip().upper().replace(" ", "") if isinstance(raw, str) else ""
        if not pattern.match(value):
            errors[field] = f"must be {wanted}"
        values[field] = value
    for field in ("street", "city", "state"):
        try:
            values[field] = clean_text(data.get(field), field, max_len=100, required=True)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise fail_fields(errors)
    return AccountHolder(user_id=user.id, email=user.email or "", name=user.full_name, **values)


def _return_urls() -> tuple[str, str]:
    base = get_settings().public_url
    return f"{base}/earnings?payout_account=return", f"{base}/earnings?payout_account=refresh"


def _store(session: Session, row: PayoutAccount, found: ConnectedAccount, now: datetime) -> None:
    row.status = found.status if found.status in PayoutAccountStatus.ALL else PayoutAccountStatus.PENDING
    row.detail, row.raw, row.status_at, row.updated_at = found.detail[:300], dict(found.raw), now, now
    row.product_ref = found.product_ref or row.product_ref
    session.add(row)
    session.flush()


def connect_payout_account(
    session: Session, *, actor: UserOut | None, gateway: Any, details: Any = None, now: datetime | None = None
) -> ConnectOut:
    """Open (or continue) the tutor's account on `gateway`: Stripe answers with a hosted onboarding
    link to send the tutor to; Razorpay and the sandbox finish here (no link)."""
    user = require_role(actor, Role.TUTOR)
    now = now or utcnow()
    name, adapter = _adapter(session, gateway)
    row = _row(session, user.id, name)
    try:
        if row is None:
            found = adapter.open_payout_account(_holder(user, name, details), idempotency_key=f"tutor-{user.id}-{name}")
            row = PayoutAccount(user_id=user.id, gateway=name, account_ref=found.account_ref[:64], created_at=now)
            _store(session, row, found, now)
        link = None
        if row.status != PayoutAccountStatus.VERIFIED:
            return_url, refresh_url = _return_urls()
            link = adapter.onboarding_url(account_ref=row.account_ref, return_url=return_url, refresh_url=refresh_url)
    except GatewayError as exc:
        raise Conflict(f"The payment provider could not open the account ({exc}). Try again later.") from exc
    return ConnectOut(account=_out(row), onboarding_url=link)


def refresh_payout_account(
    session: Session, *, actor: UserOut | None, gateway: Any, now: datetime | None = None
) -> PayoutAccountOut:
    """Ask the provider for the account's current state (after onboarding, or when the tutor asks)."""
    user = require_role(actor, Role.TUTOR)
    name, adapter = _adapter(session, gateway)
    row = _row(session, user.id, name)
    if row is None:
        raise Conflict("Connect a payout account first.")
    try:
        found = adapter.fetch_payout_account(account_ref=row.account_ref, product_ref=row.product_ref)
    except GatewayError as exc:
        raise Conflict(f"The payment provider did not answer ({exc}). Try again later.") from exc
    _store(session, row, found, now or utcnow())
    return _out(row)


def apply_account_event(session: Session, event: GatewayEvent) -> None:
    """A verified account.updated (Stripe) / product.route.* (Razorpay): the newest snapshot wins."""
    row = session.exec(select(PayoutAccount).where(col(PayoutAccount.gateway) == event.gateway,
                                                   col(PayoutAccount.account_ref) == str(event.gateway_ref or ""))).first()
    # Providers stamp events in whole seconds: a snapshot from the same second as ours counts as newer.
    if row is None or (row.status_at is not None and event.occurred_at < row.status_at.replace(microsecond=0)):
        return
    data = event.data or {}
    found = ConnectedAccount(account_ref=row.account_ref, status=str(data.get("status") or row.status),
                             detail=str(data.get("detail") or ""), raw=row.raw)
    _store(session, row, found, event.occurred_at)


def payout_gateway_for(session: Session, currency: str) -> str:
    """The gateway a payout in `currency` would go through now."""
    try:
        return get_gateway(currency, session=session).name
    except GatewayError as exc:
        raise Conflict(f"No payment provider can pay out {currency} here ({exc}).") from exc


def payout_destination(session: Session, user_id: int, gateway: str) -> str:
    """The tutor's verified account id on `gateway`, or a Conflict that says what to do."""
    row = _row(session, user_id, gateway)
    if row is None or row.status != PayoutAccountStatus.VERIFIED:
        state = "has no payout account" if row is None else f"has a {row.status} payout account"
        raise Conflict(f"Connect a payout account first: the tutor {state} on {GATEWAY_LABELS.get(gateway, gateway)} "
                       "(Earnings → Payout account).")
    return row.account_ref


def verified_account_ref(session: Session, user_id: int, gateway: str) -> str:
    row = _row(session, user_id, gateway)
    return row.account_ref if row is not None and row.status == PayoutAccountStatus.VERIFIED else ""


def account_summary(session: Session, *, user_id: int, gateway: str, currency: str) -> tuple[str, str]:
    """(account id, status) for the admin's payout list: the account on the payout's gateway, or
    on the gateway its currency would use now (not decided yet); ("", "none") without one."""
    if not gateway or gateway == "manual":
        try:
            gateway = get_gateway(currency, session=session).name
        except GatewayError:
            return "", "none"
    row = _row(session, user_id, gateway)
    return (row.account_ref, row.status) if row is not None else ("", "none")
