"""Advertisers and their prepaid balances (admins only).

An advertiser pays in advance outside TutorHub (a bank transfer, an invoice); an admin records the
money received, which credits the advertiser's prepaid account in the ledger:
"ad_prepay": Dr gateway:manual:clearing / Cr advertiser:{id}:prepaid. Campaign spend draws it down
("ad_spend", services/growth/spend.py) and can never take it below zero. The admin's request id
(`reference`) is the posting's idempotency key, so a double-submitted form records the money once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models import Advertiser, Role
from tutorhub.services.accounts import audit
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.services.money import ledger
from tutorhub.services.validation import (
    check_fields,
    clean_id,
    clean_int,
    clean_text,
    normalize_email,
    validate_currency,
)

MANUAL_CLEARING = "gateway:manual:clearing"
MAX_PREPAY_MINOR = 10**10


class AdvertiserOut(BaseModel):
    id: int
    name: str
    contact_email: str
    active: bool
    balances: dict[str, int]  # prepaid balance per currency, minor units


def prepaid_account(advertiser_id: int) -> str:
    return f"advertiser:{advertiser_id}:prepaid"


def prepaid_balance(session: Session, advertiser_id: int, currency: str) -> int:
    return ledger.balance(session, prepaid_account(advertiser_id), currency)


def _out(session: Session, row: Advertiser) -> AdvertiserOut:
    assert row.id is not None
    balances = {unit: amount for unit, amount in ledger.balances(session, prepaid_account(row.id)).items()}
    return AdvertiserOut(id=row.id, name=row.name, contact_email=row.contact_email, active=row.active,
                         balances=balances)


def get_advertiser_row(session: Session, advertiser_id: Any) -> Advertiser:
    row = session.get(Advertiser, clean_id(advertiser_id, "No such advertiser."))
    if row is None:
        raise NotFound("No such advertiser.")
    return row


def list_advertisers(session: Session, *, actor: UserOut | None) -> list[AdvertiserOut]:
    require_role(actor, Role.ADMIN)
    rows = session.exec(select(Advertiser).order_by(col(Advertiser.name)).limit(500)).all()
    return [_out(session, r) for r in rows]


def create_advertiser(session: Session, *, actor: UserOut | None, data: dict[str, Any], now: datetime) -> AdvertiserOut:
    admin = require_role(actor, Role.ADMIN)
    values = check_fields([
        ("name", lambda: clean_text(data.get("name"), "name", max_len=120, required=True)),
        ("contact_email", lambda: normalize_email(data.get("contact_email"), "contact_email")
         if data.get("contact_email") else ""),
    ])
    row = Advertiser(name=values["name"], contact_email=values["contact_email"], created_at=now)
    session.add(row)
    session.flush()
    audit.record_admin_action(session, actor_id=admin.id, action="advertiser.create", target_kind="advertiser",
                              target_id=row.id, after=values, now=now)
    return _out(session, row)


def record_prepayment(session: Session, *, actor: UserOut | None, advertiser_id: Any, data: dict[str, Any],
                      now: datetime) -> AdvertiserOut:
    """Credit money an advertiser paid in advance (once per `reference`, however often it is sent)."""
    admin = require_role(actor, Role.ADMIN)
    row = get_advertiser_row(session, advertiser_id)
    assert row.id is not None
    values = check_fields([
        ("amount_minor", lambda: clean_int(data.get("amount_minor"), "amount_minor", minimum=1,
                                           maximum=MAX_PREPAY_MINOR)),
        ("currency", lambda: validate_currency(data.get("currency"))),
        ("reference", lambda: clean_text(data.get("reference"), "reference", max_len=80, required=True)),
    ])
    amount, currency = values["amount_minor"], values["currency"]
    posted = ledger.post(
        session, kind="ad_prepay", idempotency_key=f"ad_prepay:{row.id}:{values['reference']}", now=now,
        memo=f"prepayment from advertiser {row.id} ({values['reference']})",
        lines=[ledger.Line(MANUAL_CLEARING, amount, currency), ledger.Line(prepaid_account(row.id), -amount, currency)],
    )
    if posted is not None:
        audit.record_admin_action(session, actor_id=admin.id, action="advertiser.prepay", target_kind="advertiser",
                                  target_id=row.id, after=values, now=now)
    return _out(session, row)
