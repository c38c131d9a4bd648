"""Special offers: an existing promo code advertised with a banner to the students it targets.

An offer adds no discount rules of its own: it names a promo code (services/money/promos.py) and
says who should see it — new students only (signed-out visitors, and students with no paid lesson
yet), a subject, a city (each optional). Redeeming is typing the code where one pays, so the promo's
own rules (validity, cap, once per user, currency, minimum) decide, exactly as for any code. An
offer is shown only while its promo code is active and valid; tutors and admins see none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models import Booking, BookingStatus, PromoCode, PromoKind, Role, SpecialOffer
from tutorhub.services.accounts import audit
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import normalize_city, normalize_subject
from tutorhub.services.currency import format_money
from tutorhub.services.errors import NotFound
from tutorhub.services.growth.serving import audience_for
from tutorhub.services.money.promos import normalize_code
from tutorhub.services.validation import check_fields, clean_id, clean_text, fail

PAID_STATES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS,
               BookingStatus.COMPLETED, BookingStatus.SETTLED, BookingStatus.DISPUTED, BookingStatus.NO_SHOW)


class SpecialOfferOut(BaseModel):
    id: int
    promo_code: str
    banner_text: str
    discount_text: str  # "20% off", "$5.00 off"
    new_students_only: bool
    subject: str
    city: str
    active: bool


def _discount_text(promo: PromoCode) -> str:
    if promo.kind == PromoKind.PERCENT:
        return f"{promo.percent}% off"
    return f"{format_money(promo.amount_minor, promo.currency)} off"


def _out(row: SpecialOffer, promo: PromoCode) -> SpecialOfferOut:
    return SpecialOfferOut(id=row.id or 0, promo_code=promo.code, banner_text=row.banner_text,
                    discount_text=_discount_text(promo), new_students_only=row.new_students_only,
                    subject=row.subject, city=row.city, active=row.active)


def _optional(normalize: Any, value: Any, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return str(normalize(value, field))


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise fail(field, "must be true or false")
    return value


def _promo(session: Session, code: Any) -> PromoCode:
    text = normalize_code(code)
    promo = session.exec(select(PromoCode).where(col(PromoCode.code) == text)).first()
    if promo is None:
        raise fail("promo_code", "is not an existing promo code (create it under Promo codes first)")
    return promo


def create_offer(session: Session, *, actor: UserOut | None, data: Any, now: datetime) -> SpecialOfferOut:
    admin = require_role(actor, Role.ADMIN)
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    values = check_fields([
        ("promo_code", lambda: _promo(session, data.get("promo_code"))),
        ("banner_text", lambda: clean_text(data.get("banner_text"), "banner_text", max_len=200, required=True)),
        ("new_students_only", lambda: _flag(data.get("new_students_only"), "new_students_only")),
        ("subject", lambda: _optional(normalize_subject, data.get("subject"), "subject")),
        ("city", lambda: _optional(normalize_city, data.get("city"), "city")),
    ])
    promo: PromoCode = values.pop("promo_code")
    row = SpecialOffer(promo_code_id=promo.id or 0, created_at=now, **values)
    session.add(row)
    session.flush()
    audit.record_admin_action(session, actor_id=admin.id, action="offer.create", target_kind="offer",
                              target_id=row.id, after={**values, "promo_code": promo.code}, now=now)
    return _out(row, promo)


def set_offer_active(session: Session, *, actor: UserOut | None, offer_id: Any, active: Any,
                     now: datetime) -> SpecialOfferOut:
    admin = require_role(actor, Role.ADMIN)
    row = session.get(SpecialOffer, clean_id(offer_id, "No such offer."))
    if row is None:
        raise NotFound("No such offer.")
    flag = _flag(active, "active")
    before, row.active = row.active, flag
    session.add(row)
    audit.record_admin_action(session, actor_id=admin.id, action="offer.activate" if flag else "offer.deactivate",
                              target_kind="offer", target_id=row.id, before={"active": before},
                              after={"active": flag}, now=now)
    promo = session.get(PromoCode, row.promo_code_id)
    assert promo is not None
    return _out(row, promo)


def list_offers(session: Session, *, actor: UserOut | None) -> list[SpecialOfferOut]:
    require_role(actor, Role.ADMIN)
    rows = session.exec(select(SpecialOffer, PromoCode).join(PromoCode, col(PromoCode.id) == col(SpecialOffer.promo_code_id))
                        .order_by(col(SpecialOffer.id).desc()).limit(200)).all()
    return [_out(o, p) for o, p in rows]


def _is_new_student(session: Session, viewer: UserOut | None) -> bool:
    if viewer is None:
        return True
    paid = session.exec(select(Booking.id).where(Booking.student_id == viewer.id,
                                                 col(Booking.status).in_(PAID_STATES)).limit(1)).first()
    return paid is None


def offers_for(session: Session, *, viewer: UserOut | None, subject: Any = None, city: Any = None,
               now: datetime) -> list[SpecialOfferOut]:
    """The active offers this visitor matches (students and signed-out visitors only), newest first."""
    audience = audience_for(session, viewer, city=city, subject=subject, grade=None)  # bad input: 422 for all
    if viewer is not None and viewer.role != Role.STUDENT:
        return []
    rows = session.exec(
        select(SpecialOffer, PromoCode).join(PromoCode, col(PromoCode.id) == col(SpecialOffer.promo_code_id))
        .where(col(SpecialOffer.active), col(PromoCode.active)).order_by(col(SpecialOffer.id).desc()).limit(50)
    ).all()
    new_student: bool | None = None
    out = []
    for offer, promo in rows:
        if (promo.valid_from and now < promo.valid_from) or (promo.valid_until and now >= promo.valid_until):
            continue
        if promo.max_redemptions is not None and promo.redemption_count >= promo.max_redemptions:
            continue
        if offer.subject and offer.subject not in audience.subjects:
            continue
        if offer.city and offer.city.lower() != audience.city.lower():
            continue
        if offer.new_students_only:
            if new_student is None:
                new_student = _is_new_student(session, viewer)
            if not new_student:
                continue
        out.append(_out(offer, promo))
    return out[:3]
