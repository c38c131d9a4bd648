"""Paying for a held booking: card / UPI through the gateway, the wallet, or lesson credits, with
an optional promo code. Mixed into the booking dialog's state (the held booking ids are
backend-only there) and the lesson page's state (the booking id comes from the route).

What the browser sees: the price, the viewer's own wallet balance in the lesson's currency and
credit minutes, and messages. What it sends back: a method name (checked against the three)
and a promo code as text — the money services re-check the booking, the actor, the balance and
the code inside the unit of work that moves the money (InsufficientFunds / InsufficientCredits
are 402s: shown as a clear message, nothing changes).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.services.errors import DomainError
from tutorhub.state.base import AppState, form_failure, form_text
from tutorhub.state.checkout.redirects import checkout_redirect
from tutorhub.state.money.views import get, minutes_text, money

METHODS = ("gateway", "wallet", "credits")
INSUFFICIENT = {
    "wallet": "Your wallet balance is not enough for this lesson. Top up your wallet or pay by card.",
    "credits": "You do not have enough lesson credits for this lesson. Buy a minute pack or pay by card.",
}


class PayMixin(rx.State, mixin=True):
    pay_method: str = "gateway"
    pay_wallet: str = ""  # "$40 available"
    pay_credits: str = ""  # "1 h 30 min available · this lesson needs 1 h"
    pay_wallet_ok: bool = True
    pay_credits_ok: bool = True
    pay_promo_errors: dict[str, str] = {}
    pay_promo_note: str = ""
    pay_error: str = ""
    pay_busy: bool = False
    pay_series: bool = False  # several lessons held at once: wallet / credits only

    def _pay_booking_ids(self) -> list[Any]:
        """The booking(s) being paid (from backend-only state or the route, never from the browser)."""
        raise NotImplementedError

    def _pay_after(self, status: str) -> Any:
        """What to do once paid without leaving the page (the dialog's done step / a reload)."""
        return None

    def _reset_pay(self) -> None:
        self.pay_method, self.pay_error, self.pay_busy = "gateway", "", False
        self.pay_promo_errors, self.pay_promo_note = {}, ""
        self.pay_wallet, self.pay_credits, self.pay_wallet_ok, self.pay_credits_ok = "", "", True, True

    async def _load_pay_options(self) -> None:
        """The viewer's wallet balance in the lesson's currency and credit minutes."""
        ids = self._pay_booking_ids()
        if not ids:
            return

        def unit(session, actor):
            from tutorhub.services.billing import credits, wallet
            from tutorhub.services.booking import bookings

            lessons = [bookings.get_booking(session, actor=actor, booking_id=i) for i in ids]
            return lessons, wallet.wallet_summary(session, actor=actor), credits.my_credits(session, actor=actor)

        try:
            lessons, summary, mine = await self._db(unit, read_only=True)  # type: ignore[attr-defined]
        except DomainError:
            return
        currency = lessons[0].currency
        price = sum(b.price_minor for b in lessons)
        need = sum(b.duration_min for b in lessons)
        available = next(
            (int(get(b, "available_minor", 0)) for b in get(summary, "balances", []) or [] if get(b, "currency") == currency),
            0,
        )
        minutes = int(get(mine, "credits_minutes", 0) or 0)
        self.pay_series = len(lessons) > 1
        if self.pay_series and self.pay_method == "gateway":
            self.pay_method = "wallet"
        self.pay_wallet = f"{money(available, currency)} available"
        self.pay_wallet_ok = available >= price
        self.pay_credits = f"{minutes_text(minutes)} available · needs {minutes_text(need)}"
        self.pay_credits_ok = minutes >= need

    def set_pay_method(self, value: Any):
        if value in METHODS and not (value == "gateway" and self.pay_series) and not self.pay_busy:
            self.pay_method, self.pay_error = value, ""

    async def check_pay_promo(self, value: Any):
        """Inline check of a promo code against the lesson's price."""
        code = value.strip()[:32] if isinstance(value, str) else ""
        self.pay_promo_errors, self.pay_promo_note = {}, ""
        ids = self._pay_booking_ids()
        if not code or not ids:
            return

        def unit(session, actor):
            from tutorhub.services.booking import bookings
            from tutorhub.services.money import promos

            lesson = bookings.get_booking(session, actor=actor, booking_id=ids[0])
            return promos.validate_promo(
                session, actor=actor, code=code, amount_minor=lesson.price_minor, currency=lesson.currency
            )

        try:
            quote = await self._db(unit, read_only=True)  # type: ignore[attr-defined]
        except DomainError as exc:
            errors, _ = form_failure(exc)
            self.pay_promo_errors = {"promo_code": errors.get("promo_code") or errors.get("code") or exc.message}
            return
        currency = get(quote, "currency")
        self.pay_promo_note = (
            f"{money(get(quote, 'discount_minor'), currency)} off — you pay {money(get(quote, 'final_minor'), currency)}."
        )

    async def pay(self, form: Any):
        """Pay the held booking(s) with the chosen method."""
        ids = self._pay_booking_ids()
        if self.pay_busy or not ids:
            return
        method = self.pay_method if self.pay_method in METHODS else "gateway"
        if method == "gateway" and len(ids) > 1:
            self.pay_error = "Weekly lessons are paid from your wallet or credits."
            return
        promo = form_text(form, "promo_code", 40).strip() or None
        self.pay_busy, self.pay_error, self.pay_promo_errors = True, "", {}
        yield

        def unit(session, actor):
            from tutorhub.services.checkout import lesson_payments as booking_payments

            return [
                booking_payments.pay_booking(
                    session, actor=actor, booking_id=i, method=method, promo_code=promo if n == 0 else None
                )
                for n, i in enumerate(ids)
            ]

        try:
            paid = await self._db(unit)  # type: ignore[attr-defined]
        except DomainError as exc:
            self.pay_busy = False
            errors, message = form_failure(exc)
            if "promo_code" in errors:
                self.pay_promo_errors = {"promo_code": errors["promo_code"]}
            elif exc.status_code == 402:
                self.pay_error = INSUFFICIENT.get(method, exc.message)
            else:
                self.pay_error = message
            yield await self._refresh_pay_options()
            return
        self.pay_busy = False
        first = paid[0]
        url = get(first, "checkout_url") or ""
        if url:
            yield checkout_redirect(url)
            return
        yield self._pay_after(str(get(first, "status", "")))

    async def _refresh_pay_options(self) -> None:
        await self._load_pay_options()


class LessonPayState(PayMixin, AppState):
    """The pay box on the lesson page (/lessons/[booking_id]) of a held, unpaid booking."""

    pay_open: bool = False  # the viewer is the student and the booking waits for payment

    def _pay_booking_ids(self) -> list[Any]:
        return [self._route_tail(12)] if self.pay_open else []

    def _pay_after(self, status: str) -> Any:
        from tutorhub.state.booking.lesson_changes import LessonChangeState

        self.pay_open = False
        return [rx.toast.success("Paid — thank you!"), LessonChangeState.refresh]

    async def load(self):
        self._reset_pay()
        self.pay_open = False
        bid = self._route_tail(12)

        def unit(session, actor):
            from tutorhub.services.booking import bookings

            detail = bookings.get_booking(session, actor=actor, booking_id=bid)
            return detail.status == "PENDING_PAYMENT" and detail.viewer_role == "student"

        try:
            self.pay_open = await self._db(unit, read_only=True)
        except DomainError:
            return
        if self.pay_open:
            await self._load_pay_options()
