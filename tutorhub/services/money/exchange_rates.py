"""Exchange rates: admins read and set them (/admin/rates, audited), and a job may refresh them from
the operator's feed (TUTORHUB_RATES_URL, off by default).

Rates only DISPLAY prices in a viewer's currency and compare prices in search (services/currency.py
converts); no money is ever charged at them, so a stale rate misleads a little but never moves money.
One exception moves minutes, not money: a course priced in another currency than its tutor's hourly
rate gets its price in credit minutes through them (services/courses/course_credits.py).
USD is the base (1 USD = `rate` units) and stays 1.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from tutorhub.integrations.rates_feed import RatesFeedError, fetch_rates
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.currency import ExchangeRate
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.currency import DEFAULT_RATES, MAX_RATE, UnknownCurrency, exact_exponent
from tutorhub.services.errors import DomainError
from tutorhub.services.validation import clean_text, fail

RATE_DECIMALS = 6


class RateOut(BaseModel):
    code: str
    rate: str  # units per 1 USD, as typed ("83.2")
    set_at: datetime | None  # None: the shipped default, never stored
    source: str  # default | admin | feed


class RatesFeedFailed(DomainError):
    status_code = 502


def _text(millionths: int) -> str:
    value = Decimal(millionths).scaleb(-RATE_DECIMALS).normalize()
    return f"{value:f}"


def list_rates(session: Session, *, actor: UserOut | None) -> list[RateOut]:
    """Every rate in force (stored rows over the shipped defaults), by code."""
    require_role(actor, Role.ADMIN)
    return _current(session)


def _current(session: Session) -> list[RateOut]:
    stored = {r.code: r for r in session.exec(select(ExchangeRate)).all()}
    out = {code: RateOut(code=code, rate=f"{rate.normalize():f}", set_at=None, source="default")
           for code, rate in DEFAULT_RATES.items()}
    for code, row in stored.items():
        out[code] = RateOut(code=code, rate=_text(row.per_usd_millionths), set_at=row.set_at, source=row.source)
    return [out[c] for c in sorted(out, key=lambda c: (c != "USD", c))]


def clean_code(value: Any) -> str:
    code = clean_text(value, "code", max_len=3, required=True).upper()
    try:
        exact_exponent(code)
    except UnknownCurrency as exc:
        raise fail("code", "is not a currency TutorHub knows") from exc
    return code


def parse_rate(value: Any, field: str = "rate") -> int:
    """'83.2' → 83_200_000 millionths: positive, at most 6 decimals and at most 1,000,000."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise fail(field, "must be a number like 0.92")
    text = str(value).strip()
    if not text or len(text) > 20:
        raise fail(field, "must be a number like 0.92")
    try:
        rate = Decimal(text)
    except InvalidOperation as exc:
        raise fail(field, "must be a number like 0.92") from exc
    if not rate.is_finite() or rate <= 0:
        raise fail(field, "must be greater than 0")
    if rate > MAX_RATE:
        raise fail(field, f"must be at most {MAX_RATE:,}")
    scaled = rate.scaleb(RATE_DECIMALS)
    if scaled != scaled.to_integral_value():
        raise fail(field, f"has more than {RATE_DECIMALS} decimals")
    return int(scaled)


def _store(session: Session, code: str, millionths: int, *, source: str, by: int | None, now: datetime) -> int | None:
    """Write one rate; the previous millionths (None when it was the default)."""
    row = session.get(ExchangeRate, code)
    before = row.per_usd_millionths if row else None
    if row is None:
        row = ExchangeRate(code=code, per_usd_millionths=millionths)
    row.per_usd_millionths, row.set_at, row.set_by_user_id, row.source = millionths, now, by, source
    session.add(row)
    return before


def set_rate(session: Session, *, actor: UserOut | None, code: Any, rate: Any, now: datetime | None = None) -> RateOut:
    """An admin sets how many units of `code` one US dollar buys; recorded in the audit log."""
    admin = require_role(actor, Role.ADMIN)
    now = now or utcnow()
    clean = clean_code(code)
    millionths = parse_rate(rate)
    if clean == "USD" and millionths != 10**RATE_DECIMALS:
        raise fail("rate", "USD is the base currency: its rate is always 1")
    before = _store(session, clean, millionths, source="admin", by=admin.id, now=now)
    default = DEFAULT_RATES.get(clean)
    record_admin_action(session, actor_id=admin.id, action="exchange_rate.set", target_kind="exchange_rate",
                        target_id=clean,
                        before={"rate": _text(before) if before is not None else (f"{default:f}" if default else None)},
                        after={"rate": _text(millionths)}, now=now)
    session.flush()
    return RateOut(code=clean, rate=_text(millionths), set_at=now, source="admin")


def refresh_rates_from_feed(session: Session, *, url: str, now: datetime | None = None) -> dict[str, str]:
    """Replace the known currencies' rates with the feed's ({code: rate} applied). Codes TutorHub
    does not know and invalid numbers are skipped; a base other than USD is re-based through its USD rate."""
    now = now or utcnow()
    try:
        base, raw = fetch_rates(url)
    except RatesFeedError as exc:
        raise RatesFeedFailed(str(exc)) from exc
    base = base.upper()
    values: dict[str, Decimal] = {}
    for code, text in raw.items():
        try:
            values[clean_code(code)] = Decimal(parse_rate(text)).scaleb(-RATE_DECIMALS)
        except DomainError:
            continue
    values.setdefault(base, Decimal(1))
    if "USD" not in values or values["USD"] <= 0:
        raise RatesFeedFailed(f"The rates feed (base {base}) has no USD rate to re-base on.")
    usd = values["USD"]
    applied: dict[str, str] = {}
    for code, value in values.items():
        if code == "USD":
            continue
        millionths = int((value / usd).scaleb(RATE_DECIMALS).to_integral_value())
        if 0 < millionths <= int(MAX_RATE.scaleb(RATE_DECIMALS)):
            _store(session, code, millionths, source="feed", by=None, now=now)
            applied[code] = _text(millionths)
    if applied:
        record_admin_action(session, actor_id=None, action="exchange_rate.refresh", target_kind="exchange_rate",
                            target_id="feed", after=applied, now=now)
    session.flush()
    return applied
