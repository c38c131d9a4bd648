"""Paying for held lessons: card / UPI through the gateway, the wallet, or lesson credits, with
an optional promo code — one call to `lesson_payments.pay_for_lessons` (the same use case as the API). Mixed into the booking dialog's state (the held booking ids are
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

from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError
from tutorhub.services.money.promos import CODE_MAX_LEN
from tutorhub.state.base import AppState, form_failure, form_text
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.money.views import minutes_text
from tutorhub.state.redirects import checkout_redirect

METHODS = lesson_payments.METHODS
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
    # What the Pay button charges: the lessons' price, minus a promo code's discount once it was
    # checked (not with credits: minutes have no price to discount). `pay_list_total` is the price
    # before the discount, shown struck through beside it ("" when there is no discount).
    pay_total: str = ""
    pay_list_total: str = ""
    _pay_price_minor: int = 0
    _pay_currency: str = ""
    _pay_wallet_minor: int = 0
    _pay_discount_minor: int = 0

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
        self._pay_price_minor, self._pay_currency, self._pay_wallet_minor, self._pay_discount_minor = 0, "", 0, 0
        self.pay_total, self.pay_list_total = "", ""

    def _show_total(self) -> None:
        """The total and the wallet's sufficiency as they stand (method, discount)."""
        if not self._pay_currency:
            self.pay_total, self.pay_list_total = "", ""
            return
        discount = self._pay_discount_minor if self.pay_method != "credits" else 0
        due = max(0, self._pay_price_minor - discount)
        self.pay_total = format_money(due, self._pay_currency)
        self.pay_list_total = format_money(self._pay_price_minor, self._pay_currency) if discount else ""
        self.pay_wallet_ok = self._pay_wallet_minor >= due

    async def _load_pay_options(self) -> None:
        """The viewer's wallet balance in the lesson's currency and credit minutes."""
        ids = self._pay_booking_ids()
        if not ids:
            return

        def unit(session, actor):
            return lesson_payments.pay_options(session, actor=actor, booking_ids=ids)

        try:
            options = await self._db(unit, read_only=True)  # type: ignore[attr-defined]
        except DomainError:
            return
        self.pay_series = options.lessons > 1
        if self.pay_series and self.pay_method == "gateway":
            self.pay_method = "wallet"
        self.pay_wallet = options.wallet_note or f"{format_money(options.wallet_available_minor, options.currency)} available"
        self._pay_price_minor, self._pay_currency = options.price_minor, options.currency
        self._pay_wallet_minor = options.wallet_available_minor
        self._show_total()
        self.pay_credits = f"{minutes_text(options.credit_minutes)} available · needs {minutes_text(options.minutes_needed)}"
        self.pay_credits_ok = options.credit_minutes >= options.minutes_needed

    def set_pay_method(self, value: Any):
        if value in METHODS and not (value == "gateway" and self.pay_series) and not self.pay_busy:
            self.pay_method, self.pay_error = value, ""
            self._show_total()

    async def check_pay_promo(self, value: Any):
        """Inline check of a promo code against the lesson's price."""
        code = value.strip()[:CODE_MAX_LEN] if isinstance(value, str) else ""
        self.pay_promo_errors, self.pay_promo_note, self._pay_discount_minor = {}, "", 0
        self._show_total()
        ids = self._pay_booking_ids()
        if not code or not ids:
            return

        def unit(session, actor):
            return lesson_payments.quote_lessons_promo(session, actor=actor, booking_ids=ids, code=code)

        try:
            quote = await self._db(unit, read_only=True)  # type: ignore[attr-defined]
        except DomainError as exc:
            errors, _ = form_failure(exc)
            self.pay_promo_errors = {"promo_code": errors.get("promo_code") or errors.get("code") or exc.message}
            return
        self.pay_promo_note = (
            f"{format_money(quote.discount_minor, quote.currency)} off — "
            f"you pay {format_money(quote.final_minor, quote.currency)}."
        )
        if quote.currency == self._pay_currency:
            self._pay_discount_minor = quote.discount_minor
        self._show_total()

    async def pay(self, form: Any):
        """Pay the held booking(s) with the chosen method."""
        ids = self._pay_booking_ids()
        if self.pay_busy or not ids:
            return
        method = self.pay_method if self.pay_method in METHODS else "gateway"
        promo = form_text(form, "promo_code").strip()[:CODE_MAX_LEN] or None
        self.pay_busy, self.pay_error, self.pay_promo_errors = True, "", {}
        yield

        def unit(session, actor):
            return lesson_payments.pay_for_lessons(session, actor=actor, booking_ids=ids, method=method, promo_code=promo)

        try:
            paid = await self._db(unit)  # type: ignore[attr-defined]
        except DomainError as exc:
            self.pay_busy = False
            errors, message = form_failure(exc)
            if "promo_code" in errors:
                self.pay_promo_errors = {"promo_code": errors["promo_code"]}
            elif exc.status_code == 402:
                # The wallet's refusal says which balance can pay what (services/money/wallet_messages.py).
                self.pay_error = exc.message if method == "wallet" else INSUFFICIENT.get(method, exc.message)
            else:
                self.pay_error = errors.get("method") or message
            await self._load_pay_options()
            yield
            return
        self.pay_busy = False
        if paid.checkout_url:
            yield checkout_redirect(paid.checkout_url)
            return
        yield self._pay_after(paid.status)


class LessonPayState(PayMixin, AppState):
    """The pay box on the lesson page (/lessons/[booking_id]) of a held, unpaid booking."""

    pay_open: bool = False  # the viewer is the student and the booking waits for payment

    def _pay_booking_ids(self) -> list[Any]:
        return [self._route_tail(12)] if self.pay_open else []

    def _pay_after(self, status: str) -> Any:
        self.pay_open = False
        return [rx.toast.success("Paid — thank you!"), LessonChangeState.refresh]

    async def load(self):
        self._reset_pay()
        self.pay_open = False
        bid = self._route_tail(12)

        def unit(session, actor):
            detail = booking_queries.get_booking(session, actor=actor, booking_id=bid)
            return detail.status == "PENDING_PAYMENT" and detail.viewer_role == "student"

        try:
            self.pay_open = await self._db(unit, read_only=True)
        except DomainError:
            return
        if self.pay_open:
            await self._load_pay_options()
