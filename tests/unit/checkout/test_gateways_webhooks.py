"""Webhook ingestion (services/checkout/webhooks.py) with the real payments service behind it:
verified once, stored once, applied once — sequential and concurrent duplicates included."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.support.gateways import sandbox_event, sandbox_signature
from tutorhub.db import session_scope
from tutorhub.integrations.payments.base import WebhookSignatureError
from tutorhub.integrations.payments.sandbox import SIGNATURE_HEADER
from tutorhub.models.gateways import SandboxCharge, WebhookEvent
from tutorhub.services.billing import wallet
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.checkout.webhooks import receive_webhook
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.settings import get_settings


def _now() -> datetime:
    return datetime.now(UTC)


def _topup(db, make_user, amount: int = 2500):
    student = make_user("student")
    out = wallet.start_topup(db, actor=student, amount_minor=amount, currency="USD")
    db.commit()
    charge = db.exec(select(SandboxCharge).where(SandboxCharge.reference == out.payment_id)).one()
    return student, out.payment_id, charge


def _deliver(body: bytes, header: str | None = None):
    secret = get_settings().sandbox_webhook_secret
    headers = {SIGNATURE_HEADER: header if header is not None else sandbox_signature(body, secret)}
    with session_scope() as session:
        return receive_webhook(session, "sandbox", body, headers, _now())


def _balance(student) -> int:
    with session_scope(read_only=True) as session:
        return wallet.wallet_balance(session, student.id, "USD")


def _events() -> list[tuple[str, str]]:
    with session_scope(read_only=True) as session:
        return [(e.event_id, e.outcome) for e in session.exec(select(WebhookEvent)).all()]


def test_signed_event_applies_once_and_duplicates_are_acknowledged(db, make_user):
    student, reference, charge = _topup(db, make_user)
    body = sandbox_event("payment.succeeded", reference, gateway_ref=charge.gateway_ref)
    first = _deliver(body)
    assert (first.duplicate, first.outcome) == (False, "applied")
    assert _balance(student) == 2500
    for _ in range(3):
        assert _deliver(body).duplicate is True
    # a different event id about the same payment (Stripe sends two per payment) is stored but moves nothing
    second = sandbox_event("payment.succeeded", reference, event_id="evt_sbx_2", gateway_ref=charge.gateway_ref)
    assert _deliver(second).duplicate is False
    assert _balance(student) == 2500
    assert sorted(_events()) == [("evt_sbx_1", "applied"), ("evt_sbx_2", "applied")]


def test_bad_signature_stores_and_applies_nothing(db, make_user, caplog):
    student, reference, charge = _topup(db, make_user)
    body = sandbox_event("payment.succeeded", reference, gateway_ref=charge.gateway_ref)
    with pytest.raises(WebhookSignatureError):
        _deliver(body, sandbox_signature(body, "whsec_wrong"))
    with pytest.raises(WebhookSignatureError):
        _deliver(body.replace(b"2500", b"2501"), sandbox_signature(body, get_settings().sandbox_webhook_secret))
    assert _events() == [] and _balance(student) == 0
    assert "webhook refused" in caplog.text and "signature does not match" in caplog.text


def test_unknown_reference_is_recorded_as_failed_and_acknowledged():
    receipt = _deliver(sandbox_event("payment.succeeded", "pay_unknown"))
    assert (receipt.duplicate, receipt.outcome) == (False, "failed")
    with session_scope(read_only=True) as session:
        row = session.exec(select(WebhookEvent)).one()
    assert row.error and row.processed_at is not None


def test_unknown_gateway_name_is_not_found():
    with session_scope() as session, pytest.raises(NotFound):
        receive_webhook(session, "paypal", b"{}", {}, _now())


def test_concurrent_deliveries_of_one_event_apply_once(db, make_user):
    student, reference, charge = _topup(db, make_user)
    body = sandbox_event("payment.succeeded", reference, gateway_ref=charge.gateway_ref)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        try:
            results.append(_deliver(body).duplicate)
        except Exception as exc:  # noqa: BLE001  (recorded and asserted below)
            results.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results, key=str) == [False, True, True, True], results
    assert _balance(student) == 2500


def test_checkout_page_actions_deliver_signed_webhooks(db, make_user):
    student, reference, _charge = _topup(db, make_user, 4000)
    with session_scope(read_only=True) as session:
        view = sandbox_checkout.view_checkout(session, reference=reference)
    assert (view.amount_minor, view.currency, view.status) == (4000, "USD", "pending")
    with session_scope() as session:
        done = sandbox_checkout.complete_checkout(session, reference=reference, outcome="succeed", now=_now())
    assert done.status == "succeeded" and done.redirect_url.endswith(f"ref={reference}")
    with session_scope() as session:  # double click: same answer, no second event
        again = sandbox_checkout.complete_checkout(session, reference=reference, outcome="succeed", now=_now())
    assert again == done and len(_events()) == 1 and _balance(student) == 4000
    with session_scope() as session, pytest.raises(Conflict):
        sandbox_checkout.complete_checkout(session, reference=reference, outcome="fail", now=_now())


@pytest.mark.parametrize("reference", ["", "x" * 65, "../etc", None, 5, "pay_missing"])
def test_checkout_actions_validate_the_reference(reference):
    with session_scope() as session, pytest.raises(NotFound):
        sandbox_checkout.complete_checkout(session, reference=reference, outcome="succeed", now=_now())
    with session_scope() as session, pytest.raises(NotFound):
        sandbox_checkout.abandon_checkout(session, reference=reference, now=_now())


def test_unknown_outcome_and_abandon(db, make_user):
    student, reference, _charge = _topup(db, make_user)
    with session_scope() as session, pytest.raises(NotFound):
        sandbox_checkout.complete_checkout(session, reference=reference, outcome="refund", now=_now())
    with session_scope() as session:
        left = sandbox_checkout.abandon_checkout(session, reference=reference, now=_now())
    assert left.status == "abandoned" and "cancelled=1" in left.redirect_url
    with session_scope() as session, pytest.raises(Conflict):
        sandbox_checkout.complete_checkout(session, reference=reference, outcome="succeed", now=_now())
    assert _balance(student) == 0 and [o for _, o in _events()] == ["applied"]


def test_deferred_apply_and_sweeper(db, make_user):
    """The HTTP path stores first (apply=False); the after-response apply or the job applies once."""
    from datetime import timedelta

    from tutorhub.jobs.scheduler import apply_pending_webhooks
    from tutorhub.services.checkout.webhooks import apply_stored_event

    student, reference, charge = _topup(db, make_user)
    body = sandbox_event("payment.succeeded", reference, gateway_ref=charge.gateway_ref)
    headers = {SIGNATURE_HEADER: sandbox_signature(body, get_settings().sandbox_webhook_secret)}
    with session_scope() as session:
        receipt = receive_webhook(session, "sandbox", body, headers, _now(), apply=False)
    assert (receipt.duplicate, receipt.outcome) == (False, "pending") and _balance(student) == 0
    assert apply_pending_webhooks(now=_now()) == 0  # too fresh: the after-response task owns it
    assert apply_pending_webhooks(now=_now() + timedelta(minutes=1)) == 1
    assert _balance(student) == 2500 and _events() == [("evt_sbx_1", "applied")]
    with session_scope() as session:  # the late after-response task finds it done
        assert apply_stored_event(session, receipt.row_id, now=_now()) == "applied"
    assert apply_pending_webhooks(now=_now() + timedelta(minutes=2)) == 0 and _balance(student) == 2500
