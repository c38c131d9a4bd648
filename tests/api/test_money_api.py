"""Money over HTTP exactly as the issue writes it: wallet, top-up → sandbox → balance, paying a
booking (wallet 402 / gateway checkout / credits), payments list and receipt, tutor payouts and
the admin side; other users' ids are 404 and bad input is a 4xx {"detail"}."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.booking import open_all_week
from tests.support.money import fund_wallet
from tutorhub.models import Role

START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def world(db, make_approved_tutor, as_role, bearer):
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=datetime.now(UTC), lesson_lengths=[60])
    student, student_h = as_role(Role.STUDENT)
    _, stranger_h = as_role(Role.STUDENT)
    admin, admin_h = as_role(Role.ADMIN)
    return {"tutor_id": tutor_id, "tutor": bearer(tutor), "tutor_user": tutor, "student": student_h,
            "student_user": student, "stranger": stranger_h, "admin": admin_h}


def hold(client, world, start=START):
    res = client.post("/api/v1/bookings", headers=world["student"], json={
        "tutor_id": world["tutor_id"], "start": start.isoformat(), "duration_min": 60, "kind": "single"})
    assert res.status_code == 201, res.text
    return res.json()["id"]


def test_wallet_starts_empty_and_a_topup_through_the_sandbox_fills_it(client, world):
    res = client.get("/api/v1/wallet", headers=world["student"])
    assert res.status_code == 200
    assert res.json() == {"balances": [], "credits_minutes": 0, "credit_lots": []}
    res = client.post("/api/v1/wallet/topup", headers=world["student"], json={"amount_minor": 2500, "currency": "eur"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert set(body) == {"payment_id", "checkout_url"} and body["payment_id"].startswith("pay_")
    assert body["checkout_url"].endswith(f"/pay/sandbox/{body['payment_id']}")
    res = client.post(f"/api/v1/sandbox/payments/{body['payment_id']}/succeed", headers=world["student"])
    assert res.status_code in (200, 204), res.text
    wallet = client.get("/api/v1/wallet", headers=world["student"]).json()
    assert wallet["balances"] == [{"currency": "EUR", "available_minor": 2500}]
    listed = client.get("/api/v1/payments", headers=world["student"]).json()
    assert [(p["reference"], p["status"], p["purpose"]) for p in listed["payments"]] == [
        (body["payment_id"], "succeeded", "topup")]
    receipt = client.get(f"/api/v1/payments/{body['payment_id']}/receipt", headers=world["student"])
    assert receipt.status_code == 200 and "25.00 EUR" in receipt.text
    assert client.get(f"/api/v1/payments/{body['payment_id']}/receipt", headers=world["stranger"]).status_code == 404
    assert client.get(f"/api/v1/payments/{body['payment_id']}", headers=world["stranger"]).status_code == 404
    assert client.get(f"/api/v1/payments/{'p' * 10_000}", headers=world["student"]).status_code == 404
    assert client.get("/api/v1/payments", headers=world["stranger"]).json()["payments"] == []


@pytest.mark.parametrize("body", [{}, {"amount_minor": -5, "currency": "EUR"}, {"amount_minor": "ten", "currency": "EUR"},
                                  {"amount_minor": 500, "currency": "EURO"}, {"amount_minor": 1.5, "currency": "EUR"},
                                  {"amount_minor": True, "currency": "EUR"}, {"amount_minor": 10**12, "currency": "EUR"},
                                  {"amount_minor": 10**30, "currency": "EUR"}, {"amount_minor": "²", "currency": "EUR"},
                                  {"amount_minor": "9" * 5000, "currency": "EUR"}, {"amount_minor": 500, "currency": "XYZ"},
                                  {"amount_minor": 500, "currency": "E" * 10_000}])  # 500.0 is the whole number 500 (JSON Schema)
def test_bad_topups_are_422_with_detail(client, world, body):
    res = client.post("/api/v1/wallet/topup", headers=world["student"], json=body)
    assert res.status_code == 422 and "detail" in res.json()
    assert client.get("/api/v1/payments", headers=world["student"]).json()["payments"] == []  # nothing started


def test_pay_a_booking_from_the_wallet_402_then_200(client, world, db):
    booking_id = hold(client, world)
    res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["student"], json={"method": "wallet"})
    assert res.status_code == 402 and "detail" in res.json()
    fund_wallet(db, world["student_user"].id, 3000, "EUR", commit=True)
    res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["student"], json={"method": "wallet"})
    assert res.status_code == 200 and res.json() == {"status": "CONFIRMED"}
    assert client.get("/api/v1/wallet", headers=world["student"]).json()["balances"] == [
        {"currency": "EUR", "available_minor": 0}]
    res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["student"], json={"method": "wallet"})
    assert res.status_code == 409


def test_pay_a_booking_through_the_gateway(client, world):
    booking_id = hold(client, world)
    res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["student"], json={"method": "gateway"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "PENDING_PAYMENT" and "/pay/sandbox/" in body["checkout_url"]
    reference = body["checkout_url"].rsplit("/", 1)[1]
    assert client.post(f"/api/v1/sandbox/payments/{reference}/succeed").status_code in (200, 204)
    booking = client.get(f"/api/v1/bookings/{booking_id}", headers=world["student"]).json()
    assert booking["status"] == "CONFIRMED"


def test_credits_without_credits_is_402(client, world):
    booking_id = hold(client, world)
    res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["student"], json={"method": "credits"})
    assert res.status_code == 402 and "detail" in res.json()


@pytest.mark.parametrize("body", [{}, {"method": "cash"}, {"method": 1}, {"method": "wallet", "promo_code": "x" * 500},
                                  {"method": True}, {"method": ["wallet"]}, {"method": "wallet", "promo_code": 5},
                                  {"method": "w" * 10_000}])
def test_bad_pay_requests_are_422(client, world, body):
    booking_id = hold(client, world)
    res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["student"], json=body)
    assert res.status_code == 422 and "detail" in res.json()


def test_paying_someone_elses_booking_is_404(client, world):
    booking_id = hold(client, world)
    for who in ("stranger",):
        res = client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world[who], json={"method": "wallet"})
        assert res.status_code == 404
    assert client.post("/api/v1/bookings/999999/pay", headers=world["student"], json={"method": "wallet"}).status_code == 404
    for huge in (2**63, 10**30, -1, "1e3"):  # beyond int64 / nonsense ids: 404 (or a 422), never a 500
        res = client.post(f"/api/v1/bookings/{huge}/pay", headers=world["student"], json={"method": "wallet"})
        assert res.status_code in (404, 422) and "detail" in res.json()
    assert client.post(f"/api/v1/bookings/{booking_id}/pay", headers=world["tutor"], json={"method": "wallet"}).status_code in (
        403, 404)
    assert client.post(f"/api/v1/bookings/{booking_id}/pay", json={"method": "wallet"}).status_code == 401


def test_tutor_payout_and_admin_side(client, world, db):
    from tutorhub.services.money import ledger
    from tutorhub.services.money.ledger import Line

    tutor_id = world["tutor_user"].id
    ledger.post(db, kind="release", idempotency_key="seed", now=START, lines=[
        Line("platform:credit_lessons", 5000, "EUR"), Line(f"tutor:{tutor_id}:earnings", -5000, "EUR")])
    db.commit()
    assert client.get("/api/v1/tutors/me/earnings", headers=world["tutor"]).json()["totals"][0]["available_minor"] == 5000
    refused = client.post("/api/v1/tutors/me/payouts", headers=world["tutor"], json={"amount_minor": 2000, "currency": "EUR"})
    assert refused.status_code == 409 and "Connect a payout account" in refused.json()["detail"]
    res = client.post("/api/v1/tutors/me/payout-accounts", headers=world["tutor"], json={"gateway": "sandbox"})
    assert res.status_code == 201 and res.json()["account"]["status"] == "verified", res.text
    account_ref = res.json()["account"]["account_ref"]
    assert client.post("/api/v1/tutors/me/payouts", headers=world["tutor"],
                       json={"amount_minor": 10, "currency": "EUR"}).status_code == 409  # under the minimum
    assert client.post("/api/v1/tutors/me/payouts", headers=world["tutor"],
                       json={"amount_minor": 9000, "currency": "EUR"}).status_code == 402
    assert client.post("/api/v1/tutors/me/payouts", headers=world["student"],
                       json={"amount_minor": 2000, "currency": "EUR"}).status_code == 403
    res = client.post("/api/v1/tutors/me/payouts", headers=world["tutor"], json={"amount_minor": 2000, "currency": "EUR"})
    assert res.status_code == 201, res.text
    payout_id = res.json()["id"]
    assert client.get("/api/v1/admin/payouts", headers=world["tutor"]).status_code == 403
    [listed] = client.get("/api/v1/admin/payouts", headers=world["admin"]).json()
    assert (listed["id"], listed["destination"], listed["destination_status"]) == (payout_id, account_ref, "verified")
    assert client.post("/api/v1/admin/payouts/424242/approve", headers=world["admin"], json={}).status_code == 404
    assert client.post(f"/api/v1/admin/payouts/{2**64}/approve", headers=world["admin"], json={}).status_code in (404, 422)
    assert client.post(f"/api/v1/admin/payouts/{payout_id}/approve", headers=world["tutor"], json={}).status_code == 403
    assert client.post(f"/api/v1/admin/payouts/{payout_id}/reject", headers=world["student"],
                       json={"note": "x"}).status_code == 403
    res = client.post(f"/api/v1/admin/payouts/{payout_id}/approve", headers=world["admin"], json={"note": "ok"})
    assert res.status_code == 200 and res.json()["status"] == "paid"
    totals = client.get("/api/v1/tutors/me/earnings", headers=world["tutor"]).json()["totals"][0]
    assert (totals["available_minor"], totals["paid_out_minor"]) == (3000, 2000)
    assert client.get("/api/v1/tutors/me/statement?month=2027-13", headers=world["tutor"]).status_code == 422
    res = client.put("/api/v1/admin/money-settings", headers=world["admin"], json={"commission_percent": 15})
    assert res.status_code == 200 and res.json()["commission_percent"] == 15
    assert client.put("/api/v1/admin/money-settings", headers=world["admin"],
                      json={"commission_percent": 150}).status_code == 422
    assert client.put("/api/v1/admin/money-settings", headers=world["tutor"],
                      json={"commission_percent": 5}).status_code == 403
    finance = client.get("/api/v1/admin/finance?bucket=week", headers=world["admin"])
    assert finance.status_code == 200 and finance.json()["bucket"] == "week"
    assert client.get("/api/v1/admin/finance", headers=world["student"]).status_code == 403
