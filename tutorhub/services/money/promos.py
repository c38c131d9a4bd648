"""Promo codes: admin-defined discounts, quoted while paying and redeemed once per user.

Rules:
- Codes are case-insensitive (stored upper case, unique). A code is a percent off (any currency, or
  only `currency` when set) or a fixed amount off in one currency; never more than the amount itself.
- Valid from/until (UTC), an optional total cap, a minimum amount, and once per user — the last is a
  UNIQUE (promo, user) constraint, so two simultaneous redemptions by one user cannot both succeed; the
  cap is a conditional UPDATE (`redemption_count < max_redemptions`) checked by its row count.
- A gateway checkout RESERVES its redemption when it starts (`reserve_promo`: a PENDING row tied to
  the payment, `ref` = "payment:{reference}", counted by the once-per-user constraint and the cap
  exactly like a redemption), so a second checkout or a wallet payment with the same once-per-user
  code is refused while the first is open. The payment's success confirms it (`redeem_promo` finds
  the row by `ref`); a failure, a cancelled or expired checkout, or money that could not be applied
  to its purpose releases it (`release_reservation`: the row deleted, the count given back); a
  reservation nobody confirmed lapses at `expires_at` (`release_lapsed_reservations`, the minutely
  job), which is also when the provider's checkout ends (payments.checkout_window: the lesson's
  hold or PACK_RESERVATION_TTL, never under Stripe's 30-minute minimum). Only terminal signals
  release it early: a declined card on a still-open Stripe Checkout Session or Razorpay order is
  one failed attempt (the payer may retry on the same page), not the end of the checkout.
- Money that still arrives for a checkout whose reservation was released (a provider without an
  expiry, e.g. a Razorpay order) keeps its discount only if the code can be taken again
  (`hold_for_capture`); otherwise it is credited to the payer's wallet, so a once-per-user code
  is never given twice.
- How the discount is booked: it is a platform expense. The student pays the discounted price and the
  platform tops it up from "platform:promotions" (debit-normal): Dr platform:promotions d / Cr <the
  account that must see the list price> d — the booking's escrow (the tutor earns on the list price;
  the money core's booking_payment does this) or platform:revenue for packs (revenue shows the list
  price, promotions what was given away). `promo_funding_lines` builds those two lines.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.models.base import utcnow
from tutorhub.models.credits import PromoCode, PromoKind, PromoRedemption, RedemptionStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.validation import clean_int, clean_text, fail, fail_fields, validate_currency

PROMOTIONS = "platform:promotions"
CODE_MAX_LEN = 32  # the longest promo code; forms and services cut or refuse input beyond it
# How long a minute-pack checkout (and so its promo reservation) lives when nobody says it ended:
# the Stripe Checkout Session gets the same `expires_at` (then `checkout.session.expired` releases it).
PACK_RESERVATION_TTL = timedelta(hours=1)
_CODE_RE = re.compile(rf"^[A-Z0-9][A-Z0-9_-]{{2,{CODE_MAX_LEN - 1}}}$")


class PromoOut(BaseModel):
    code: str
    kind: str
    percent: int
    amount_minor: int
    currency: str
    min_amount_minor: int
    valid_from: datetime | None
    valid_until: datetime | None
    max_redemptions: int | None
    redemption_count: int
    active: bool


class PromoQuoteOut(BaseModel):
    code: str
    discount_minor: int
    final_minor: int
    currency: str


def promo_funding_lines(*, discount_minor: int, currency: str, account: str | None = None) -> list[ledger.Line]:
    """The platform funds a discount: Dr platform:promotions / Cr `account` (default platform:revenue)."""
    return [ledger.Line(PROMOTIONS, discount_minor, currency), ledger.Line(account or "platform:revenue", -discount_minor, currency)]


def normalize_code(value: Any, field: str = "promo_code") -> str:
    text = clean_text(value, field, max_len=CODE_MAX_LEN, required=True).upper()
    if not _CODE_RE.match(text):
        raise fail(field, "is not a valid promo code")
    return text


def _out(p: PromoCode) -> PromoOut:
    return PromoOut(code=p.code, kind=p.kind, percent=p.percent, amount_minor=p.amount_minor, currency=p.currency,
                    min_amount_minor=p.min_amount_minor, valid_from=p.valid_from, valid_until=p.valid_until,
                    max_redemptions=p.max_redemptions, redemption_count=p.redemption_count, active=p.active)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"promo_code": message})


def _discount(promo: PromoCode, *, user_id: int, amount_minor: int, currency: str, now: datetime,
              session: Session) -> int:
    if not promo.active:
        raise _refuse("This promo code is no longer active.")
    if promo.valid_from and now < promo.valid_from:
        raise _refuse("This promo code is not valid yet.")
    if promo.valid_until and now >= promo.valid_until:
        raise _refuse("This promo code has expired.")
    if promo.max_redemptions is not None and promo.redemption_count >= promo.max_redemptions:
        raise _refuse("This promo code has been used up.")
    if promo.currency and promo.currency != currency:
        raise _refuse(f"This promo code only applies to payments in {promo.currency}.")
    if amount_minor < promo.min_amount_minor:
        raise _refuse("The amount is below this promo code's minimum.")
    used = session.exec(select(PromoRedemption.status).where(col(PromoRedemption.promo_id) == promo.id,
                                                             col(PromoRedemption.user_id) == user_id)).first()
    if used == RedemptionStatus.PENDING:
        raise _refuse("This promo code is reserved by a checkout you started: finish or cancel that payment first.")
    if used is not None:
        raise _refuse("You have already used this promo code.")
    if promo.kind == PromoKind.PERCENT:
        return amount_minor * promo.percent // 100
    return min(promo.amount_minor, amount_minor)


def _find(session: Session, code: Any) -> PromoCode:
    text = normalize_code(code)
    promo = session.exec(select(PromoCode).where(col(PromoCode.code) == text)).first()
    if promo is None:  # no such code: 404, like any other name that names nothing (the field says which)
        raise NotFound("Unknown promo code.", fields={"promo_code": "Unknown promo code."})
    return promo


def quote_promo(session: Session, *, code: Any, user_id: int, amount_minor: int, currency: str, now: datetime) -> int:
    """The discount `code` gives this user on `amount_minor` `currency` now; InvalidInput (field
    promo_code) when unknown, not yet valid, expired, used up, already used, wrong currency or too small."""
    amount = clean_int(amount_minor, "amount_minor", minimum=1, maximum=10**9)
    return _discount(_find(session, code), user_id=user_id, amount_minor=amount,
                     currency=validate_currency(currency), now=now, session=session)


def _take(session: Session, promo: PromoCode, *, user_id: int, ref: str, amount_minor: int, discount: int,
          currency: str, now: datetime, status: str, expires_at: datetime | None) -> None:
    """Count one use (the cap: a conditional UPDATE, which also locks the promo row) and insert the
    (promo, user) row (UNIQUE: once per user), in a savepoint so a lost race leaves the caller's
    transaction usable."""
    try:
        with session.begin_nested():
            taken = session.execute(
                update(PromoCode)
                .where(col(PromoCode.id) == promo.id)
                .where((col(PromoCode.max_redemptions).is_(None)) | (col(PromoCode.redemption_count) < col(PromoCode.max_redemptions)))
                .values(redemption_count=PromoCode.redemption_count + 1)
            )
            if rows_matched(taken) != 1:
                raise _refuse("This promo code has been used up.")
            session.add(PromoRedemption(promo_id=promo.id or 0, user_id=user_id, ref=ref[:80], amount_minor=amount_minor,
                                        discount_minor=discount, currency=currency, status=status, expires_at=expires_at,
                                        created_at=now))
            session.flush()
    except IntegrityError:
        raise _refuse("You have already used this promo code.") from None
    session.refresh(promo)


def reserve_promo(session: Session, *, code: Any, user_id: int, amount_minor: int, currency: str, ref: str,
                  discount_minor: int, expires_at: datetime, now: datetime) -> int:
    """Reserve `code` for a gateway checkout that has not been paid yet (see the module doc); the
    discount reserved (at most `discount_minor`, the one quoted). InvalidInput (promo_code) when the
    code cannot be used now — including when another checkout of this user holds it."""
    promo = _find(session, code)
    cur = validate_currency(currency)
    discount = min(discount_minor, _discount(promo, user_id=user_id, amount_minor=amount_minor, currency=cur, now=now,
                                             session=session))
    _take(session, promo, user_id=user_id, ref=ref, amount_minor=amount_minor, discount=discount, currency=cur, now=now,
          status=RedemptionStatus.PENDING, expires_at=expires_at)
    return discount


def hold_for_capture(session: Session, *, code: Any, user_id: int, ref: str, list_minor: int, currency: str,
                     discount_minor: int, started_at: datetime) -> bool:
    """Money for a discounted checkout arrived: is its promo still its own? True when the payment's
    reservation is held (or already confirmed), or — released meanwhile (the reservation lapsed, the
    checkout was cancelled) — when it can be taken again now, checked as of `started_at` (the code
    was valid when the checkout began). False when the code went elsewhere meanwhile (used on
    another payment, used up): the caller must not apply the discounted money to its purpose."""
    if session.exec(select(PromoRedemption.id).where(col(PromoRedemption.ref) == ref[:80],
                                                     col(PromoRedemption.user_id) == user_id)).first() is not None:
        return True
    try:
        reserve_promo(session, code=code, user_id=user_id, amount_minor=list_minor, currency=currency, ref=ref,
                      discount_minor=discount_minor, expires_at=started_at, now=started_at)
    except InvalidInput:
        return False
    return True


def _confirm_reserved(session: Session, *, user_id: int, ref: str, promo_id: int) -> int | None:
    """The reserved discount when this payment's reservation is still held (now REDEEMED)."""
    row = session.exec(select(PromoRedemption).where(col(PromoRedemption.ref) == ref[:80],
                                                     col(PromoRedemption.user_id) == user_id,
                                                     col(PromoRedemption.promo_id) == promo_id)).first()
    if row is None:
        return None
    if row.status == RedemptionStatus.PENDING:
        session.execute(update(PromoRedemption).where(col(PromoRedemption.id) == row.id)
                        .values(status=RedemptionStatus.REDEEMED, expires_at=None))
        session.refresh(row)
    return int(row.discount_minor)


