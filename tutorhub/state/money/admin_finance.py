"""Admin money pages: the finance overview (/admin/finance) with the money settings, payouts
(/admin/payouts: approve / reject with a note) and disputed lessons (/admin/disputes: refund in
full, in part, or release to the tutor).

Every handler hands the cookie's actor to a service that requires an admin (anybody else is
refused there and nothing changes); ids come back from the browser as text and are parsed and
looked up by the services.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.checkout import disputes
from tutorhub.services.checkout.disputes import DisputeCaseOut
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError
from tutorhub.services.money import finance, money_settings, payouts
from tutorhub.services.money.finance import FinanceOut
from tutorhub.services.money.money_settings import MoneySettingsOut
from tutorhub.services.money.payouts import PayoutOut
from tutorhub.services.rooms import presence
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.money.views import (
    DisputeRow,  # noqa: F401 - the disputes page names its rows' type from here
    PayoutRow,
    chart_point,
    decision_text,
    dispute_row,
    major,
    payout_row,
)


def _an_id(value: Any) -> bool:
    """A row id as the page sent it (an int within the database's range; not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _bucket_label(value: date, bucket: str) -> str:
    return value.strftime("%d %b") if bucket == "day" else "wk " + value.strftime("%d %b")


class AdminFinanceState(AppState):
    status: str = "loading"
    bucket: str = "day"  # day | week
    currencies: list[str] = []
    currency: str = "USD"
    gmv: str = ""
    revenue: str = ""
    escrow: str = ""
    payouts_pending: str = ""
    refunds: str = ""
    points: list[dict[str, Any]] = []
    commission_percent: str = "20"
    payout_minimum: str = ""
    refund_destination: str = "original"
    settings_errors: dict[str, str] = {}
    settings_message: str = ""
    busy: bool = False
    _totals: dict[str, dict[str, int]] = {}
    _series: list[dict[str, Any]] = []
    _minimum: int = 0

    def _forget(self) -> None:
        """Refused: nothing an earlier admin of this tab saw stays."""
        self._totals, self._series, self.points = {}, [], []

    async def _fetch(self) -> Any:
        bucket = self.bucket

        def unit(session: Session, actor: UserOut | None) -> tuple[FinanceOut, MoneySettingsOut]:
            overview = finance.finance_overview(session, actor=actor, bucket=bucket, days=30 if bucket == "day" else 84)
            return overview, money_settings.get_money_settings(session)

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        self._take(*found, bucket=bucket)
        self._show()
        self.status = "ready"
        return None

    def _take(self, overview: FinanceOut, rules: MoneySettingsOut, *, bucket: str) -> None:
        self._totals = {
            t.currency: {
                "gmv": t.gmv_minor,
                "revenue": t.revenue_minor,
                "escrow_outstanding": t.escrow_outstanding_minor,
                "payouts_pending": t.payouts_pending_minor,
                "refunds": t.refunds_minor,
            }
            for t in overview.totals
        }
        self._series = [
            {
                "label": _bucket_label(p.bucket_start, bucket),
                "currency": p.currency,
                "gmv": p.gmv_minor,
                "revenue": p.revenue_minor,
                "refunds": p.refunds_minor,
            }
            for p in overview.series
        ]
        self.currencies = sorted(self._totals) or ["USD"]
        if self.currency not in self.currencies:
            self.currency = self.currencies[0]
        self.commission_percent = str(rules.commission_percent)
        self.refund_destination = rules.refund_destination
        self._minimum = rules.payout_minimum_minor

    def _show(self) -> None:
        cur = self.currency
        t = self._totals.get(cur, {})
        self.gmv = format_money(t.get("gmv", 0), cur)
        self.revenue = format_money(t.get("revenue", 0), cur)
        self.escrow = format_money(t.get("escrow_outstanding", 0), cur)
        self.payouts_pending = format_money(t.get("payouts_pending", 0), cur)
        self.refunds = format_money(t.get("refunds", 0), cur)
        self.payout_minimum = format_money(self._minimum, cur)
        self.points = [
            chart_point(label=p["label"], a=major(p["gmv"], cur), b=major(p["revenue"], cur), c=major(p["refunds"], cur))
            for p in self._series
            if p["currency"] == cur
        ]

    async def load(self):
        self.status, self.bucket, self.settings_errors, self.settings_message = "loading", "day", {}, ""
        return await self._fetch()

    async def set_bucket(self, value: Any):
        if value in ("day", "week") and value != self.bucket:
            self.bucket = value
            return await self._fetch()
        return None

    def set_currency(self, value: Any):
        if isinstance(value, str) and value in self._totals:
            self.currency = value
            self._show()

    async def save_settings(self, form: Any):
        """The commission rate (whole percent) and where cancellation refunds go."""
        if self.busy:
            return
        percent = form_text(form, "commission_percent", 4).strip()
        destination = form_text(form, "refund_destination", 16)
        if not (percent.isascii() and percent.isdigit()) or not 0 <= int(percent) <= 100:
            self.settings_errors = {"commission_percent": "must be a whole number from 0 to 100"}
            return
        self.busy, self.settings_errors, self.settings_message = True, {}, ""
        yield

        def unit(session, actor):
            return money_settings.update_money_settings(
                session,
                actor=actor,
                commission_percent=int(percent),
                refund_destination=destination or None,
            )

        try:
            await self._db(unit)
        except DomainError as exc:
            self.busy = False
            self.settings_errors, self.settings_message = form_failure(exc)
            return
        self.busy = False
        yield rx.toast.success("Money settings saved. The new commission applies to lessons settled from now on.")
        yield await self._fetch()


CONFIRM_PAYOUT = {
    "approve": ("Approve and pay {amount} to {tutor}?",
                "{amount} leaves TutorHub now, through the payment provider, to {tutor}'s payout account."),
    "approve_manual": ("Mark {amount} to {tutor} as paid by hand?",
                       "Only if you have already sent {amount} to {tutor} outside TutorHub: it is recorded as paid "
                       "and nothing is sent."),
    "reject": ("Reject {tutor}'s payout of {amount}?", "The {amount} goes back to {tutor}'s earnings, with your note."),
}


class AdminPayoutsState(AppState):
    status: str = "loading"
    show: str = "requested"  # requested | all
    rows: list[PayoutRow] = []
    busy: int = 0
    # The decision waiting for the admin's confirmation (the dialog states amount and recipient).
    confirm_title: str = ""
    confirm_text: str = ""
    confirm_label: str = ""
    _pending: tuple[int, str] = (0, "")
    _notes: dict[int, str] = {}

    def _forget(self) -> None:
        self.rows = []

    async def _fetch(self) -> Any:
        wanted = None if self.show == "all" else "requested"

        def unit(session: Session, actor: UserOut | None) -> tuple[list[PayoutOut], str]:
            return payouts.list_payouts(session, actor=actor, status=wanted, page=1, per_page=50), self._zone_for(actor)

        ok, read = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return read
        found, zone = read
        self.rows = [payout_row(p, zone, with_tutor=True) for p in found]
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.show, self.busy = "loading", "requested", 0
        return await self._fetch()

    async def set_show(self, value: Any):
        if value in ("requested", "all"):
            self.show = value
            return await self._fetch()
        return None

    def set_note(self, payout_id: Any, value: Any):
        """Keep the note typed for one payout (sent with the decision)."""
        if _an_id(payout_id) and isinstance(value, str):
            if len(self._notes) < 200:
                self._notes[payout_id] = value[:500]

    def decide(self, payout_id: Any, decision: Any):
        """Approve (paid through the gateway, or marked paid by hand) or reject, with a note: first
        a confirmation stating the amount and who receives it (`confirm_decision` then acts)."""
        if not _an_id(payout_id) or self.busy or decision not in CONFIRM_PAYOUT:
            return None
        if decision == "reject" and not self._notes.get(payout_id, "").strip():
            return rx.toast.error("Say why the payout is rejected (the tutor sees the note).")
        row = next((r for r in self.rows if r.id == payout_id and r.status == "requested"), None)
        if row is None:
            return None
        title, text = CONFIRM_PAYOUT[decision]
        self.confirm_title = title.format(amount=row.amount, tutor=row.tutor or "the tutor")
        self.confirm_text = text.format(amount=row.amount, tutor=row.tutor or "the tutor")
        self.confirm_label = {"approve": "Approve and pay", "approve_manual": "Mark as paid", "reject": "Reject"}[decision]
        self._pending = (payout_id, decision)
        return None

    def cancel_confirm(self):
        self.confirm_title, self.confirm_text, self.confirm_label, self._pending = "", "", "", (0, "")

    async def confirm_decision(self):
        """The confirmed decision (the one staged by `decide`; the service re-checks everything)."""
        payout_id, decision = self._pending
        self.cancel_confirm()
        if not payout_id or self.busy:
            return
        note = self._notes.get(payout_id, "")
        self.busy = payout_id
        yield

        def unit(session, actor):
            if decision == "reject":
                return payouts.reject_payout(session, actor=actor, payout_id=payout_id, note=note)
            return payouts.approve_payout(
                session, actor=actor, payout_id=payout_id, note=note, mark_paid_manually=decision == "approve_manual"
            )

        try:
            await self._db(unit)
        except DomainError as exc:
            self.busy = 0
            yield rx.toast.error(exc.message)
            yield await self._fetch()
            return
        self.busy = 0
        self._notes.pop(payout_id, None)
        yield rx.toast.success("Payout rejected." if decision == "reject" else "Payout approved.")
        yield await self._fetch()


class AdminDisputesState(AppState):
    status: str = "loading"
    rows: list[DisputeRow] = []
    errors: dict[str, str] = {}
    busy: int = 0
    confirm_title: str = ""
    confirm_text: str = ""
    _pending: tuple[int, int, str] = (0, 0, "")  # booking id, refund percent, notes
    _typed: dict[int, dict[str, str]] = {}

    def _forget(self) -> None:
        self.rows = []

    async def _fetch(self) -> Any:
        def unit(session: Session, actor: UserOut | None) -> tuple[list[DisputeCaseOut], str, dict[int, str]]:
            cases, zone = disputes.list_dispute_cases(session, actor=actor)[:100], self._zone_for(actor)
            # The video room's join/leave evidence beside each case (issue 19).
            video = presence.room_evidence(session, actor=actor, booking_ids=[c.lesson.id for c in cases], zone=zone)
            return cases, zone, video

        ok, read = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return read
        found, zone, video = read
        self.rows = [dataclasses.replace(dispute_row(case, zone), video=video.get(case.lesson.id, ""))
                     for case in found]
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.errors, self.busy = "loading", {}, 0
        self.cancel_confirm()
        return await self._fetch()

    def cancel_confirm(self):
        self.confirm_title, self.confirm_text, self._pending = "", "", (0, 0, "")

    def set_field(self, booking_id: Any, name: Any, value: Any):
        """Keep the notes / partial percent typed for one dispute (sent with the decision)."""
        if _an_id(booking_id) and name in ("notes", "percent"):
            if isinstance(value, str) and len(self._typed) < 200:
                self._typed.setdefault(booking_id, {})[name] = value[:500]

    async def resolve(self, booking_id: Any, outcome: Any):
        """Refund in full (100), in part (the percent typed) or release to the tutor (0): first a
        confirmation stating what goes to whom (`confirm_resolve` then decides)."""
        if not _an_id(booking_id) or self.busy:
            return
        if outcome not in ("full", "partial", "release"):
            return
        typed = self._typed.get(booking_id, {})
        key = str(booking_id)
        # Only a partial refund needs the percent the admin typed ("release" is a 0% refund).
        percent_text = {"full": "100", "release": "0"}.get(outcome) or typed.get("percent", "").strip().rstrip("%")
        if outcome == "partial" and not (percent_text.isascii() and percent_text.isdigit() and 1 <= int(percent_text) <= 100):
            self.errors = {key: "Type the refund percent (1-100) for a partial refund."}
            return
        notes = typed.get("notes", "")
        self.errors = {}

        def quote(session, actor):
            return disputes.quote_dispute_decision(session, actor=actor, booking_id=booking_id,
                                                   refund_percent=int(percent_text))

        try:
            found = await self._db(quote, read_only=True)
        except DomainError as exc:
            _, message = form_failure(exc)
            self.errors = {key: message}
            return
        self.confirm_title, self.confirm_text = decision_text(found)
        self._pending = (booking_id, int(percent_text), notes)

    async def confirm_resolve(self):
        """The confirmed decision (staged by `resolve`; the service re-checks everything)."""
        booking_id, percent, notes = self._pending
        self.cancel_confirm()
        if not booking_id or self.busy:
            return
        key, percent_text = str(booking_id), str(percent)
        self.busy, self.errors = booking_id, {}
        yield

        def unit(session, actor):
            return disputes.resolve_dispute(
                session, actor=actor, booking_id=booking_id, refund_percent=int(percent_text), notes=notes
            )

        try:
            await self._db(unit)
        except DomainError as exc:
            self.busy = 0
            _, message = form_failure(exc)
            self.errors = {key: message}
            return
        self.busy = 0
        self._typed.pop(booking_id, None)
        yield rx.toast.success(f"Dispute resolved: {percent_text}% refunded to the student.")
        yield await self._fetch()
