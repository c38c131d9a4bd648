"""The sandbox checkout page's state: what it shows, and Pay / Fail / Cancel through the real
service and signed webhook (the reference comes from the URL; clicks twice are harmless)."""

from __future__ import annotations

from tests.state.conftest import Browser, fetch, redirects
from tutorhub.db import session_scope
from tutorhub.models.gateways import WebhookEvent
from tutorhub.services.billing import wallet
from tutorhub.state.checkout.sandbox_checkout import SandboxCheckoutState


def _open(reference: str) -> tuple[Browser, SandboxCheckoutState]:
    browser = Browser()
    browser.goto(f"/pay/sandbox/{reference}", route="/pay/sandbox/[reference]")
    state = browser.state(SandboxCheckoutState)
    browser.run(state.load())
    return browser, state


def _topup(db, make_user, amount=1999):
    student = make_user("student")
    out = wallet.start_topup(db, actor=student, amount_minor=amount, currency="USD")
    db.commit()
    return student, out.payment_id


def _balance(student) -> int:
    with session_scope(read_only=True) as session:
        return wallet.wallet_balance(session, student.id, "USD")


def test_shows_amount_and_pays_once(db, make_user):
    student, reference = _topup(db, make_user)
    browser, state = _open(reference)
    assert (state.status, state.amount_text, state.description, state.charge_status) == (
        "ready", "$19.99", "Wallet top-up", "pending")
    events = browser.run(state.pay())
    assert redirects(events) and redirects(events)[0].endswith(f"ref={reference}")
    assert _balance(student) == 1999
    state.busy = ""
    browser.run(state.pay())  # a second click after the redirect: no second event, no error
    assert state.error == "" and len(fetch(WebhookEvent)) == 1 and _balance(student) == 1999
    browser.run(state.load())
    assert state.note == "This checkout is already paid."


def test_fail_and_cancel(db, make_user):
    student, reference = _topup(db, make_user)
    browser, state = _open(reference)
    browser.run(state.fail())
    _, other = _topup(db, make_user)
    browser2, state2 = _open(other)
    events = browser2.run(state2.cancel())
    assert "cancelled=1" in redirects(events)[0]
    assert _balance(student) == 0
    browser.run(state.load())
    state.busy = ""
    browser.run(state.pay())
    assert state.error == "This sandbox checkout is already failed."


def test_unknown_or_hostile_reference_is_not_found(db):
    for reference in ("pay_nope", "%3Cscript%3E", "x" * 80):
        browser, state = _open(reference)
        assert state.status == "notfound"
        browser.run(state.pay())
        assert state.error and not fetch(WebhookEvent)


def test_typed_test_card_number_reaches_the_payment_as_a_fingerprint(db, make_user):
    from tutorhub.models.money import Payment

    student, reference = _topup(db, make_user)
    browser, state = _open(reference)
    assert state.card_number == "4242 4242 4242 4242"  # prefilled, like a provider's test mode
    state.set_card_number(12345)  # any caller may send anything: a non-text value empties the field
    assert state.card_number == ""
    state.set_card_number("4000 abcd")
    browser.run(state.pay())
    assert "card_number" in state.error and not fetch(WebhookEvent)
    state.set_card_number("4000 0566 5566 5556")
    browser.run(state.pay())
    assert state.error == "" and _balance(student) == 1999
    [payment] = [p for p in fetch(Payment) if p.reference == reference]
    assert str(payment.extra["_card_fingerprint"]).startswith("sbx_fp_")
