"""Escrow per booking: refunds when a lesson is called off, transfer to a replacement lesson,
release to the tutor (minus commission) when it is settled. `run_money_jobs` is the one settlement
loop (the minutely `settle_money` job calls it); `settle_booking_money` is also called inline right
after a decision (services/checkout/disputes.py).

Money moves only once a booking's outcome is final (CANCELLED / DECLINED / EXPIRED / SETTLED),
so a no-show refund that a later dispute overturns never leaves the building early.

- refund_status DUE → refund `refund_percent` of what the student paid (to the original method
  through the gateway, or to the wallet, per the admin setting; wallet-paid lessons always go back
  to the wallet; a gateway that refuses falls back to the wallet so money is never stuck) and the
  same share of a promo discount back to platform:promotions; credit-paid lessons get their
  minutes back (`credit_spending.refund_booking_credits`, with their original expiry) →
  refund_status SETTLED.
- Never more than is still with us: a cancellation refund to the student is capped at
  paid − already refunded (ours and the provider's) − chargebacks not won (`_cap_to_refundable`).
  An OPEN chargeback counts as already returned: the bank has withdrawn that money and may give it
  to the student, so refunding it as well could pay them twice. The withheld share reimburses
  platform:disputes from the escrow (the tutor is not paid for a cancelled lesson either way). If
  the chargeback is later WON (the bank gives the money back to us), the withheld share goes to the
  student's wallet then (events._refund_withheld_after_win); if it is LOST, the bank's refund was
  the student's refund.
- External providers (Stripe, Razorpay): a refund to the original method is recorded as an intent
  in this transaction and sent to the provider after it commits (money/gateway_intents.py), so no
  HTTP call runs under the tutor's lock and a crash never refunds twice.
- TRANSFERRED → the whole escrow moves to the replacement booking's escrow.
- whatever is left in the escrow of a final booking → tutor earnings − commission, commission →
  platform revenue. For minutes: the minutes are consumed (→ platform:credit_issuance) and the
  tutor is paid the lesson price pro rata, funded by platform:credit_lessons.
Every posting has a per-booking idempotency key, so a job re-run or a race is a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.payments import GatewayError, get_gateway_by_name
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingStatus, RefundStatus
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Payment, Refund
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.billing import credit_spending
from tutorhub.services.booking.guard import lock_tutors
from tutorhub.services.booking.policy import round_div
from tutorhub.services.money import gateway_intents, ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payments import (
    clearing_account,
    disputed_outstanding,
    escrow_account,
    lock_payment,
    refresh_status,
    refunded_total,
    wallet_account,
)
from tutorhub.services.money.payouts import earnings_account

log = logging.getLogger(__name__)

FINAL = (BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.EXPIRED, BookingStatus.SETTLED)
WAITING = (RefundStatus.DUE, RefundStatus.PENDING_REPLACEMENT)


@dataclass
class Funding:
    payment: Payment | None  # the gateway payment behind this escrow (None: wallet / credits)
    student_paid: int
    promo: int
    payer_id: int | None = None  # whose money it was (a guardian may pay for a child's lesson)


def booking_escrow(session: Session, booking_id: int) -> dict[str, int]:
    """What the booking's escrow holds, per unit (zero units left out)."""
    return {u: v for u, v in ledger.balances(session, escrow_account(booking_id)).items() if v}


def funding_of(session: Session, booking: Booking) -> Funding:
    """Who paid this booking's escrow and how (follows transfers back to the original booking)."""
    seen: set[int] = set()
    current: Booking | None = booking
    while current is not None and current.id is not None and current.id not in seen:
        seen.add(current.id)
        txs = session.exec(
            select(LedgerTransaction).where(
                LedgerTransaction.booking_id == current.id,
                col(LedgerTransaction.kind).in_(["booking_payment", "wallet_spend"]),
            )
        ).all()
        if txs:
            tx = txs[0]
            rows = session.execute(
                select(LedgerAccount.code, LedgerEntry.amount)
                .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
                .where(LedgerEntry.transaction_id == tx.id)
            ).all()
            promo = sum(int(a) for code, a in rows if code == "platform:promotions")
            total = -sum(int(a) for code, a in rows if code.startswith("escrow:"))
            payment = session.get(Payment, tx.payment_id) if tx.payment_id else None
            return Funding(payment=payment, student_paid=total - promo, promo=promo, payer_id=tx.user_id)
        current = session.get(Booking, current.replaces_booking_id) if current.replaces_booking_id else None
    return Funding(payment=None, student_paid=0, promo=0)


def _tutor_user_id(session: Session, booking: Booking) -> int:
    user_id = session.exec(select(TutorProfile.user_id).where(TutorProfile.id == booking.tutor_id)).one()
    return int(user_id)


