"""Tutor payout accounts through the REAL stripe and razorpay SDKs against the local stand-in
(tests/support/gateway_standin.ConnectAccounts): opening, hosted onboarding, status from the
provider and from signed webhooks, and payouts sent to that account — never to `tutor:{id}`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from tests.support import gateways as gs
from tests.support.gateway_standin import ConnectAccounts
from tutorhub.models import Payout, PayoutAccount, Role, SandboxCharge
from tutorhub.services.checkout.webhooks import receive_webhook
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.money import ledger, payout_accounts, payouts
from tutorhub.services.money.ledger import Line

gateway_env = gs.gateway_env
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
RZP_DETAILS = {"phone": "+919812345678", "bank_account_number": "123456789012", "bank_ifsc": "HDFC0001234",
               "street": "12 MG Road", "city": "Bengaluru", "state": "Karnataka", "postal_code": "560001"}


def _earned(db, tutor, amount: int, currency: str) -> None:
    ledger.post(db, kind="release", idempotency_key=f"seed:{tutor.id}:{currency}", now=NOW,
                lines=[Line(f"tutor:{tutor.id}:earnings", -amount, currency), Line("platform:credit_lessons", amount, currency)])


def _stripe_webhook(db, obj: dict, event_id: str, created: int):
    body = gs.stripe_event("account.updated", obj, event_id=event_id, created=created)
    return receive_webhook(db, "stripe", body, {"Stripe-Signature": gs.stripe_signature(body)}, NOW)


def test_stripe_express_onboarding_then_payouts_go_to_the_account(db, make_user, gateway_env):
    admin, tutor = make_user(Role.ADMIN), make_user(Role.TUTOR)
    with gs.standin_gateway(lambda **e: gateway_env(**e, TUTORHUB_DELIVER_IMMEDIATELY="0"), gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        _earned(db, tutor, 9000, "EUR")
        with pytest.raises(Conflict, match="Connect a payout account"):
            payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)

        out = payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW)
        [created] = api.find("POST", "/v1/accounts")
        form = parse_qs(created.body.decode())
        assert form["type"] == ["express"] and form["capabilities[transfers][requested]"] == ["true"]
        assert form["email"] == [tutor.email] and created.headers["idempotency-key"] == f"account:tutor-{tutor.id}-stripe"
        assert out.account.status == "pending" and out.account.account_ref.startswith("acct_")
        assert out.onboarding_url == f"https://connect.stripe.com/setup/e/{out.account.account_ref}/standin"
        [link] = api.find("POST", "/v1/account_links")
        link_form = parse_qs(link.body.decode())
        assert link_form["return_url"][0].endswith("/earnings?payout_account=return")
        assert link_form["refresh_url"][0].endswith("/earnings?payout_account=refresh")
        with pytest.raises(Conflict, match="pending payout account"):
            payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)

        again = payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW)  # a fresh link
        assert again.account.account_ref == out.account.account_ref and len(api.find("POST", "/v1/accounts")) == 1

        stand.finish(out.account.account_ref)  # the tutor completes Stripe's hosted pages
        refreshed = payout_accounts.refresh_payout_account(db, actor=tutor, gateway="stripe", now=NOW)
        assert (refreshed.status, refreshed.detail) == ("verified", "")
        assert payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW).onboarding_url is None

        requested = payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)
        assert (requested.destination, requested.destination_status) == (out.account.account_ref, "verified")
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, note="ok", now=NOW)
        db.commit()
        assert payouts.send_payout(requested.reference, now=NOW) == "paid"
        [transfer] = stand.transfers
        assert (transfer["destination"], transfer["amount"], transfer["transfer_group"]) == (
            out.account.account_ref, 5000, requested.reference)
        [listed] = payouts.list_payouts(db, actor=admin)
        assert (listed.destination, listed.destination_status, listed.status) == (out.account.account_ref, "verified", "paid")


def test_account_updated_webhooks_restrict_and_restore_in_any_order(db, make_user, gateway_env):
    admin, tutor = make_user(Role.ADMIN), make_user(Role.TUTOR)
    with gs.standin_gateway(gateway_env, gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        acct = payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW).account.account_ref
        t0 = int(NOW.timestamp())
        verified = json.loads(json.dumps(stand.finish(acct)))
        restricted = json.loads(json.dumps(stand.restrict(acct)))
        _stripe_webhook(db, restricted, "evt_2", t0 + 20)
        _stripe_webhook(db, verified, "evt_1", t0 + 10)  # older, delivered late: ignored
        _stripe_webhook(db, restricted, "evt_2", t0 + 20)  # a duplicate
        [mine] = payout_accounts.my_payout_accounts(db, actor=tutor).accounts
        assert mine.status == "restricted" and "individual.verification.document" in mine.detail
        _earned(db, tutor, 9000, "EUR")
        with pytest.raises(Conflict, match="restricted payout account"):
            payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)
        _stripe_webhook(db, verified, "evt_3", t0 + 30)
        assert payout_accounts.my_payout_accounts(db, actor=tutor).verified is True
        requested = payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)
        db.get(PayoutAccount, db.exec(PayoutAccount.__table__.select()).first().id).status = "restricted"
        db.flush()
        with pytest.raises(Conflict, match="restricted payout account"):  # approval checks it again
            payouts.approve_payout(db, actor=admin, payout_id=requested.id, now=NOW)
        manual = payouts.approve_payout(db, actor=admin, payout_id=requested.id, mark_paid_manually=True, now=NOW)
        assert manual.status == "paid"  # paid by hand outside the gateway needs no account


def test_a_badly_signed_account_event_changes_nothing(db, make_user, gateway_env):
    tutor = make_user(Role.TUTOR)
    with gs.standin_gateway(gateway_env, gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        acct = payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW).account.account_ref
        body = gs.stripe_event("account.updated", stand.finish(acct), event_id="evt_forged")
        with pytest.raises(Exception, match="signature|Signature"):
            receive_webhook(db, "stripe", body, {"Stripe-Signature": gs.stripe_signature(body, "whsec_wrong")}, NOW)
        assert payout_accounts.my_payout_accounts(db, actor=tutor).accounts[0].status == "pending"


def test_razorpay_linked_account_and_route_transfer(db, make_user, gateway_env):
    admin, tutor = make_user(Role.ADMIN), make_user(Role.TUTOR)
    with gs.standin_gateway(lambda **e: gateway_env(**e, TUTORHUB_DELIVER_IMMEDIATELY="0"), gs.razorpay_env) as api:
        stand = ConnectAccounts(api).serve_razorpay()
        with pytest.raises(InvalidInput) as bad:
            payout_accounts.connect_payout_account(db, actor=tutor, gateway="razorpay",
                                                   details={**RZP_DETAILS, "bank_ifsc": "nope", "postal_code": "12"})
        assert set(bad.value.fields) == {"bank_ifsc", "postal_code"} and api.requests == []

        out = payout_accounts.connect_payout_account(db, actor=tutor, gateway="razorpay", details=RZP_DETAILS, now=NOW)
        assert (out.account.status, out.onboarding_url) == ("pending", None)
        [account_req] = api.find("POST", "/v2/accounts")
        sent = account_req.json()
        assert (sent["type"], sent["business_type"], sent["profile"]["category"]) == ("route", "individual", "education")
        acc = out.account.account_ref
        [product_req] = api.find("POST", f"/v2/accounts/{acc}/products")
        assert product_req.json() == {"product_name": "route", "tnc_accepted": True}
        [patch] = [r for r in api.requests if r.method == "PATCH"]
        assert patch.json()["settlements"] == {"account_number": "123456789012", "ifsc_code": "HDFC0001234",
                                               "beneficiary_name": tutor.full_name}
        _earned(db, tutor, 90000, "INR")
        with pytest.raises(Conflict):
            payouts.request_payout(db, actor=tutor, amount_minor=50000, currency="INR", now=NOW)

        product = stand.finish(acc)  # Razorpay activates the Route product and says so by webhook
        body = gs.razorpay_event("product.route.activated", {"merchant_product": {**product, "merchant_id": acc}},
                                 created=int(NOW.timestamp()))
        receive_webhook(db, "razorpay", body, {"X-Razorpay-Signature": gs.razorpay_signature(body)}, NOW)
        assert payout_accounts.my_payout_accounts(db, actor=tutor).accounts[0].status == "verified"
        assert payout_accounts.refresh_payout_account(db, actor=tutor, gateway="razorpay").status == "verified"

        requested = payouts.request_payout(db, actor=tutor, amount_minor=50000, currency="INR", now=NOW)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, now=NOW)
        db.commit()
        assert payouts.send_payout(requested.reference, now=NOW) == "paid"
        [transfer] = stand.transfers
        assert (transfer["recipient"], transfer["amount"]) == (acc, 50000)


def test_sandbox_connect_completes_at_once_and_the_sandbox_pays_that_account(db, make_user, gateway_env):
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    admin, tutor = make_user(Role.ADMIN), make_user(Role.TUTOR)
    out = payout_accounts.connect_payout_account(db, actor=tutor, gateway="sandbox", now=NOW)
    assert (out.account.status, out.onboarding_url) == ("verified", None) and out.account.account_ref.startswith("sbx_acct_")
    assert payout_accounts.connect_payout_account(db, actor=tutor, gateway="sandbox").account == out.account
    _earned(db, tutor, 9000, "EUR")
    requested = payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)
    assert payouts.approve_payout(db, actor=admin, payout_id=requested.id, now=NOW).status == "paid"
    charge = db.exec(SandboxCharge.__table__.select().where(SandboxCharge.reference == requested.reference)).first()
    assert charge.destination == out.account.account_ref


def test_only_the_tutor_reaches_their_own_account(db, make_user, gateway_env):
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    tutor, other, student, admin = make_user(Role.TUTOR), make_user(Role.TUTOR), make_user(Role.STUDENT), make_user(Role.ADMIN)
    payout_accounts.connect_payout_account(db, actor=tutor, gateway="sandbox", now=NOW)
    assert payout_accounts.my_payout_accounts(db, actor=other).accounts == []
    for who, error in ((student, Forbidden), (admin, Forbidden), (None, NotAuthenticated)):
        with pytest.raises(error):
            payout_accounts.connect_payout_account(db, actor=who, gateway="sandbox")
        with pytest.raises(error):
            payout_accounts.my_payout_accounts(db, actor=who)
        with pytest.raises(error):
            payout_accounts.refresh_payout_account(db, actor=who, gateway="sandbox")
    with pytest.raises(Conflict, match="not set up here"):
        payout_accounts.connect_payout_account(db, actor=other, gateway="stripe")  # not configured here
    with pytest.raises(InvalidInput):
        payout_accounts.connect_payout_account(db, actor=other, gateway="paypal")
    with pytest.raises(InvalidInput):
        payout_accounts.connect_payout_account(db, actor=other, gateway=["sandbox"])
    with pytest.raises(Conflict):
        payout_accounts.refresh_payout_account(db, actor=other, gateway="sandbox")
    assert db.exec(PayoutAccount.__table__.select()).all().__len__() == 1


def test_an_old_intent_approved_without_a_destination_waits_for_a_verified_account(db, make_user, gateway_env):
    admin, tutor = make_user(Role.ADMIN), make_user(Role.TUTOR)
    with gs.standin_gateway(lambda **e: gateway_env(**e, TUTORHUB_DELIVER_IMMEDIATELY="0"), gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        acct = payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW).account.account_ref
        stand.finish(acct)
        payout_accounts.refresh_payout_account(db, actor=tutor, gateway="stripe", now=NOW)
        _earned(db, tutor, 9000, "EUR")
        requested = payouts.request_payout(db, actor=tutor, amount_minor=5000, currency="EUR", now=NOW)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, now=NOW)
        db.get(Payout, requested.id).destination = ""  # as approved before this change
        account = db.exec(PayoutAccount.__table__.select()).first()
        db.get(PayoutAccount, account.id).status = "pending"
        db.commit()
        assert payouts.resume_payout_intents(now=NOW + timedelta(hours=1)) == 0 and stand.transfers == []
        db.get(PayoutAccount, account.id).status = "verified"
        db.commit()
        assert payouts.resume_payout_intents(now=NOW + timedelta(hours=1)) == 1
        assert [t["destination"] for t in stand.transfers] == [acct]


def test_a_connect_endpoint_secret_also_verifies_account_events(db, make_user, gateway_env):
    tutor = make_user(Role.TUTOR)
    connect_secret = "whsec_connect_0123456789abcdef"
    with gs.standin_gateway(lambda **e: gateway_env(**e, TUTORHUB_STRIPE_CONNECT_WEBHOOK_SECRET=connect_secret),
                            gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        acct = payout_accounts.connect_payout_account(db, actor=tutor, gateway="stripe", now=NOW).account.account_ref
        body = gs.stripe_event("account.updated", stand.finish(acct), event_id="evt_connect_1",
                               created=int(NOW.timestamp()) + 5)
        receive_webhook(db, "stripe", body, {"Stripe-Signature": gs.stripe_signature(body, connect_secret)}, NOW)
        assert payout_accounts.my_payout_accounts(db, actor=tutor).verified is True
