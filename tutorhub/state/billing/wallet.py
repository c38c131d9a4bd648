"""The student's wallet page (/wallet): balances per currency, credit minutes and lots, top-up,
minute packs, subscription plans, and the paged list of payments and refunds with receipts.

Every handler resolves the actor from the cookie inside its unit of work and hands the typed
values to the money services, which authorize and validate (a tutor or a stranger gets refused
there). The browser only holds formatted rows of the viewer's own money; plan and pack codes
come back from the browser as text and are checked by the services against what is on offer.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.billing import credits, plan_options, plans, purchases, subscriptions, wallet
from tutorhub.services.billing.credits import CreditSummaryOut
from tutorhub.services.billing.plan_options import PlanOption
from tutorhub.services.billing.plans import PackOut
from tutorhub.services.billing.purchases import PurchaseOut
from tutorhub.services.billing.subscriptions import CheckoutOut, PlanChangeOut, SubscriptionOut
from tutorhub.services.billing.wallet import TopupOut, WalletOut
from tutorhub.services.checkout import renewals
from tutorhub.services.currency import CURRENCIES, MoneyInputError, Rates, load_rates, parse_major_units
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.money import payment_history, promos
from tutorhub.services.money.payment_history import PaymentHistory, Receipt
from tutorhub.services.money.promos import PromoQuoteOut
from tutorhub.services.paging import page_count
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.billing.subscription_text import subscription_summary
from tutorhub.state.money.views import (
    AmountRow,
    LotRow,
    PackRow,
    PaymentRow,
    PlanRow,
    amount_errors,
    charged,
    day,
    download_document,
    minutes_text,
    money,
    paid_for_you_row,
    payment_row,
    plan_rows,
    refund_row,
)
from tutorhub.state.redirects import checkout_redirect

PER_PAGE = 10
LOT_SOURCES = {"plan": "from your plan", "pack": "from a minute pack", "trial": "free trial", "admin": "granted"}
# What the page reads in one unit of work: wallet, credits, payments, plans, packs, subscription, zone.
WalletRead = tuple[
    WalletOut, CreditSummaryOut, PaymentHistory, list[PlanOption], list[PackOut], SubscriptionOut | None, str, str, Rates
]


class WalletState(AppState):
    status: str = "loading"  # loading | ready | forbidden
    balances: list[AmountRow] = []
    credits_total: str = "0 min"
    trial_available: bool = False
    pack_method: str = "gateway"  # gateway | wallet
    lots: list[LotRow] = []
    currency_options: list[str] = list(CURRENCIES)
    default_currency: str = "USD"
    topup_errors: dict[str, str] = {}
    topup_message: str = ""
    packs: list[PackRow] = []
    pack_errors: dict[str, str] = {}
    pack_message: str = ""
    promo_errors: dict[str, str] = {}
    promo_note: str = ""
    plans: list[PlanRow] = []
    has_sub: bool = False
    sub_text: str = ""
    sub_period_end: str = ""
    sub_cancel_at_end: bool = False
    sub_past_due: bool = False  # the last renewal payment failed (amber callout, "Pay now" when we can charge)
    sub_pay_now: bool = False
    payments: list[PaymentRow] = []
    refunds: list[PaymentRow] = []
    paid_for_you: list[PaymentRow] = []  # lessons a guardian paid for this student
    pay_page: int = 1
    pay_pages: int = 1
    busy: str = ""
    _pack: str = ""  # the pack picked in the form (checked by the service on purchase)
    _plan_currency: dict[str, str] = {}  # plan code → the currency its card is priced (and charged) in

    async def _fetch(self) -> Any:
        page = self.pay_page

        def unit(session: Session, actor: UserOut | None) -> WalletRead:
            return (
                wallet.wallet_summary(session, actor=actor),
                credits.my_credits(session, actor=actor),
                payment_history.list_my_payments(session, actor=actor, page=page, per_page=PER_PAGE),
                plan_options.plan_options(session, actor=actor),
                plans.list_packs(session),
                subscriptions.my_subscription(session, actor=actor),
                self._zone_for(actor),
                self._currency_for(actor),
                load_rates(session),
            )

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        view, mine, listing, options, packs, sub, zone, display, rates = found
        self._show(view, mine, listing, zone, display, rates)
        self._show_offer(options, packs, sub, zone, display, rates)
        self.status = "ready"
        return None

    def _forget(self) -> None:
        self.balances, self.lots, self.payments, self.packs, self.plans, self.refunds = [], [], [], [], [], []
        self.paid_for_you = []
        self.has_sub, self.sub_text, self.credits_total = False, "", "0 min"
        self.sub_past_due, self.sub_pay_now = False, False

    def _show(self, view: WalletOut, mine: CreditSummaryOut, listing: PaymentHistory, zone: str,
              display: str = "", rates: Rates | None = None) -> None:
        if not view.balances and listing.payments:  # no wallet yet: show it in the currency the student pays in
            self.default_currency = listing.payments[0].currency
        self.balances = [
            AmountRow(label=f"{b.currency} balance", amount=money(b.available_minor, b.currency), currency=b.currency)
            for b in view.balances
        ] or [AmountRow(label="Balance", amount=money(0, self.default_currency), currency=self.default_currency)]
        if view.balances:
            self.default_currency = view.balances[0].currency
        self.credits_total = minutes_text(mine.credits_minutes)
        self.trial_available = mine.trial_available
        self.lots = [
            LotRow(minutes=minutes_text(lot.minutes), expires=day(lot.expires_at, zone), source=LOT_SOURCES.get(lot.source, ""))
            for lot in mine.lots
        ]
        self.payments = [payment_row(p, zone, display, rates) for p in listing.payments]
        self.refunds = [refund_row(r, zone, display, rates) for r in listing.refunds][:50]
        self.paid_for_you = [paid_for_you_row(x, zone) for x in listing.paid_for_you][:50]
        self.pay_page = listing.page
        self.pay_pages = page_count(listing.total_payments, PER_PAGE)

    def _show_offer(
        self, options: list[PlanOption], pack_list: list[PackOut], sub: SubscriptionOut | None, zone: str,
        display: str = "", rates: Rates | None = None,
    ) -> None:
        self.packs = [
            PackRow(
                code=p.code,
                name=p.name,
                minutes=minutes_text(p.minutes),
                price=charged(p.price_minor, p.currency, display, rates),
                validity=f"{p.validity_days} days",
            )
            for p in pack_list
            if p.active
        ]
        # `sub` is the active subscription (my_subscription answers no other).
        # Priced in the currency the subscription is billed in (the price a change is decided on).
        # With no subscription: in the viewer's display currency when the plan has a price in it.
        rows = plan_rows(options, sub.currency if sub is not None else "", display, rates, self.default_currency)
        self._plan_currency = {r.code: r.currency for r in rows}
        self.plans = rows
        self.has_sub = sub is not None
        self.sub_past_due = sub is not None and sub.status == "past_due"
        self.sub_pay_now = self.sub_past_due and sub is not None and not sub.provider_billed
        if sub is None:
            self.sub_text, self.sub_period_end, self.sub_cancel_at_end = "", "", False
            return
        self.sub_period_end = day(sub.current_period_end, zone)
        self.sub_cancel_at_end = sub.cancel_at_period_end
        self.sub_text = subscription_summary(sub, zone, next_plan=next((r.name for r in rows if r.action == "next"), ""))

    async def load(self):
        self.status, self.busy, self.pay_page = "loading", "", 1
        self.topup_errors, self.topup_message, self.pack_errors, self.pack_message = {}, "", {}, ""
        self.promo_errors, self.promo_note, self._pack = {}, "", ""
        self._forget()
        return await self._fetch()

    async def go_page(self, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= self.pay_pages:
            return None
        self.pay_page = page
        return await self._fetch()

    async def topup(self, form: Any):
        """Start a wallet top-up and go to the payment page."""
        if self.busy:
            return
        currency = form_text(form, "currency", 8).upper()
        if currency not in CURRENCIES:
            self.topup_errors, self.topup_message = {"currency": "must be one of the listed currencies"}, ""
            return
        try:
            amount = parse_major_units(form_text(form, "amount", 40), currency, required=True)
        except MoneyInputError as exc:
            self.topup_errors, self.topup_message = {"amount": str(exc)}, ""
            return
        self.busy, self.topup_errors, self.topup_message = "topup", {}, ""
        yield

        def unit(session: Session, actor: UserOut | None) -> TopupOut:
            return wallet.start_topup(session, actor=actor, amount_minor=amount, currency=currency)

        try:
            started = await self._db(unit)
        except NotAuthenticated:
            self.busy = ""
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.busy = ""
            errors, message = form_failure(exc)
            self.topup_errors = amount_errors(errors)
            self.topup_message = message
            return
        self.busy = ""
        yield checkout_redirect(started.checkout_url)

    def pick_pack(self, code: Any):
        if isinstance(code, str) and len(code) <= 40 and any(p.code == code for p in self.packs):
            self._pack, self.pack_errors = code, {}

    def set_pack_method(self, value: Any):
        if value in ("gateway", "wallet"):
            self.pack_method = value

    def _picked_pack(self) -> PackRow | None:
        code = self._pack or (self.packs[0].code if len(self.packs) == 1 else "")
        return next((p for p in self.packs if p.code == code), None)

    async def check_promo(self, value: Any):
        """Inline check of a promo code against the picked pack: a note or an error under the field."""
        code = value.strip()[:promos.CODE_MAX_LEN] if isinstance(value, str) else ""
        self.promo_errors, self.promo_note = {}, ""
        pack = self._picked_pack()
        if not code or pack is None:
            return

        def unit(session: Session, actor: UserOut | None) -> PromoQuoteOut | None:
            found = next((p for p in plans.list_packs(session) if p.code == pack.code), None)
            if found is None:
                return None
            return promos.validate_promo(
                session, actor=actor, code=code, amount_minor=found.price_minor, currency=found.currency
            )

        try:
            quote = await self._db(unit, read_only=True)
        except DomainError as exc:
            errors, _ = form_failure(exc)
            self.promo_errors = {"promo_code": errors.get("promo_code") or errors.get("code") or exc.message}
            return
        if quote is not None:
            self.promo_note = (
                f"{money(quote.discount_minor, quote.currency)} off — you pay {money(quote.final_minor, quote.currency)}."
            )

    async def buy_pack(self, form: Any):
        if self.busy:
            return
        code = form_text(form, "pack", 40) or self._pack
        promo = form_text(form, "promo_code").strip()[:promos.CODE_MAX_LEN]
        method = self.pack_method
        if not code:
            self.pack_errors, self.pack_message = {"pack": "Choose a pack."}, ""
            return
        self.busy, self.pack_errors, self.pack_message = "pack", {}, ""
        yield

        def unit(session: Session, actor: UserOut | None) -> PurchaseOut:
            return purchases.buy_pack(
                session, actor=actor, pack_code=code, method=method, promo_code=promo or None
            )

        try:
            started = await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            errors, message = form_failure(exc)
            if "promo_code" in errors:
                self.promo_errors = {"promo_code": errors.pop("promo_code")}
            self.pack_errors, self.pack_message = errors, message
            return
        self.busy = ""
        if started.checkout_url:
            yield checkout_redirect(started.checkout_url)
            return
        self.promo_note, self._pack = "", ""
        yield rx.toast.success(f"Added {minutes_text(started.minutes)} of lesson credits.")
        yield await self._fetch()

    async def subscribe(self, code: Any):
        async for e in self._plan_action("subscribe", code):
            yield e

    async def change_plan(self, code: Any):
        async for e in self._plan_action("change", code):
            yield e

    async def _plan_action(self, kind: str, code: Any):
        if self.busy or not isinstance(code, str) or len(code) > 40:
            return
        currency = self._plan_currency.get(code) or self.default_currency  # the price the card showed
        self.busy = f"plan:{code}"
        yield

        def unit(session: Session, actor: UserOut | None) -> CheckoutOut | PlanChangeOut:
            if kind == "subscribe":
                return subscriptions.subscribe(session, actor=actor, plan_code=code, currency=currency)
            return subscriptions.change_plan(session, actor=actor, plan_code=code)

        try:
            result = await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            yield rx.toast.error(exc.message)
            return
        self.busy = ""
        if result.checkout_url:
            yield checkout_redirect(result.checkout_url)
            return
        if isinstance(result, PlanChangeOut) and result.kind == "downgrade":
            yield rx.toast.success("Your plan changes at your next renewal; nothing is charged now.")
        else:
            yield rx.toast.success("Your plan is updated.")
        yield await self._fetch()

    async def _run_action(self, busy: str, unit: Any, done: str):
        """One button press: mark it busy, run the service, then a toast and a fresh view (or the
        service's refusal as a toast, nothing changed)."""
        if self.busy:
            return
        self.busy = busy
        yield
        try:
            await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            yield rx.toast.error(exc.message)
            return
        self.busy = ""
        yield rx.toast.success(done)
        yield await self._fetch()

    async def pay_now(self):
        """Charge the saved card for a past-due renewal now (the service refuses anything else)."""
        if self.busy:
            return
        self.busy = "pay_now"
        yield

        def unit(session: Session, actor: UserOut | None) -> bool:
            return renewals.pay_past_due_now(session, actor=actor)

        try:
            paid = await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            yield rx.toast.error(exc.message)
            return
        self.busy = ""
        if paid:
            yield rx.toast.success("Paid: your plan is active again and this month's credits are added.")
        else:
            yield rx.toast.error("Your card was declined again. We'll retry as shown; you can also cancel.")
        yield await self._fetch()

    async def cancel_plan(self):
        def unit(session, actor):
            return subscriptions.cancel_subscription(session, actor=actor)

        async for e in self._run_action("cancel", unit, "Cancelled: your plan stays active until the end of the period."):
            yield e

    async def claim_trial(self):
        """The free tier: one trial credit, once per student (the service enforces "once")."""

        def unit(session, actor):
            return credits.claim_trial_credit(session, actor=actor)

        async for e in self._run_action("trial", unit, "Your free trial credit is ready to use."):
            yield e

    async def download_receipt(self, reference: Any):
        """The receipt of one of the viewer's own payments (the service refuses anybody else's)."""
        ref = reference[:40] if isinstance(reference, str) else ""

        def unit(session: Session, actor: UserOut | None) -> Receipt:
            return payment_history.receipt(session, actor=actor, reference=ref)

        return await download_document(self, unit)