def redeem_promo(session: Session, *, code: Any, user_id: int, amount_minor: int, currency: str, now: datetime,
                 ref: str | None = None, booking_id: int | None = None, quoted: int | None = None,
                 discount_minor: int | None = None) -> int:
    """Record the redemption (once per user, within the cap) and return the discount.

    When this payment reserved the code at checkout (a PENDING row with the same `ref`), that
    reservation is confirmed. Otherwise race-safe as `_take`. `quoted` / `discount_minor` (the
    discount promised when the checkout started) caps the recomputed one. `ref` says what it paid
    for (default "booking:{booking_id}")."""
    ref = ref or (f"booking:{booking_id}" if booking_id is not None else "")
    if quoted is None:
        quoted = discount_minor
    promo = _find(session, code)
    reserved = _confirm_reserved(session, user_id=user_id, ref=ref, promo_id=promo.id or 0) if ref else None
    if reserved is not None:
        return reserved if quoted is None else min(reserved, quoted)
    discount = _discount(promo, user_id=user_id, amount_minor=amount_minor, currency=validate_currency(currency),
                         now=now, session=session)
    if quoted is not None:
        discount = min(discount, quoted)
    _take(session, promo, user_id=user_id, ref=ref, amount_minor=amount_minor, discount=discount, currency=currency,
          now=now, status=RedemptionStatus.REDEEMED, expires_at=None)
    return discount


