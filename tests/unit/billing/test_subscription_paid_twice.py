"""A double-clicked subscription paid twice: the second payment bought nothing, so it is refunded
automatically (through the gateway, booked in the ledger) and the student is told (issue 11).

Before: the second subscription row was ENDED and the money stayed as platform revenue."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from tests.support.credits import catalogue, pay
from tutorhub.models import Notification, Payment, Refund, Role, SandboxCharge
from tutorhub.services.billing import credits, subscriptions
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger

T0 = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)


def test_the_second_payment_of_a_double_clicked_subscription_is_refunded_and_the_student_told(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    first = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=T0)
    second = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=T0)
    pay(db, first.payment_reference, T0)
    pay(db, second.payment_reference, T0)
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 240  # one month granted
    refund = db.exec(select(Refund)).one()
    doubled = db.exec(select(Payment).where(Payment.reference == second.payment_reference)).one()
    assert (refund.payment_id, refund.amount_minor, refund.destination, refund.status) == (doubled.id, 4000, "original",
                                                                                           "succeeded")
    assert doubled.status == "refunded"
    assert ledger.balance(db, "platform:revenue", "USD") == 4000  # only the first month
    assert ledger.balance(db, "gateway:sandbox:clearing", "USD") == 4000
    assert len(db.exec(select(SandboxCharge).where(SandboxCharge.kind == "refund")).all()) == 1  # at the "provider"
    note = db.exec(select(Notification).where(Notification.user_id == student.id, Notification.kind == "payment")).one()
    assert "refunded" in note.title
    pay(db, second.payment_reference, T0)  # the same button again: nothing more
    assert len(db.exec(select(Refund)).all()) == 1
    assert verify_ledger(db, now=T0) == []
