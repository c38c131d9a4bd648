"""The page a payment provider sends the payer back to (/pay/done?ref=pay_…).

The webhook that confirms the payment may land a moment after the browser comes back, so a
pending payment shows "processing" and is re-read every second for a little while (a background
task that re-reads through the service each time — the status shown is never taken from the
URL). Only the payer (or an admin) can read a payment; anybody else gets "not found".
"""

from __future__ import annotations

import asyncio

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.checkout import cancellations
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.money import payment_history
from tutorhub.services.money.payments import PaymentOut
from tutorhub.state.base import AppState
from tutorhub.state.money.views import PURPOSE_LABELS, money

POLL_SECONDS = 1.0
POLL_TRIES = 45
NEXT_STEP = {
    "booking": ("Go to the lesson", ""),
    "topup": ("Go to your wallet", "/wallet"),
    "minute_pack": ("Go to your wallet", "/wallet"),
    "subscription": ("Go to your wallet", "/wallet"),
    "lead_credits": ("Go to your earnings", "/earnings"),
}


class PayDoneState(AppState):
    status: str = "loading"  # loading | ready | notfound
    outcome: str = ""  # processing | succeeded | failed | cancelled | expired | refunded
    what: str = ""
    amount: str = ""
    reference: str = ""
    next_label: str = ""
    next_href: str = ""
    polling: bool = False

    def _ref(self) -> str:
        ref = self.router.url.query_parameters.get("ref", "") if self.router.url.query_parameters else ""
        return ref[:40] if isinstance(ref, str) else ""

    def _cancelled(self) -> bool:
        params = self.router.url.query_parameters or {}
        return params.get("cancelled", "") in ("1", "true")

    async def _read(self, ref: str) -> PaymentOut:
        return await self._db(lambda s, actor: payment_history.payment_status(s, actor=actor, reference=ref), read_only=True)

    async def _cancel(self, ref: str) -> PaymentOut:
        """Back through the cancel URL: the checkout is ended at the provider (cancellations.py)."""
        return await self._db(lambda s, actor: cancellations.cancel_checkout(s, actor=actor, reference=ref, now=utcnow()))

    def _show(self, payment: PaymentOut, cancelled: bool) -> None:
        status, purpose = payment.status, payment.purpose
        self.what = PURPOSE_LABELS.get(purpose, "Payment")
        self.amount = money(payment.amount_minor, payment.currency)
        self.reference = payment.reference
        label, href = NEXT_STEP.get(purpose, ("Go to your wallet", "/wallet"))
        if purpose == "booking":
            href = f"/lessons/{payment.booking_id}" if payment.booking_id else "/lessons"
        elif purpose == "minute_pack" and payment.metadata.get("for_student_id"):  # a guardian's, for a child
            label, href = "Back to my children", "/guardian"
        self.next_label, self.next_href = label, href
        lapsed = payment.expires_at is not None and payment.expires_at <= utcnow()
        if status == "pending" and lapsed:
            self.outcome = "expired"  # the window is over: the expiry job will say so too
        elif status == "pending":
            self.outcome = "cancelled" if cancelled else "processing"
        elif status in ("succeeded", "partially_refunded", "refunded", "disputed"):
            self.outcome = "succeeded" if status == "succeeded" else "refunded"
        elif status in ("cancelled", "expired"):
            self.outcome = status
        else:
            self.outcome = "failed"

    async def load(self):
        self.status, self.outcome, self.polling = "loading", "", False
        ref, cancelled = self._ref(), self._cancelled()
        if not ref:
            self.status = "notfound"
            return None
        try:
            payment = await (self._cancel(ref) if cancelled else self._read(ref))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError:
            self.status = "notfound"
            return None
        self._show(payment, cancelled)
        self.status = "ready"
        if self.outcome == "processing":
            return PayDoneState.watch
        return None

    @rx.event(background=True)
    async def watch(self):
        """Re-read a pending payment until the webhook has landed (or we stop waiting)."""
        async with self:
            if self.polling or self.outcome != "processing":
                return
            self.polling = True
            ref = self.reference
        for _ in range(POLL_TRIES):
            await asyncio.sleep(POLL_SECONDS)
            try:
                payment = await self._read(ref)
            except DomainError:
                break
            if payment.status != "pending":
                async with self:
                    if self.reference == ref:
                        self._show(payment, False)
                        self.polling = False
                return
        async with self:
            self.polling = False

    async def refresh(self):
        """The "Check again" button: one more read (and another short watch if still pending)."""
        ref = self.reference
        if not ref:
            return None
        try:
            payment = await self._read(ref)
        except DomainError:
            return None
        self._show(payment, False)
        if self.outcome == "processing":
            return PayDoneState.watch
        return None