def release_reservation(session: Session, *, ref: str) -> int:
    """Give back the promo reserved for `ref` ("payment:{reference}") if it is still only reserved:
    the row goes (the user may use the code again) and the cap's count drops. Idempotent; how many
    reservations were released."""
    released = 0
    rows = session.exec(select(PromoRedemption.id, PromoRedemption.promo_id).where(
        col(PromoRedemption.ref) == ref[:80], col(PromoRedemption.status) == RedemptionStatus.PENDING)).all()
    for row_id, promo_id in rows:
        gone = session.execute(delete(PromoRedemption).where(col(PromoRedemption.id) == row_id,
                                                             col(PromoRedemption.status) == RedemptionStatus.PENDING))
        if rows_matched(gone) == 1:
            session.execute(update(PromoCode).where(col(PromoCode.id) == promo_id, col(PromoCode.redemption_count) > 0)
                            .values(redemption_count=PromoCode.redemption_count - 1))
            released += 1
    session.flush()
    return released


def lapsed_reservations(session: Session, *, now: datetime) -> list[str]:
    """The refs of reservations past their `expires_at` (for the minutely release job)."""
    return sorted(set(session.exec(select(PromoRedemption.ref).where(
        col(PromoRedemption.status) == RedemptionStatus.PENDING, col(PromoRedemption.expires_at) <= now)).all()))


def validate_promo(session: Session, *, actor: UserOut | None, code: Any, amount_minor: Any, currency: Any,
                   now: datetime | None = None) -> PromoQuoteOut:
    """Inline check for the payment form (nothing is reserved)."""
    user = require_role(actor)
    amount = clean_int(amount_minor, "amount_minor", minimum=1, maximum=10**9)
    cur = validate_currency(currency)
    discount = quote_promo(session, code=code, user_id=user.id, amount_minor=amount, currency=cur, now=now or utcnow())
    return PromoQuoteOut(code=normalize_code(code), discount_minor=discount, final_minor=amount - discount, currency=cur)


