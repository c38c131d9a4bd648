"""Daily reconciliation: what each gateway says moved yesterday vs. what our books say.

Why: webhooks can be lost, misconfigured or forged-and-refused; a refund can succeed at the
provider while our call timed out. Comparing the provider's own list of movements
(`PaymentGateway.list_records`) with our payments / refunds / payouts and their ledger
transactions catches all of these within a day. Differences are stored as a report (one per
gateway and day; a re-run replaces it) and admins are notified.

Matching: payments by our reference (falling back to the provider id), refunds and payouts by the
provider id. Records near midnight are matched against a window widened by MARGIN on both sides,
so a payment the provider stamps 23:59:59 and we record 00:00:01 is not a difference; only
records whose own time falls inside the day are reported.

Problems: `missing_in_ledger` (the provider moved money we have no record of, or our record has
no ledger transaction), `missing_at_gateway` (we recorded money the provider does not list),
`amount_mismatch` (both exist, amounts or currencies differ).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.integrations.payments import GatewayError, GatewayRecord, configured_gateways, get_gateway_by_name
from tutorhub.models.accounts import Role, User
from tutorhub.models.gateways import ReconciliationItem, ReconciliationReport
from tutorhub.models.money import LedgerTransaction, Payment, PaymentStatus, Payout, PayoutStatus, Refund
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.validation import clean_id

log = logging.getLogger("tutorhub.reconciliation")
MARGIN = timedelta(hours=2)
CAPTURED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.DISPUTED)


@dataclass(frozen=True)
class OurRecord:
    kind: str
    gateway_ref: str
    reference: str | None
    amount_minor: int
    currency: str
    at: datetime
    in_ledger: bool


class ReportOut(BaseModel):
    id: int
    gateway: str
    day: date
    gateway_records: int
    ledger_records: int
    matched: int
    differences: int
    status: str
    error: str
    created_at: datetime


class ItemOut(BaseModel):
    problem: str
    kind: str
    gateway_ref: str
    reference: str | None
    gateway_amount_minor: int | None
    ledger_amount_minor: int | None
    currency: str


def _our_records(session: Session, gateway: str, since: datetime, until: datetime) -> list[OurRecord]:
    payments = session.exec(
        select(Payment).where(
            Payment.gateway == gateway, col(Payment.status).in_(CAPTURED),
            col(Payment.succeeded_at) >= since, col(Payment.succeeded_at) < until,
        )
    ).all()
    posted = {
        pid for pid in session.exec(
            select(LedgerTransaction.payment_id).where(
                col(LedgerTransaction.payment_id).in_([p.id for p in payments]),
                # the capture itself (a refund or chargeback posting does not put the payment in the books)
                col(LedgerTransaction.kind).in_(["topup", "booking_payment", "late_payment", "purchase"]),
            )
        ).all()
    } if payments else set()
    out = [OurRecord("payment", p.gateway_ref, p.reference, p.amount_minor, p.currency,
                     p.succeeded_at or p.created_at, p.id in posted) for p in payments]
    refunds = session.exec(
        select(Refund, Payment).join(Payment, col(Refund.payment_id) == col(Payment.id)).where(
            Payment.gateway == gateway, Refund.status == "succeeded", Refund.gateway_ref != "",
            col(Refund.completed_at) >= since, col(Refund.completed_at) < until,
        )
    ).all()
    out += [OurRecord("refund", r.gateway_ref, p.reference, r.amount_minor, r.currency, r.completed_at or r.created_at, True)
            for r, p in refunds]
    payouts = session.exec(
        select(Payout).where(Payout.gateway == gateway, Payout.status == PayoutStatus.PAID,
                             col(Payout.paid_at) >= since, col(Payout.paid_at) < until)
    ).all()
    out += [OurRecord("payout", p.gateway_ref, p.reference, p.amount_minor, p.currency, p.paid_at or p.created_at, True)
            for p in payouts]
    return out


def _key(kind: str, gateway_ref: str, reference: str | None) -> tuple[str, str]:
    return (kind, reference) if kind == "payment" and reference else (kind, gateway_ref)


def compare(theirs: list[GatewayRecord], ours: list[OurRecord], start: datetime, end: datetime) -> tuple[int, list[ReconciliationItem]]:
    """(matched count, difference items) for the day [start, end); both lists may overrun the day."""
    by_key: dict[tuple[str, str], OurRecord] = {}
    for rec in ours:
        by_key[_key(rec.kind, rec.gateway_ref, rec.reference)] = rec
        by_key.setdefault((rec.kind, rec.gateway_ref), rec)
    seen: set[int] = set()
    matched, items = 0, []
    for t in theirs:
        mine = by_key.get(_key(t.kind, t.gateway_ref, t.reference)) or by_key.get((t.kind, t.gateway_ref))
        if mine is not None:
            seen.add(id(mine))
        if not start <= t.created_at < end:
            continue
        if mine is None or not mine.in_ledger:
            items.append(ReconciliationItem(report_id=0, problem="missing_in_ledger", kind=t.kind, gateway_ref=t.gateway_ref,
                                            reference=t.reference, gateway_amount_minor=t.amount_minor,
                                            ledger_amount_minor=mine.amount_minor if mine else None, currency=t.currency))
        elif mine.amount_minor != t.amount_minor or mine.currency != t.currency:
            items.append(ReconciliationItem(report_id=0, problem="amount_mismatch", kind=t.kind, gateway_ref=t.gateway_ref,
                                            reference=t.reference, gateway_amount_minor=t.amount_minor,
                                            ledger_amount_minor=mine.amount_minor, currency=t.currency))
        else:
            matched += 1
    for mine in ours:
        if id(mine) not in seen and start <= mine.at < end:
            items.append(ReconciliationItem(report_id=0, problem="missing_at_gateway", kind=mine.kind, gateway_ref=mine.gateway_ref,
                                            reference=mine.reference, gateway_amount_minor=None,
                                            ledger_amount_minor=mine.amount_minor, currency=mine.currency))
    return matched, items


def reconcile_day(session: Session, *, gateway: str, day: date, now: datetime) -> ReportOut:
    """Build (or rebuild) the report of one gateway for one UTC day."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=1)
    report = session.exec(
        select(ReconciliationReport).where(ReconciliationReport.gateway == gateway, ReconciliationReport.day == day)
    ).first() or ReconciliationReport(gateway=gateway, day=day)
    if report.id is not None:
        for old in session.exec(select(ReconciliationItem).where(ReconciliationItem.report_id == report.id)).all():
            session.delete(old)
    ours = _our_records(session, gateway, start - MARGIN, end + MARGIN)
    report.created_at, report.error = now, ""
    items: list[ReconciliationItem] = []
    try:
        theirs = get_gateway_by_name(gateway, session=session).list_records(since=start - MARGIN, until=end + MARGIN)
        matched, items = compare(theirs, ours, start, end)
        report.gateway_records = sum(1 for t in theirs if start <= t.created_at < end)
        report.matched, report.differences = matched, len(items)
        report.status = "differences" if items else "ok"
    except GatewayError as exc:
        report.status, report.error, report.gateway_records, report.matched, report.differences = "error", str(exc)[:500], 0, 0, 0
    report.ledger_records = sum(1 for o in ours if start <= o.at < end)
    session.add(report)
    session.flush()
    for item in items:
        item.report_id = report.id or 0
        session.add(item)
    session.flush()
    return _report_out(report)


