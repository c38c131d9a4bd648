"""Sandbox subscription renewals (services/checkout/renewals.py): the job works in a process that
imported nothing but the job module, the sandbox adapter is a pure transport, and a renewal whose
webhook does not apply is rolled back and retried by the next run."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.credits import catalogue, pay
from tests.support.gateways import stripe_env
from tutorhub.integrations.payments import ChargeRequest
from tutorhub.integrations.payments.sandbox import SandboxGateway
from tutorhub.jobs import scheduler
from tutorhub.models import Payment, Role, SandboxCharge, Subscription, WebhookEvent
from tutorhub.services.billing import credits, subscriptions
from tutorhub.services.errors import DomainError
from tutorhub.services.money import ledger, payments
from tutorhub.services.money.payments import PaymentUnavailable

T0 = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
DUE = datetime(2027, 2, 28, 12, 1, tzinfo=UTC)
gateway_env = gateway_support.gateway_env


def _subscribed(db, make_user):
    """A student on the basic plan (240 minutes a month, $40), paid at T0 and committed."""
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=T0)
    pay(db, out.payment_reference, T0)
    db.commit()
    return student


def _state(db, student):
    db.commit()  # end this session's read snapshot: the job committed in its own session
    db.expire_all()
    sub = db.exec(select(Subscription).where(Subscription.user_id == student.id)).one()
    renewals = [p for p in db.exec(select(Payment).where(Payment.user_id == student.id)).all()
                if (p.extra or {}).get("kind") == "renewal"]
    return sub.cycle, ledger.balance(db, credits.credits_account(student.id), "MIN"), renewals


def test_the_renewal_job_renews_in_a_process_that_imported_only_the_job_module(db, make_user):
    """Nothing has to be wired at import time: a fresh interpreter that imports the job module
    alone (no checkout package, no state, no API) charges the sandbox and applies its webhook."""
    student = _subscribed(db, make_user)
    code = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "from tutorhub.jobs.scheduler import renew_subscriptions\n"
        "print(json.dumps(renew_subscriptions(now=datetime.fromisoformat(sys.argv[1]))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, DUE.isoformat()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"ended": 0, "charged": 1}, done.stderr[-2000:]
    cycle, minutes, renewals = _state(db, student)
    assert (cycle, minutes) == (2, 480)
    assert [(p.status, p.amount_minor) for p in renewals] == [("succeeded", 4000)]


def test_a_renewal_whose_webhook_does_not_apply_is_rolled_back_and_retried(db, make_user, monkeypatch):
    """The charge, its payment and its event roll back with the failed apply (no grant, no renewal
    marker left behind), so the next run charges and renews."""
    student = _subscribed(db, make_user)
    real_grant = credits.grant_lot

    def failing_grant(*args, **kwargs):
        raise DomainError("the credit lots are unavailable")

    monkeypatch.setattr(credits, "grant_lot", failing_grant)
    assert scheduler.renew_subscriptions(now=DUE) == {"ended": 0, "charged": 0}
    cycle, minutes, renewals = _state(db, student)
    assert (cycle, minutes, renewals) == (1, 240, [])
    assert len(db.exec(select(SandboxCharge)).all()) == 1  # the first month's checkout only
    assert db.exec(select(WebhookEvent).where(WebhookEvent.outcome == "failed")).all() == []

    monkeypatch.setattr(credits, "grant_lot", real_grant)
    assert scheduler.renew_subscriptions(now=DUE) == {"ended": 0, "charged": 1}
    cycle, minutes, renewals = _state(db, student)
    assert (cycle, minutes) == (2, 480)
    assert [(p.status, p.amount_minor) for p in renewals] == [("succeeded", 4000)]
    assert scheduler.renew_subscriptions(now=DUE) == {"ended": 0, "charged": 0}  # once per cycle


def test_the_sandbox_adapter_only_records_a_saved_method_charge(db):
    """A pure transport: the charge is recorded and its result returned; no webhook, no payment."""
    result = SandboxGateway(session=db).charge_saved_method(ChargeRequest(
        reference="pay_renewal_1", amount_minor=4000, currency="usd", description="Basic — renewal",
        customer_email="s@example.com", requested_at=DUE,
    ))
    charge = db.exec(select(SandboxCharge).where(SandboxCharge.reference == "pay_renewal_1")).one()
    assert (result.gateway_ref, result.status) == (charge.gateway_ref, "succeeded")
    assert (charge.amount_minor, charge.currency, charge.completed_at) == (4000, "USD", DUE)
    assert db.exec(select(WebhookEvent)).all() == [] and db.exec(select(Payment)).all() == []


@pytest.mark.parametrize("gateway", ["stripe", "razorpay"])
def test_a_saved_method_charge_at_a_gateway_that_cannot_is_refused(db, make_user, gateway_env, gateway):
    """Stripe bills subscriptions itself (no saved-method charges); Razorpay is not configured here:
    both are PaymentUnavailable, and no payment is recorded."""
    gateway_env(**stripe_env("http://127.0.0.1:9"), TUTORHUB_SANDBOX_PAYMENTS="1")
    student = make_user(Role.STUDENT)
    with pytest.raises(PaymentUnavailable):
        payments.charge_saved_method(db, user=student, gateway=gateway, purpose="subscription", amount_minor=4000,
                                     currency="USD", description="renewal", now=DUE)
    assert db.exec(select(Payment)).all() == []
