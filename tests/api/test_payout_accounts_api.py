"""/api/v1/tutors/me/payout-accounts: a tutor connects and reads only their own account; students,
admins and anonymous callers are refused and change nothing; bad bodies are 422 with nothing
changed. Stripe's onboarding and its signed account.updated webhook go through the real SDK and
the real webhook endpoint against the local stand-in."""

from __future__ import annotations

import pytest

from tests.api.conftest import db_snapshot
from tests.support import gateways as gs
from tests.support.gateway_standin import ConnectAccounts
from tutorhub.models import Role

gateway_env = gs.gateway_env
URL = "/api/v1/tutors/me/payout-accounts"


@pytest.fixture
def people(as_role):
    tutor, tutor_h = as_role(Role.TUTOR)
    _, other_h = as_role(Role.TUTOR)
    _, student_h = as_role(Role.STUDENT)
    _, admin_h = as_role(Role.ADMIN)
    return {"tutor": tutor_h, "other": other_h, "student": student_h, "admin": admin_h, "tutor_user": tutor}


def test_sandbox_connect_and_strangers(client, people, gateway_env):
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    before = db_snapshot()
    for headers in (people["student"], people["admin"], {}):
        for method, path, body in (("get", URL, None), ("post", URL, {"gateway": "sandbox"}),
                                   ("post", f"{URL}/sandbox/refresh", None)):
            res = client.request(method.upper(), path, headers=headers, json=body)
            assert res.status_code == (401 if not headers else 403), (path, res.text)
    for bad in ({}, {"gateway": "paypal"}, {"gateway": 1}, {"gateway": "sandbox", "phone": 919812345678},
                {"gateway": "sandbox", "city": "x" * 10_000}, ["sandbox"]):
        assert client.post(URL, headers=people["tutor"], json=bad).status_code == 422, bad
    assert client.post(f"{URL}/paypal/refresh", headers=people["tutor"]).status_code in (404, 422)
    assert client.post(URL, headers=people["tutor"], json={"gateway": "stripe"}).status_code == 409  # not set up here
    assert client.post(f"{URL}/razorpay/refresh", headers=people["tutor"]).status_code == 409
    assert client.post(f"{URL}/sandbox/refresh", headers=people["tutor"]).status_code == 409  # nothing to refresh
    assert db_snapshot() == before

    res = client.post(URL, headers=people["tutor"], json={"gateway": "sandbox"})
    assert res.status_code == 201 and res.json()["onboarding_url"] is None
    mine = client.get(URL, headers=people["tutor"]).json()
    assert mine["verified"] is True and mine["gateways"] == ["sandbox"]
    assert [a["status"] for a in mine["accounts"]] == ["verified"]
    theirs = client.get(URL, headers=people["other"]).json()
    assert (theirs["accounts"], theirs["verified"]) == ([], False)  # another tutor sees none of it
    assert client.post(f"{URL}/sandbox/refresh", headers=people["tutor"]).json()["status"] == "verified"


def test_stripe_onboarding_and_account_updated_over_http(client, people, gateway_env):
    with gs.standin_gateway(gateway_env, gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        res = client.post(URL, headers=people["tutor"], json={"gateway": "stripe"})
        assert res.status_code == 201, res.text
        acct = res.json()["account"]["account_ref"]
        assert res.json()["onboarding_url"].startswith("https://connect.stripe.com/setup/")
        assert res.json()["account"]["status"] == "pending"
        body = gs.stripe_event("account.updated", stand.finish(acct), event_id="evt_acct_1")
        forged = client.post("/api/v1/webhooks/stripe", content=body,
                             headers={"Stripe-Signature": gs.stripe_signature(body, "whsec_wrong")})
        assert forged.status_code == 400
        assert client.get(URL, headers=people["tutor"]).json()["verified"] is False
        ok = client.post("/api/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": gs.stripe_signature(body)})
        assert ok.status_code == 200
        assert client.get(URL, headers=people["tutor"]).json()["accounts"][0]["status"] == "verified"
        assert client.get(URL, headers=people["other"]).json()["accounts"] == []


def test_razorpay_bad_bank_details_are_422_and_send_nothing(client, people, gateway_env):
    with gs.standin_gateway(gateway_env, gs.razorpay_env) as api:
        ConnectAccounts(api).serve_razorpay()
        res = client.post(URL, headers=people["tutor"], json={"gateway": "razorpay", "bank_ifsc": "x"})
        assert res.status_code == 422 and api.requests == []
