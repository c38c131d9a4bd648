"""Tutor payouts: request (reserves earnings), admin approves (gateway transfer or paid manually)
or rejects (earnings back). Every step is a ledger transaction with a per-payout key:

- request:  Dr tutor:{id}:earnings / Cr tutor:{id}:payout_hold   (never below zero: 402)
- paid:     Dr tutor:{id}:payout_hold / Cr gateway:{g}:clearing  (or payouts:manual when marked paid by hand)
- rejected / failed: Dr tutor:{id}:payout_hold / Cr tutor:{id}:earnings (a failure after "paid" first
  reverses the payout: Dr clearing / Cr payout_hold) — so the final ledger does not depend on the
  order of payout.paid / payout.failed events.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.db import lock_key, rows_matched, session_scope
from tutorhub.integrations.payments import (
    EventKind,
    GatewayError,
    GatewayEvent,
    GatewayRefused,
    IntentLookup,
    PayoutResult,
    get_gateway,
    get_gateway_by_name,
)
from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.money import Payout, PayoutStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.money import gateway_intents, ledger, payout_accounts
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payments import clean_money, clearing_account
from tutorhub.services.paging import page_number as _page
from tutorhub.services.validation import clean_id, clean_text, fail, fail_fields


class PayoutOut(BaseModel):
    id: int
    reference: str
    tutor_user_id: int
    tutor_name: str
    amount_minor: int
    currency: str
    status: str
    note: str
    created_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None
    destination: str = ""  # the tutor's account id at the provider (decided at approval)
    destination_status: str = "none"  # that account's status: pending | verified | restricted | none
    gateway: str = ""  # stripe | razorpay | sandbox | manual once approved


log = logging.getLogger(__name__)
SENDING = "(sending)"  # Payout.gateway_ref while a sender has claimed the intent (`send_payout`)


def earnings_account(user_id: int) -> str:
    return f"tutor:{user_id}:earnings"


def hold_account(user_id: int) -> str:
    return f"tutor:{user_id}:payout_hold"


def _out(session: Session, p: Payout) -> PayoutOut:
    assert p.id is not None
    user = session.get(User, p.tutor_user_id)
    account, status = payout_accounts.account_summary(session, user_id=p.tutor_user_id, gateway=p.gateway, currency=p.currency)
    return PayoutOut(id=p.id, reference=p.reference, tutor_user_id=p.tutor_user_id, tutor_name=user.full_name if user else "",
                     amount_minor=p.amount_minor, currency=p.currency, status=p.status, note=p.note, created_at=p.created_at,
                     decided_at=p.decided_at, paid_at=p.paid_at, destination=p.destination or account,
                     destination_status=status, gateway=p.gateway)


def request_payout(
    session: Session, *, actor: UserOut | None, amount_minor: Any, currency: Any, now: datetime | None = None
) -> PayoutOut:
    """A tutor asks to be paid `amount_minor` of their available earnings (≥ the admin minimum), to
    their verified payout account on the gateway of that currency (409 without one)."""
    user = require_role(actor, Role.TUTOR)
    now = now or utcnow()
    errors: dict[str, str] = {}
    amount, cur = clean_money(amount_minor, currency, errors)
    if errors:
        raise fail_fields(errors)
    minimum = get_money_settings(session).payout_minimum_minor
    if amount is not None and amount < minimum:  # an admin setting, not the request's shape: 409
        raise Conflict(f"The payout minimum is {minimum}.",
                       fields={"amount_minor": f"must be at least {minimum} (the payout minimum)"})
    assert amount is not None and cur is not None
    payout_accounts.payout_destination(session, user.id, payout_accounts.payout_gateway_for(session, cur))
    reference = f"po_{secrets.token_hex(10)}"
    ledger.post(session, kind="payout_request", idempotency_key=f"payout:{reference}:requested",
                lines=[Line(earnings_account(user.id), amount, cur), Line(hold_account(user.id), -amount, cur)],
                memo=f"payout {reference} requested", user_id=user.id, now=now, never_negative=[earnings_account(user.id)])
    payout = Payout(reference=reference, tutor_user_id=user.id, amount_minor=amount, currency=cur, created_at=now)
    session.add(payout)
    session.flush()
    return _out(session, payout)


def list_my_payouts(session: Session, *, actor: UserOut | None, page: Any = 1, per_page: Any = 20) -> list[PayoutOut]:
    user = require_role(actor, Role.TUTOR)
    size = _page(per_page, 20, 100)
    rows = session.exec(select(Payout).where(Payout.tutor_user_id == user.id)
                        .order_by(col(Payout.created_at).desc(), col(Payout.id).desc())
                        .offset((_page(page, 1, 10_000) - 1) * size).limit(size)).all()
    return [_out(session, p) for p in rows]


def list_payouts(
    session: Session, *, actor: UserOut | None, status: Any = None, page: Any = 1, per_page: Any = 50
) -> list[PayoutOut]:
    """Admin: payouts, open requests first (oldest first), then the rest newest first."""
    require_role(actor, Role.ADMIN)
    size = _page(per_page, 50, 200)
    query = select(Payout)
    if isinstance(status, str) and status:
        query = query.where(Payout.status == status)
    rows = session.exec(query.order_by(col(Payout.created_at).desc(), col(Payout.id).desc())).all()
    ordered = sorted((p for p in rows if p.status == PayoutStatus.REQUESTED), key=lambda p: (p.created_at, p.id or 0)) + [
        p for p in rows if p.status != PayoutStatus.REQUESTED]
    start = (_page(page, 1, 10_000) - 1) * size
    return [_out(session, p) for p in ordered[start:start + size]]


def _locked(session: Session, payout_id: Any) -> Payout:
    payout = session.get(Payout, clean_id(payout_id, "Payout not found.", maximum=2**31 - 1, text_ok=False))
    if payout is None:
        raise NotFound("Payout not found.")
    lock_key(session, f"payout:{payout.reference}")
    session.refresh(payout)
    return payout


def _post_paid(session: Session, payout: Payout, account: str, now: datetime) -> None:
    ledger.post(session, kind="payout_paid", idempotency_key=f"payout:{payout.reference}:paid",
                lines=[Line(hold_account(payout.tutor_user_id), payout.amount_minor, payout.currency),
                       Line(account, -payout.amount_minor, payout.currency)],
                memo=f"payout {payout.reference} paid", user_id=payout.tutor_user_id, now=now)
    payout.status = PayoutStatus.PAID
    payout.paid_at = payout.paid_at or now


def _post_returned(session: Session, payout: Payout, now: datetime) -> None:
    ledger.post(session, kind="payout_returned", idempotency_key=f"payout:{payout.reference}:returned",
                lines=[Line(hold_account(payout.tutor_user_id), payout.amount_minor, payout.currency),
                       Line(earnings_account(payout.tutor_user_id), -payout.amount_minor, payout.currency)],
                memo=f"payout {payout.reference} returned to earnings", user_id=payout.tutor_user_id, now=now)


def _to_decide(session: Session, payout_id: Any, note: Any) -> tuple[str, Payout]:
    """The admin's note and the locked payout, which must still be waiting for a decision."""
    text = clean_text(note, "note", max_len=500)
    payout = _locked(session, payout_id)
    if payout.status != PayoutStatus.REQUESTED:
        raise Conflict(f"This payout is already {payout.status}.")
    return text, payout