def _refund(session: Session, booking: Booking, now: datetime) -> None:
    assert booking.id is not None
    percent = booking.refund_percent
    held = booking_escrow(session, booking.id)
    if held.get("MIN", 0) > 0 and percent > 0:
        credit_spending.refund_booking_credits(session, booking_id=booking.id, percent=percent, now=now)
    available = held.get(booking.currency, 0)
    if available > 0 and percent > 0:
        funding = funding_of(session, booking)
        to_student = min(available, round_div(funding.student_paid * percent, 100))
        to_promo = min(available - to_student, round_div(funding.promo * percent, 100))
        _send_refund(session, booking, funding, to_student, to_promo, now)
    booking.refund_status = RefundStatus.SETTLED
    session.add(booking)
    session.flush()


def _send_refund(session: Session, booking: Booking, funding: Funding, amount: int, promo: int, now: datetime) -> None:
    assert booking.id is not None
    if amount + promo <= 0:
        return
    reference = f"rfd_b{booking.id}"
    if session.exec(select(Refund.id).where(Refund.reference == reference)).first() is not None:
        return
    payment = funding.payment
    withheld: list[Line] = []
    if payment is not None:
        # Serialize with this payment's webhooks (a refund.succeeded racing our own refund must
        # find our Refund row, not book the same money as an external refund), then never give
        # back more than is still with us: a refund made at the provider (dashboard) or a
        # chargeback already returned part of it to the payer.
        lock_payment(session, payment)
        amount, withheld = _cap_to_refundable(session, booking, payment, amount)
    destination = "wallet"
    gateway_ref = ""
    status = "succeeded"
    to_original = payment is not None and amount > 0 and get_money_settings(session).refund_destination == "original"
    if to_original and payment is not None and gateway_intents.is_external(payment.gateway):
        # Outside provider: record the intent now, call it after this transaction commits
        # (services/money/gateway_intents.py) — never an HTTP call under the tutor's lock.
        destination = "original"
    elif to_original and payment is not None:
        try:  # the sandbox writes its side in this same transaction: atomic with ours
            result = get_gateway_by_name(payment.gateway, session=session).refund(
                gateway_ref=payment.gateway_ref, amount_minor=amount, currency=booking.currency, idempotency_key=reference
            )
            destination, gateway_ref = "original", result.gateway_ref
            status = "succeeded" if result.status == "succeeded" else "pending"
        except GatewayError as exc:
            log.warning("refund %s to the original method failed (%s); crediting the wallet", reference, exc)
    payer = funding.payer_id or booking.student_id  # back to whoever paid: the student or their guardian
    target = clearing_account(payment.gateway) if destination == "original" and payment else wallet_account(payer)
    ledger.post(
        session, kind="refund", idempotency_key=f"refund:{reference}",
        lines=[Line(escrow_account(booking.id), amount + promo - sum(w.amount for w in withheld), booking.currency),
               Line(target, -amount, booking.currency), Line("platform:promotions", -promo, booking.currency), *withheld],
        memo=f"lesson {booking.id}: {booking.refund_percent}% refund to {destination}", user_id=booking.student_id,
        booking_id=booking.id, payment_id=payment.id if payment else None, now=now,
    )
    if amount <= 0:
        return
    reason = f"{booking.refund_percent}% refund"
    if destination == "original" and payment is not None and gateway_intents.is_external(payment.gateway):
        gateway_intents.record_refund_intent(session, payment=payment, reference=reference, amount_minor=amount,
                                             user_id=booking.student_id, booking_id=booking.id, reason=reason, now=now)
        return
    session.add(Refund(reference=reference, user_id=booking.student_id, payment_id=payment.id if payment else None,
                       booking_id=booking.id, amount_minor=amount, currency=booking.currency, destination=destination,
                       status=status, gateway_ref=gateway_ref[:120], reason=reason,
                       created_at=now, completed_at=now if status == "succeeded" else None))
    session.flush()
    if payment is not None:
        refresh_status(session, payment, now)


def _cap_to_refundable(session: Session, booking: Booking, payment: Payment, amount: int) -> tuple[int, list[Line]]:
    """(what may still go back to the payer, lines booking the rest of the student's share against
    the cost accounts that already paid it out: `refunds` for provider-side refunds,
    `platform:disputes` for chargebacks). Parts always sum to `amount`."""
    assert payment.id is not None
    refunded = refunded_total(session, payment.id)
    disputed = disputed_outstanding(session, payment)
    refundable = max(0, payment.amount_minor - refunded - disputed)
    if amount <= refundable:
        return amount, []
    over = amount - refundable
    to_refunds = min(over, refunded)
    lines = [Line("refunds", -to_refunds, booking.currency), Line("platform:disputes", -(over - to_refunds), booking.currency)]
    log.warning("refund for lesson %s capped at %s: %s already returned outside TutorHub", booking.id, refundable, over)
    return refundable, [line for line in lines if line.amount]


