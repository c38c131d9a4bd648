"""The tutor's earnings page (/earnings): money held in escrow, available, paid out, commission
taken (cards per currency, a monthly chart), monthly statements, payout requests and history,
and lead credits.

Handlers pass the cookie's actor to the money services (tutor-only there: students, admins and
strangers are refused and nothing changes). Totals of other currencies stay backend-only until
the tutor switches to them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.billing import lead_credits
from tutorhub.services.billing.lead_credits import LeadCreditsOut, LeadPurchaseOut
from tutorhub.services.currency import (
    MoneyInputError,
    Rates,
    UnknownCurrency,
    convert_minor,
    format_money,
    load_rates,
    parse_major_units,
)
from tutorhub.services.errors import DomainError
from tutorhub.services.money import earnings, money_settings, payout_accounts, payouts
from tutorhub.services.money.earnings import EarningsOut, Statement
from tutorhub.services.money.money_settings import MoneySettingsOut
from tutorhub.services.money.payout_accounts import ConnectOut, PayoutAccountsOut
from tutorhub.services.money.payouts import PayoutOut
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.money.payout_account import ConnectOption, PayoutAccountRow, account_row, connect_options
from tutorhub.state.money.views import (
    PayoutRow,
    amount_errors,
    chart_point,
    download_document,
    major,
    money,
    payout_row,
)
from tutorhub.state.redirects import checkout_redirect

MONTHS_BACK = 12


def recent_months(today: date, count: int = MONTHS_BACK) -> list[str]:
    """'YYYY-MM' for this month and the `count - 1` before it, newest first."""
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


class EarningsState(AppState):
    status: str = "loading"  # loading | ready | forbidden
    currencies: list[str] = []
    currency: str = "USD"
    held: str = ""
    available: str = ""
    pending: str = ""
    paid_out: str = ""
    commission: str = ""
    earned: str = ""
    commission_percent: int = 20
    points: list[dict[str, Any]] = []
    months: list[str] = []
    payout_min: str = ""
    payout_errors: dict[str, str] = {}
    payout_message: str = ""
    payouts: list[PayoutRow] = []
    lead_balance: int = 0
    lead_price: str = ""
    lead_errors: dict[str, str] = {}
    lead_method: str = "gateway"  # gateway | earnings
    busy: str = ""
    payout_accounts: list[PayoutAccountRow] = []
    connect_options: list[ConnectOption] = []
    payout_verified: bool = False
    razorpay_available: bool = False
    account_errors: dict[str, str] = {}
    account_message: str = ""
    # Each figure also in the tutor's display currency ("≈ €123.40", by key: held, available,
    # paid_out, pending, commission, earned), "" when it is the figure's own currency. Shown only:
    # payouts and statements stay in the currency the money is in.
    display_currency: str = ""
    approx: dict[str, str] = {}
    _totals: dict[str, dict[str, int]] = {}
    _approx_minor: dict[str, dict[str, int]] = {}
    _series: list[dict[str, Any]] = []
    _lead_prices: dict[str, int] = {}
    _min_minor: int = 0

    async def _fetch(self) -> Any:
        def unit(
            session: Session, actor: UserOut | None
        ) -> tuple[EarningsOut, list[PayoutOut], LeadCreditsOut, MoneySettingsOut, str, PayoutAccountsOut, str,
                   Rates]:
            found = earnings.tutor_earnings(session, actor=actor)
            mine = payouts.list_my_payouts(session, actor=actor, page=1, per_page=50)
            leads = lead_credits.lead_summary(session, actor=actor)
            accounts = payout_accounts.my_payout_accounts(session, actor=actor)
            return (found, mine, leads, money_settings.get_money_settings(session), self._zone_for(actor), accounts,
                    self._currency_for(actor), load_rates(session))

        ok, read = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return read
        self._take(*read[:5])
        self._take_accounts(read[5])
        self._take_approx(read[6], read[7])
        self.months = recent_months(datetime.now(UTC).date())
        self._show_currency()
        self.status = "ready"
        return None

    def _take(
        self, found: EarningsOut, mine: list[PayoutOut], leads: LeadCreditsOut, rules: MoneySettingsOut, zone: str
    ) -> None:
        self._totals = {
            t.currency: {
                "held_in_escrow": t.held_in_escrow_minor,
                "available": t.available_minor,
                "payout_pending": t.payout_pending_minor,
                "paid_out": t.paid_out_minor,
                "commission": t.commission_minor,
                "earned": t.earned_minor,
            }
            for t in found.totals
        }
        self._series = [
            {
                "bucket": p.bucket_start.strftime("%b %Y"),
                "currency": p.currency,
                "earned": p.earned_minor,
                "commission": p.commission_minor,
            }
            for p in found.series
        ]
        self.currencies = sorted(self._totals) or ["USD"]
        if self.currency not in self.currencies:
            self.currency = self.currencies[0]
        self.commission_percent = rules.commission_percent
        self._min_minor = rules.payout_minimum_minor
        self.payouts = [payout_row(p, zone) for p in mine]
        self.lead_balance = leads.balance
        self._lead_prices = {p.currency: p.amount_minor for p in leads.prices}

    def _take_accounts(self, found: PayoutAccountsOut) -> None:
        self.payout_accounts = [account_row(a) for a in found.accounts]
        self.connect_options = connect_options(found.gateways, found.accounts)
        self.payout_verified = found.verified
        self.razorpay_available = "razorpay" in found.gateways and not any(
            a.gateway == "razorpay" and a.status == "verified" for a in found.accounts)

    def _take_approx(self, display: str, rates: Rates) -> None:
        """Every total converted once into the display currency (rates are read with the totals)."""
        self.display_currency = display
        self._approx_minor = {}
        for cur, totals in self._totals.items():
            if cur == display:
                continue
            try:
                self._approx_minor[cur] = {k: convert_minor(v, cur, display, rates) for k, v in totals.items()}
            except UnknownCurrency:
                continue

    def _show_currency(self) -> None:
        cur = self.currency
        t = self._totals.get(cur, {})
        shown = self._approx_minor.get(cur, {})
        keys = {"held": "held_in_escrow", "available": "available", "pending": "payout_pending",
                "paid_out": "paid_out", "commission": "commission", "earned": "earned"}
        self.approx = {name: f"≈ {format_money(shown[key], self.display_currency)}" if key in shown else ""
                       for name, key in keys.items()}
        self.held = format_money(t.get("held_in_escrow", 0), cur)
        self.available = format_money(t.get("available", 0), cur)
        self.pending = format_money(t.get("payout_pending", 0), cur)
        self.paid_out = format_money(t.get("paid_out", 0), cur)
        self.commission = format_money(t.get("commission", 0), cur)
        self.earned = format_money(t.get("earned", 0), cur)
        self.payout_min = format_money(self._min_minor, cur)
        self.points = [
            chart_point(label=p["bucket"], a=major(p["earned"], cur), b=major(p["commission"], cur))
            for p in self._series
            if p["currency"] == cur
        ]
        price = self._lead_prices.get(cur) or next(iter(self._lead_prices.values()), 0)
        lead_cur = cur if cur in self._lead_prices else next(iter(self._lead_prices), cur)
        self.lead_price = money(price, lead_cur) if price else ""

    def _forget(self) -> None:
        self._totals, self._series, self.points, self.payouts = {}, [], [], []
        self._approx_minor, self.approx = {}, {}
        self.payout_accounts, self.connect_options, self.payout_verified = [], [], False
        self.held = self.available = self.pending = self.paid_out = self.commission = self.earned = ""

    async def load(self):
        self.status, self.busy, self.payout_errors, self.payout_message, self.lead_errors = "loading", "", {}, "", {}
        self.account_errors, self.account_message = {}, ""
        self._forget()
        back = self.router.url.query_parameters.get("payout_account")
        if back == "refresh":  # Stripe's onboarding link expired or was used: a fresh one
            return await self._connect("stripe", None)
        if back == "return":  # back from Stripe's onboarding: ask Stripe how far it got
            await self._refresh_account("stripe")
        return await self._fetch()

    def set_currency(self, value: Any):
        if isinstance(value, str) and value in self._totals:
            self.currency = value
            self._show_currency()

    def set_lead_method(self, value: Any):
        if value in ("gateway", "earnings"):
            self.lead_method = value

    async def request_payout(self, form: Any):
        if self.busy:
            return
        currency = self.currency
        try:
            amount = parse_major_units(form_text(form, "amount", 40), currency, required=True)
        except MoneyInputError as exc:
            self.payout_errors, self.payout_message = {"amount": str(exc)}, ""
            return
        if amount is not None and amount < self._min_minor:
            self.payout_errors = {"amount": f"must be at least {self.payout_min}"}
            return
        self.busy, self.payout_errors, self.payout_message = "payout", {}, ""
        yield

        def unit(session, actor):
            return payouts.request_payout(session, actor=actor, amount_minor=amount, currency=currency)

        try:
            await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            errors, message = form_failure(exc)
            self.payout_errors = amount_errors(errors)
            if exc.status_code == 402:
                self.payout_errors = {"amount": f"is more than your available {self.available}"}
                message = ""
            self.payout_message = message if not self.payout_errors else ""
            return
        self.busy = ""
        yield rx.toast.success("Payout requested. An admin reviews it shortly.")
        yield await self._fetch()

    async def download_statement(self, form: Any):
        month = form_text(form, "month", 7)
        if month not in self.months:
            return rx.toast.error("Choose a month.")

        def unit(session: Session, actor: UserOut | None) -> Statement:
            return earnings.monthly_statement(session, actor=actor, month=month)

        return await download_document(self, unit)

    async def buy_leads(self, form: Any):
        if self.busy:
            return
        quantity = form_text(form, "quantity", 6).strip()
        if not (quantity.isascii() and quantity.isdigit()) or not 1 <= int(quantity) <= 1000:
            self.lead_errors = {"quantity": "must be a whole number from 1 to 1000"}
            return
        currency = self.currency if self.currency in self._lead_prices else next(iter(self._lead_prices), self.currency)
        method = self.lead_method
        self.busy, self.lead_errors = "leads", {}
        yield

        def unit(session: Session, actor: UserOut | None) -> LeadPurchaseOut:
            return lead_credits.buy_lead_credits(
                session, actor=actor, quantity=int(quantity), currency=currency, method=method
            )

        try:
            bought = await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            errors, message = form_failure(exc)
            self.lead_errors = errors or {"quantity": message}
            if exc.status_code == 402:
                self.lead_errors = {"quantity": "costs more than your available earnings"}
            return
        self.busy = ""
        if bought.checkout_url:
            yield checkout_redirect(bought.checkout_url)
            return
        yield rx.toast.success(f"Added {quantity} lead credits.")
        yield await self._fetch()

    async def _connect(self, gateway: str, details: dict[str, str] | None) -> Any:
        """Open or continue the account; Stripe's hosted onboarding is followed at once."""
        def unit(session: Session, actor: UserOut | None) -> ConnectOut:
            return payout_accounts.connect_payout_account(session, actor=actor, gateway=gateway, details=details)

        try:
            out = await self._db(unit)
        except DomainError as exc:
            self.busy = ""
            self.account_errors, self.account_message = form_failure(exc)
            return await self._fetch()
        self.busy = ""
        if out.onboarding_url:
            return checkout_redirect(out.onboarding_url)
        await self._fetch()
        return rx.toast.success("Payout account connected." if out.account.status == "verified"
                                else "Details sent: the provider is reviewing them.")

    async def _refresh_account(self, gateway: str) -> None:
        def unit(session: Session, actor: UserOut | None) -> Any:
            return payout_accounts.refresh_payout_account(session, actor=actor, gateway=gateway)

        try:
            await self._db(unit)
        except DomainError as exc:
            self.account_message = exc.message

    async def connect_payout(self, gateway: Any):
        """Stripe (hosted onboarding) or the sandbox (at once); the service checks the gateway."""
        if self.busy or not isinstance(gateway, str) or len(gateway) > 16:
            return
        self.busy, self.account_errors, self.account_message = "account", {}, ""
        yield
        yield await self._connect(gateway, None)

    async def connect_razorpay(self, form: Any):
        if self.busy:
            return
        fields = ("phone", "bank_account_number", "bank_ifsc", "street", "city", "state", "postal_code")
        details = {name: form_text(form, name, 100) for name in fields}
        self.busy, self.account_errors, self.account_message = "account", {}, ""
        yield
        yield await self._connect("razorpay", details)

    async def refresh_payout(self, gateway: Any):
        if self.busy or not isinstance(gateway, str) or len(gateway) > 16:
            return
        self.busy, self.account_message = "account", ""
        yield
        await self._refresh_account(gateway)
        self.busy = ""
        yield await self._fetch()