def approve_payout(
    session: Session, *, actor: UserOut | None, payout_id: Any, note: Any = "", mark_paid_manually: bool = False,
    now: datetime | None = None,
) -> PayoutOut:
    """Admin approves a requested payout: sent through the gateway, or recorded as paid by hand.

    To Stripe / Razorpay only the intent is recorded here (APPROVED, no transfer id yet); the
    transfer is made after the caller's commit and resumed after a crash (`send_payout`), so a
    rollback or a crash can never repeat it. The answer then says "approved"; "paid" follows."""
    admin = require_role(actor, Role.ADMIN)
    now = now or utcnow()
    text, payout = _to_decide(session, payout_id, note)
    payout.decided_by, payout.decided_at, payout.note = admin.id, now, text
    if mark_paid_manually is True:
        payout.gateway = "manual"
        _post_paid(session, payout, "payouts:manual", now)
    else:
        try:
            gateway = get_gateway(payout.currency, session=session)
        except GatewayError as exc:
            raise Conflict(f"The payment provider refused the payout ({exc}). Try again or mark it paid manually.") from exc
        payout.gateway, payout.destination = gateway.name, payout_accounts.payout_destination(session, payout.tutor_user_id, gateway.name)
        if gateway_intents.is_external(gateway.name):
            # The intent: approved, not sent (gateway_ref ""); sent after the caller's commit.
            payout.status, payout.gateway_ref = PayoutStatus.APPROVED, ""
            gateway_intents.send_after_commit(session, payout.reference, send_payout)
        else:  # the sandbox's "provider side" is our database: atomic with this transaction
            payout.status = PayoutStatus.APPROVED  # paid now, or when the provider's payout.paid comes
            try:
                result = gateway.payout(destination=_destination(payout), amount_minor=payout.amount_minor,
                                        currency=payout.currency, reference=payout.reference,
                                        idempotency_key=_key(payout.reference))
            except GatewayError as exc:
                raise Conflict(f"The payment provider refused the payout ({exc}). Try again or mark it paid "
                               "manually.") from exc
            _apply_result(session, payout, result, now)
    session.add(payout)
    session.flush()
    return _out(session, payout)