def _report_out(r: ReconciliationReport) -> ReportOut:
    return ReportOut(id=r.id or 0, gateway=r.gateway, day=r.day, gateway_records=r.gateway_records,
                     ledger_records=r.ledger_records, matched=r.matched, differences=r.differences, status=r.status,
                     error=r.error, created_at=r.created_at)


def _notify_admins(session: Session, reports: list[ReportOut], now: datetime) -> int:
    bad = [r for r in reports if r.status != "ok"]
    if not bad:
        return 0
    title = "Payment reconciliation found differences"
    body = "; ".join(f"{r.gateway} {r.day}: {r.differences} difference(s){' — ' + r.error if r.error else ''}" for r in bad)
    admins = session.exec(select(User).where(User.role == Role.ADMIN)).all()
    for admin in admins:
        notify(session, user_id=admin.id or 0, kind="payment", title=title, body=body, link="/admin/reconciliation", now=now)
    return len(admins)


def run_daily_reconciliation(session: Session, *, now: datetime) -> list[ReportOut]:
    """Yesterday (UTC) for every configured gateway; admins hear about any difference or error."""
    day = (now.astimezone(UTC) - timedelta(days=1)).date()
    reports = []
    for gateway in configured_gateways():
        with session.begin_nested():
            reports.append(reconcile_day(session, gateway=gateway, day=day, now=now))
    _notify_admins(session, reports, now)
    return reports


def list_reports(session: Session, *, actor: UserOut | None, limit: int = 60) -> list[ReportOut]:
    require_role(actor, Role.ADMIN)
    rows = session.exec(
        select(ReconciliationReport).order_by(col(ReconciliationReport.day).desc(), col(ReconciliationReport.gateway))
        .limit(max(1, min(limit, 200)))
    ).all()
    return [_report_out(r) for r in rows]


def report_items(session: Session, *, actor: UserOut | None, report_id: object) -> list[ItemOut]:
    require_role(actor, Role.ADMIN)
    report = clean_id(report_id, "No such reconciliation report.", maximum=2**31 - 1, text_ok=False)
    rows = session.exec(
        select(ReconciliationItem).where(ReconciliationItem.report_id == report).order_by(col(ReconciliationItem.id))
        .limit(500)
    ).all()
    return [ItemOut(problem=i.problem, kind=i.kind, gateway_ref=i.gateway_ref, reference=i.reference,
                    gateway_amount_minor=i.gateway_amount_minor, ledger_amount_minor=i.ledger_amount_minor,
                    currency=i.currency) for i in rows]
