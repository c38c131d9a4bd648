"""A guardian buys lesson minutes (a minute pack) for a linked child.

The guardian pays — from their own wallet, or through their own hosted checkout (the same
`minute_pack` payment purpose as a student's pack, so the same webhook, capture, promo and
refund handling) — and the minutes are granted to the CHILD's credit lots, so the child's own
lessons can spend them. The payment records the child (`Payment.extra["for_student_id"]`), and
the lot keeps the payment id, so a refund or a lost chargeback of the guardian's payment takes
the unspent share back from the child's lots (purchases.take_back_purchase → revoke_payment_lots).

Only a guardian with an ACTIVE link to the child may buy (learning/access.acting_for); any other
child is NotFound, the same answer as for an id that does not exist, and nothing is charged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut, get_user, require_role
from tutorhub.services.billing import credits, purchases
from tutorhub.services.billing.purchases import PurchaseOut
from tutorhub.services.errors import NotFound
from tutorhub.services.learning.access import acting_for

NOT_LINKED = "No such student linked to you."


class ChildMinutesOut(BaseModel):
    student_id: int
    minutes: int  # usable (unexpired, unspent) credit minutes of the child


def _linked_child(session: Session, actor: UserOut | None, student_id: Any) -> tuple[UserOut, UserOut]:
    guardian, child_id = acting_for(session, require_role(actor, Role.GUARDIAN), student_id)
    child = get_user(session, child_id)
    if child is None or child.role != Role.STUDENT:
        raise NotFound(NOT_LINKED)
    return guardian, child


def buy_pack_for_child(session: Session, *, actor: UserOut | None, student_id: Any, pack_code: Any,
                       method: Any = "gateway", promo_code: Any = None, now: datetime | None = None) -> PurchaseOut:
    """Buy a minute pack for a linked child: from the guardian's wallet (minutes granted now, 402
    when short and nothing happens) or by card (pending; granted to the child when the checkout is
    paid). The same answers as a student's own `buy_pack` otherwise."""
    guardian, child = _linked_child(session, actor, student_id)
    return purchases.sell_pack(session, payer=guardian, recipient=child, pack_code=pack_code, method=method,
                               promo_code=promo_code, now=now or utcnow())


def child_minutes(session: Session, *, actor: UserOut | None, student_id: Any,
                  now: datetime | None = None) -> ChildMinutesOut:
    """The lesson minutes a linked child can still spend (what the guardian's purchases topped up)."""
    _, child = _linked_child(session, actor, student_id)
    minutes, _lots = credits.credit_summary(session, child.id, now or utcnow())
    return ChildMinutesOut(student_id=child.id, minutes=minutes)