def _destination(payout: Payout) -> str:
    """The tutor's account id at the provider, recorded at approval (payout_accounts.py)."""
    return payout.destination


def _key(reference: str) -> str:
    return f"payout:{reference}"


def _apply_result(session: Session, payout: Payout, result: PayoutResult, now: datetime) -> None:
    """The provider's answer: its transfer id, and paid now or when its payout.paid event comes."""
    if payout.gateway_ref in ("", SENDING):
        payout.gateway_ref = result.gateway_ref[:120]
    if payout.status == PayoutStatus.APPROVED and result.status == "paid":
        _post_paid(session, payout, clearing_account(payout.gateway), now)


def reject_payout(
    session: Session, *, actor: UserOut | None, payout_id: Any, note: Any = "", now: datetime | None = None
) -> PayoutOut:
    admin = require_role(actor, Role.ADMIN)
    now = now or utcnow()
    text, payout = _to_decide(session, payout_id, note)
    if not text:
        raise fail("note", "Say why the payout is rejected.")
    _post_returned(session, payout, now)
    payout.status, payout.decided_by, payout.decided_at, payout.note = PayoutStatus.REJECTED, admin.id, now, text
    session.add(payout)
    session.flush()
    return _out(session, payout)


def apply_payout_event(session: Session, event: GatewayEvent, *, now: datetime) -> None:
    """payout.paid / payout.failed from a gateway (any order, any number of times)."""
    payout = None
    if event.reference:
        payout = session.exec(select(Payout).where(Payout.reference == str(event.reference))).first()
    if payout is None and event.gateway_ref:
        payout = session.exec(select(Payout).where(Payout.gateway == event.gateway,
                                                   Payout.gateway_ref == str(event.gateway_ref))).first()
    if payout is None:
        return
    payout = _locked(session, payout.id)  # then decide on the row as it is under the lock
    if payout.status in (PayoutStatus.REQUESTED, PayoutStatus.REJECTED):
        return
    clearing = clearing_account(event.gateway)
    if event.kind == EventKind.PAYOUT_FAILED:
        if ledger.already_posted(session, f"payout:{payout.reference}:paid"):
            ledger.post(session, kind="payout_reversed", idempotency_key=f"payout:{payout.reference}:reversed",
                        lines=[Line(clearing, payout.amount_minor, payout.currency),
                               Line(hold_account(payout.tutor_user_id), -payout.amount_minor, payout.currency)],
                        memo=f"payout {payout.reference} bounced", user_id=payout.tutor_user_id, now=now)
        _post_returned(session, payout, now)
        payout.status = PayoutStatus.FAILED
    elif event.kind == EventKind.PAYOUT_PAID and payout.status != PayoutStatus.FAILED:
        _post_paid(session, payout, clearing, now)
    session.add(payout)
    session.flush()


# Payout intents (issue 11): the transfer to Stripe / Razorpay is made after the approval commits,
# like a refund intent (gateway_intents.py): claim (gateway_ref "" → SENDING, committed: one sender),
# call with our key (Stripe: Idempotency-Key + transfer_group; Razorpay: notes), confirm in a new unit
# of work. `resume_payout_intents` (the minutely money_intents job) sends unsent intents and retries
# ones claimed (`claimed_at`) more than RESUME_AFTER ago, asking the provider first (`find_payout`), so
# a crash at any point ends with exactly one transfer. A provider that refuses (GatewayRefused, a 4xx,
# and does not show the transfer when asked) puts the payout back to REQUESTED with the reason, for
# the admin to approve again or mark paid by hand; any other error (unreachable, timeout, 5xx: the
# transfer may exist without showing yet) leaves it claimed for the next run.


def _after_payout_claimed(reference: str) -> None:
    """A seam: nothing in production; the crash tests replace it in a subprocess."""


def _after_payout_call(reference: str) -> None:
    """A seam: nothing in production (see `_after_payout_claimed`)."""


def _claim_payout(reference: str, *, now: datetime, retry: bool) -> tuple[str, str, int, str] | None:
    """Claim an approved, unsent payout (committed, `claimed_at = now`); (gateway, destination,
    amount, currency) or None. `retry`: also take over a claim older than RESUME_AFTER — only
    that very claim (a conditional UPDATE on its time), as for refund intents."""
    with session_scope() as session:
        row = session.exec(select(Payout).where(col(Payout.reference) == reference)).first()
        if row is None or row.status != PayoutStatus.APPROVED or not gateway_intents.is_external(row.gateway):
            return None
        # Approved before payout accounts existed: the tutor's verified account now, else wait for one.
        destination = row.destination or payout_accounts.verified_account_ref(session, row.tutor_user_id, row.gateway)
        if not destination:
            log.warning("payout intent %s: the tutor has no verified payout account; kept", reference)
            return None
        free = col(Payout.gateway_ref) == ""
        if retry and row.gateway_ref == SENDING and gateway_intents.claim_is_stale(
                row.claimed_at or row.decided_at or row.created_at, now):
            free = free | ((col(Payout.gateway_ref) == SENDING)
                           & gateway_intents.same_claim(col(Payout.claimed_at), row.claimed_at))
        claimed = session.execute(update(Payout).where(col(Payout.id) == row.id, col(Payout.status) == PayoutStatus.APPROVED,
                                                       free).values(gateway_ref=SENDING, claimed_at=now))
        if rows_matched(claimed) != 1:
            return None
        return row.gateway, destination, row.amount_minor, row.currency