def _dt(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(field, "must be an ISO date-time with an offset") from None
    else:
        raise fail(field, "must be an ISO date-time with an offset")
    if parsed.tzinfo is None:
        raise fail(field, "needs a timezone offset (e.g. 2027-01-01T00:00:00Z)")
    return parsed


def list_promos(session: Session, *, actor: UserOut | None) -> list[PromoOut]:
    require_role(actor, "admin")
    return [_out(p) for p in session.exec(select(PromoCode).order_by(col(PromoCode.id).desc())).all()]


def create_promo(session: Session, *, actor: UserOut | None, data: dict[str, Any]) -> PromoOut:
    require_role(actor, "admin")
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    errors: dict[str, str] = {}

    def check(field: str, fn: Any) -> Any:
        try:
            return fn()
        except InvalidInput as exc:
            errors[field] = next(iter(exc.fields.values()), exc.message)
            return None

    code = check("code", lambda: normalize_code(data.get("code"), "code"))
    kind = check("kind", lambda: _kind(data.get("kind")))
    percent = check("percent", lambda: clean_int(data.get("percent", 0), "percent", minimum=0, maximum=100))
    amount = check("amount_minor", lambda: clean_int(data.get("amount_minor", 0), "amount_minor", minimum=0, maximum=10**9))
    currency = check("currency", lambda: validate_currency(data["currency"]) if data.get("currency") else "")
    minimum = check("min_amount_minor", lambda: clean_int(data.get("min_amount_minor", 0), "min_amount_minor", minimum=0,
                                                          maximum=10**9))
    valid_from = check("valid_from", lambda: _dt(data.get("valid_from"), "valid_from"))
    valid_until = check("valid_until", lambda: _dt(data.get("valid_until"), "valid_until"))
    cap = check("max_redemptions", lambda: None if data.get("max_redemptions") is None else
                clean_int(data.get("max_redemptions"), "max_redemptions", minimum=1, maximum=10**7))
    if kind == PromoKind.PERCENT and not errors and not 1 <= (percent or 0) <= 100:
        errors["percent"] = "must be between 1 and 100"
    if kind == PromoKind.FIXED and not errors:
        if not amount:
            errors["amount_minor"] = "must be positive for a fixed discount"
        if not currency:
            errors["currency"] = "is required for a fixed discount"
    if valid_from and valid_until and valid_until <= valid_from:
        errors["valid_until"] = "must be after valid_from"
    if errors:
        raise fail_fields(errors)
    if session.exec(select(PromoCode.id).where(col(PromoCode.code) == code)).first() is not None:
        raise Conflict("A promo code with this code exists.", fields={"code": "already used"})
    promo = PromoCode(code=code, kind=kind, percent=percent if kind == PromoKind.PERCENT else 0,
                      amount_minor=amount if kind == PromoKind.FIXED else 0, currency=currency or "",
                      min_amount_minor=minimum or 0, valid_from=valid_from, valid_until=valid_until, max_redemptions=cap)
    session.add(promo)
    session.flush()
    return _out(promo)


def _kind(value: Any) -> str:
    text = clean_text(value, "kind", max_len=8, required=True).lower()
    if text not in PromoKind.ALL:
        raise fail("kind", "must be percent or fixed")
    return text


def update_promo(session: Session, *, actor: UserOut | None, code: Any, data: dict[str, Any]) -> PromoOut:
    """Activate/deactivate, move the end date or the cap (not below what was already redeemed)."""
    require_role(actor, "admin")
    text = normalize_code(code, "code")
    promo = session.exec(select(PromoCode).where(col(PromoCode.code) == text)).first()
    if promo is None:
        raise NotFound("No such promo code.")
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise fail("active", "must be true or false")
        promo.active = data["active"]
    if "valid_until" in data:
        until = _dt(data["valid_until"], "valid_until")
        if until is not None and promo.valid_from is not None and until <= promo.valid_from:
            raise fail("valid_until", "must be after valid_from")  # as create_promo refuses it
        promo.valid_until = until
    if "max_redemptions" in data:
        cap = data["max_redemptions"]
        promo.max_redemptions = None if cap is None else clean_int(cap, "max_redemptions", minimum=max(1, promo.redemption_count),
                                                                   maximum=10**7)
    session.add(promo)
    session.flush()
    return _out(promo)