def _transfer(session: Session, booking: Booking, now: datetime) -> None:
    assert booking.id is not None
    new_id = session.exec(
        select(Booking.id).where(Booking.replaces_booking_id == booking.id).order_by(col(Booking.id).desc())
    ).first()
    held = booking_escrow(session, booking.id)
    if new_id is None or not held:
        return
    lines = []
    for unit, amount in held.items():
        lines += [Line(escrow_account(booking.id), amount, unit), Line(escrow_account(new_id), -amount, unit)]
    ledger.post(session, kind="transfer", idempotency_key=f"transfer:booking:{booking.id}", lines=lines,
                memo=f"lesson {booking.id} → replacement {new_id}", user_id=booking.student_id, booking_id=new_id, now=now)


def _credited_minutes(session: Session, booking_id: int) -> int:
    total = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .where(LedgerAccount.code == escrow_account(booking_id), LedgerEntry.unit == "MIN", LedgerEntry.amount < 0)
    ).scalar_one()
    return -int(total)


def _release(session: Session, booking: Booking, now: datetime) -> None:
    assert booking.id is not None
    held = booking_escrow(session, booking.id)
    if not held:
        return
    percent = get_money_settings(session).commission_percent
    tutor = earnings_account(_tutor_user_id(session, booking))
    for unit, amount in held.items():
        if amount <= 0:
            continue
        if unit == "MIN":
            spent = _credited_minutes(session, booking.id)
            money = round_div(booking.price_minor * amount, spent) if spent else 0
            fee = round_div(money * percent, 100)
            lines = [Line(escrow_account(booking.id), amount, "MIN"), Line("platform:credit_issuance", -amount, "MIN"),
                     Line("platform:credit_lessons", money, booking.currency), Line(tutor, -(money - fee), booking.currency),
                     Line("platform:revenue", -fee, booking.currency)]
        else:
            fee = round_div(amount * percent, 100)
            lines = [Line(escrow_account(booking.id), amount, unit), Line(tutor, -(amount - fee), unit),
                     Line("platform:revenue", -fee, unit)]
        ledger.post(session, kind="release", idempotency_key=f"release:booking:{booking.id}:{unit}", lines=lines,
                    memo=f"lesson {booking.id} settled ({percent}% commission)", user_id=booking.student_id,
                    booking_id=booking.id, now=now)


def settle_booking_money(session: Session, *, booking_id: int, now: datetime | None = None) -> None:
    """Do whatever money step this booking's state calls for (idempotent)."""
    now = now or utcnow()
    booking = session.get(Booking, booking_id)
    if booking is None:
        return
    lock_tutors(session, [booking.tutor_id])
    session.refresh(booking)
    if booking.status not in FINAL:
        return
    if booking.refund_status == RefundStatus.DUE:
        _refund(session, booking, now)
    if booking.refund_status == RefundStatus.TRANSFERRED:
        _transfer(session, booking, now)
        return
    if booking.refund_status in WAITING:
        return
    _release(session, booking, now)


def bookings_needing_money(session: Session) -> list[int]:
    """Final bookings with a refund due or a non-empty escrow (small sets; both indexed paths)."""
    due = session.exec(
        select(Booking.id).where(Booking.refund_status == RefundStatus.DUE, col(Booking.status).in_(FINAL))
    ).all()
    codes = session.execute(
        select(LedgerAccount.code)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)  # type: ignore[arg-type]
        .where(LedgerAccount.kind == "escrow")
        .group_by(LedgerAccount.code, LedgerEntry.unit)
        .having(func.sum(LedgerEntry.amount) != 0)
    ).scalars().all()
    held = {int(code.rsplit(":", 1)[1]) for code in codes}
    final_held = session.exec(
        select(Booking.id).where(col(Booking.id).in_(held), col(Booking.status).in_(FINAL))
    ).all() if held else []
    return sorted({int(i) for i in due if i is not None} | {int(i) for i in final_held if i is not None})


def run_money_jobs(session: Session | None = None, *, now: datetime | None = None) -> int:
    """The settlement loop: refunds, transfers and releases for every final booking; returns how
    many bookings were settled. The minutely `settle_money` job calls it without a session.

    One unit of work per booking, so one booking's failure (a provider refusing a refund) never
    blocks the others and the next run retries it: without `session`, each booking gets its own
    committed unit of work (a refund sent to a gateway is recorded at once); with `session`, a
    savepoint of it (tests, or a caller already inside a unit of work)."""
    now = now or utcnow()
    if session is None:
        with session_scope(read_only=True) as reading:
            ids = bookings_needing_money(reading)
    else:
        ids = bookings_needing_money(session)
    done = 0
    for booking_id in ids:
        try:
            with _unit_for_one_booking(session) as unit:
                settle_booking_money(unit, booking_id=booking_id, now=now)
            done += 1
        except Exception:  # noqa: BLE001  (one booking's failure must not block the others; the next run retries)
            log.exception("money job: booking %s failed", booking_id)
    return done


@contextmanager
def _unit_for_one_booking(session: Session | None) -> Iterator[Session]:
    if session is None:
        with session_scope() as own:
            yield own
    else:
        with session.begin_nested():
            yield session
