"""Helpers for the credits/plans tests: catalogue setup and paying a sandbox checkout for real
(signed webhook → payment_events.apply_gateway_event → credit_purchases.fulfil_payment)."""

from __future__ import annotations

from datetime import datetime

from tutorhub.models import Role
from tutorhub.services.billing import plans
from tutorhub.services.checkout import sandbox as sandbox_checkout


def pay(db, reference: str, now: datetime) -> None:
    """Press "Pay" on the sandbox checkout page: the same signed-webhook path as production."""
    sandbox_checkout.complete_checkout(db, reference=reference, outcome="succeed", now=now)
    db.flush()


def catalogue(db, make_user):
    """An admin, plans basic (240 min, $40) / pro (600 min, $90) / lite (120 min, $25), and packs."""
    admin = make_user(Role.ADMIN)
    plans.create_plan(db, actor=admin, data={"code": "basic", "name": "Basic", "minutes_per_cycle": 240,
                                             "prices": [{"currency": "USD", "amount_minor": 4000},
                                                        {"currency": "INR", "amount_minor": 300000}]})
    plans.create_plan(db, actor=admin, data={"code": "pro", "name": "Pro", "minutes_per_cycle": 600,
                                             "prices": [{"currency": "USD", "amount_minor": 9000}]})
    plans.create_plan(db, actor=admin, data={"code": "lite", "name": "Lite", "minutes_per_cycle": 120,
                                             "prices": [{"currency": "USD", "amount_minor": 2500}]})
    plans.create_pack(db, actor=admin, data={"code": "hour5", "name": "5 hours", "minutes": 300, "price_minor": 6000,
                                             "currency": "USD"})
    db.commit()
    return admin