def send_payout(reference: str, *, now: datetime | None = None, retry: bool = False) -> str:
    """Claim, call, confirm one payout intent; its status afterwards ("" when nothing was sent)."""
    now = now or utcnow()
    claim = _claim_payout(reference, now=now, retry=retry)
    if claim is None:
        return ""
    _after_payout_claimed(reference)
    gateway, destination, amount, currency = claim
    result, refused, reason = _call_payout(gateway, destination, amount, currency, reference, look_first=retry)
    _after_payout_call(reference)
    return _confirm_payout(reference, result, refused, reason, now)


def _call_payout(gateway: str, destination: str, amount: int, currency: str, reference: str, *, look_first: bool
                 ) -> tuple[PayoutResult | None, bool, str]:
    """(the provider's transfer or None, whether it refused for good, its reason). Only a
    GatewayRefused (a 4xx) is a refusal; any other error leaves the outcome unknown (claimed)."""
    try:
        adapter = get_gateway_by_name(gateway)
    except GatewayError as exc:
        log.warning("payout intent %s: %s is not configured (%s); kept for the next run", reference, gateway, exc)
        return None, False, ""
    lookup = adapter if isinstance(adapter, IntentLookup) else None
    if look_first and lookup is not None:
        try:
            found = lookup.find_payout(reference=reference, idempotency_key=_key(reference))
        except GatewayError as exc:
            log.warning("payout intent %s: cannot ask the provider (%s); kept for the next run", reference, exc)
            return None, False, ""
        if found is not None:
            return found, False, ""
    try:
        return adapter.payout(destination=destination, amount_minor=amount, currency=currency, reference=reference,
                              idempotency_key=_key(reference)), False, ""
    except GatewayRefused as exc:
        log.warning("payout intent %s: the provider refused it: %s", reference, exc)
        refused, reason = True, str(exc)[:200]
    except GatewayError as exc:
        log.warning("payout intent %s: outcome unknown (%s); kept for the next run", reference, exc)
        refused, reason = False, ""
    if lookup is None:
        return None, refused, reason
    try:  # refused, or the answer was lost: it happened if the provider shows it now
        found = lookup.find_payout(reference=reference, idempotency_key=_key(reference))
    except GatewayError:
        return None, False, ""  # cannot tell now: the next run asks again
    return found, refused and found is None, reason


def _confirm_payout(reference: str, result: PayoutResult | None, refused: bool, reason: str, now: datetime) -> str:
    with session_scope() as session:
        found = session.exec(select(Payout.id).where(col(Payout.reference) == reference)).first()
        assert found is not None
        payout = _locked(session, found)
        if result is not None:
            _apply_result(session, payout, result, now)
        elif refused and payout.status == PayoutStatus.APPROVED and payout.gateway_ref in ("", SENDING):
            payout.status, payout.gateway, payout.gateway_ref = PayoutStatus.REQUESTED, "", ""
            payout.decided_by, payout.decided_at = None, None
            payout.note = (f"The payment provider refused the payout ({reason or 'no reason given'}): approve it "
                           "again or mark it paid manually.")[:500]
        session.add(payout)
        session.flush()
        return payout.status


def resume_payout_intents(*, now: datetime | None = None) -> int:
    """The minutely job: send approved payouts nobody sent, retry ones claimed more than
    RESUME_AFTER ago (asking the provider first); how many were handled."""
    now = now or utcnow()
    with session_scope(read_only=True) as session:
        references = session.exec(select(Payout.reference).where(
            col(Payout.status) == PayoutStatus.APPROVED, col(Payout.gateway_ref).in_(["", SENDING]),
            col(Payout.gateway).notin_(["", "manual", "sandbox"]),
        ).order_by(col(Payout.id))).all()
    handled = 0
    for reference in references:
        try:
            handled += bool(send_payout(reference, now=now, retry=True))
        except Exception:  # noqa: BLE001 - one intent's failure must not stop the others
            log.exception("payout intent %s: resume failed", reference)
    return handled
