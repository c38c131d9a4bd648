"""The sandbox gateway's hosted checkout: what the payer sees and what Pay / Fail / Cancel do.

Why through a signed webhook: the checkout page (and the test-only API that mirrors it) plays the
provider. Completing a charge builds the provider's event body, signs it with the sandbox secret
and hands it to `receive_webhook` — exactly what POST /api/v1/webhooks/sandbox does
(`webhooks.deliver_sandbox_event`) — so the sandbox exercises the same verification, dedup and
apply path as Stripe and Razorpay.

Anyone holding the link may press the buttons (like a real hosted checkout), so every call
validates the reference, only a pending charge changes, and pressing the same button twice
answers the same way without a second event.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from tutorhub.integrations.payments.base import EventKind
from tutorhub.models.base import utcnow
from tutorhub.models.gateways import SandboxCharge, SandboxKind, SandboxStatus
from tutorhub.models.money import Payment
from tutorhub.services.checkout.webhooks import deliver_sandbox_event
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.validation import fail
from tutorhub.settings import get_settings

_REFERENCE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_CARD_RE = re.compile(r"^[0-9]{12,19}$")
OUTCOMES = {"succeed": (SandboxStatus.SUCCEEDED, EventKind.PAYMENT_SUCCEEDED), "fail": (SandboxStatus.FAILED, EventKind.PAYMENT_FAILED)}


@dataclass(frozen=True)
class SandboxCheckoutView:
    reference: str
    amount_minor: int
    currency: str
    description: str
    mode: str
    status: str  # pending | succeeded | failed | abandoned | expired


@dataclass(frozen=True)
class SandboxCheckoutResult:
    reference: str
    status: str
    redirect_url: str


def _require_sandbox() -> None:
    if not get_settings().sandbox_payments:
        raise NotFound("The sandbox gateway is not enabled.")


def _charge(session: Session, reference: Any, *, lock: bool = False) -> SandboxCharge:
    if not isinstance(reference, str) or not _REFERENCE_RE.match(reference):
        raise NotFound("No such sandbox checkout.")
    query = select(SandboxCharge).where(SandboxCharge.reference == reference, SandboxCharge.kind == SandboxKind.PAYMENT)
    if lock:
        query = query.with_for_update()  # PostgreSQL: two clicks serialize here (SQLite: BEGIN IMMEDIATE)
    charge = session.exec(query).first()
    if charge is None:
        raise NotFound("No such sandbox checkout.")
    return charge


def _safe_redirect(url: str) -> str:
    """Only our own pages, as a same-site path (stored URLs are set server-side, but never trusted
    blindly; a path also works when the app is reached under another host than TUTORHUB_PUBLIC_URL)."""
    base = get_settings().public_url.rstrip("/")
    if url == base:
        return "/"
    if url.startswith(base + "/"):
        url = url[len(base):]
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


def _expired(session: Session, charge: SandboxCharge, now: datetime) -> bool:
    """The checkout's window (Payment.expires_at, the same instant its promo reservation lapses) is over."""
    ends = session.exec(select(Payment.expires_at).where(Payment.reference == charge.reference)).first()
    return ends is not None and ends <= now


def view_checkout(session: Session, *, reference: Any, now: datetime | None = None) -> SandboxCheckoutView:
    _require_sandbox()
    charge = _charge(session, reference)
    expired = charge.status == SandboxStatus.PENDING and _expired(session, charge, now or utcnow())
    return SandboxCheckoutView(
        reference=charge.reference or "",
        amount_minor=charge.amount_minor,
        currency=charge.currency,
        description=charge.description,
        mode=charge.mode,
        status="expired" if expired else charge.status,
    )


def sandbox_card_fingerprint(card_number: Any) -> str | None:
    """The sandbox's card fingerprint for a test card number the payer typed (spaces and dashes
    ignored): deterministic like a provider's (the same number → the same value), so the demo and
    tests can show several accounts paying with one card. No number → None (no fingerprint sent);
    anything but 12–19 digits is refused. The number itself is never stored."""
    if card_number is None or card_number == "":
        return None
    digits = re.sub(r"[\s-]", "", card_number) if isinstance(card_number, str) else ""
    if not _CARD_RE.match(digits):
        raise fail("card_number", "must be a test card number of 12 to 19 digits")
    return "sbx_fp_" + hashlib.sha256(f"tutorhub-sandbox-card:{digits}".encode()).hexdigest()[:24]


def complete_checkout(
    session: Session, *, reference: Any, outcome: Any, now: datetime, card_number: Any = None
) -> SandboxCheckoutResult:
    """Pay ("succeed") or decline ("fail") a pending sandbox charge, then deliver its webhook (with
    the fingerprint of the test card number typed on the page, when there is one)."""
    _require_sandbox()
    if outcome not in OUTCOMES:
        raise NotFound("Unknown sandbox outcome (use succeed or fail).")
    fingerprint = sandbox_card_fingerprint(card_number)
    target, kind = OUTCOMES[outcome]
    charge = _charge(session, reference, lock=True)
    if charge.status == SandboxStatus.PENDING and _expired(session, charge, now):
        # Like a provider's hosted page after its `expires_at`: nothing can be paid any more.
        charge.status = SandboxStatus.ABANDONED
        charge.completed_at = now
        session.add(charge)
        session.flush()
        deliver_sandbox_event(session, charge, EventKind.PAYMENT_FAILED, now=now, extra={"reason": "expired"})
        return SandboxCheckoutResult(charge.reference or "", "expired", _safe_redirect(charge.success_url))
    if charge.status == SandboxStatus.PENDING:
        charge.status = target
        charge.completed_at = now
        session.add(charge)
        session.flush()
        deliver_sandbox_event(session, charge, kind, now=now,
                              extra={"card_fingerprint": fingerprint} if fingerprint else None)
    elif charge.status != target:
        raise Conflict(f"This sandbox checkout is already {charge.status}.")
    return SandboxCheckoutResult(charge.reference or "", charge.status, _safe_redirect(charge.success_url))


def abandon_checkout(session: Session, *, reference: Any, now: datetime) -> SandboxCheckoutResult:
    """Cancel: the payer leaves. Like an expired hosted session, the payment attempt fails."""
    _require_sandbox()
    charge = _charge(session, reference, lock=True)
    if charge.status == SandboxStatus.PENDING:
        charge.status = SandboxStatus.ABANDONED
        charge.completed_at = now
        session.add(charge)
        session.flush()
        deliver_sandbox_event(session, charge, EventKind.PAYMENT_FAILED, now=now, extra={"reason": "abandoned"})
    return SandboxCheckoutResult(charge.reference or "", charge.status, _safe_redirect(charge.cancel_url or "/"))

