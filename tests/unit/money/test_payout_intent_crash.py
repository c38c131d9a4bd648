"""A payout to an outside provider is recorded as an intent by the admin's approval and sent after
its commit: a crash at any point ends with exactly one transfer (issue 11: Razorpay takes no
idempotency header, so a retry must first ask whether the transfer happened).

As in test_refund_intent_crash.py, a SUBPROCESS sends the payout with one of payouts' no-op seams
replaced by os._exit (right after the claim, or right after the provider answered); this process
then runs the resume job and checks the Razorpay stand-in saw exactly one transfer, the payout is
paid and the ledger verifies. Before this change the transfer was made inside the admin's
transaction: approving called the provider before anything was committed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.crash import CRASHED, crash_at, verify_ledger_cli
from tests.support.gateway_standin import Recorded, StandIn
from tests.support.money import give_payout_account
from tutorhub.models import Payout, Role
from tutorhub.services.money import gateway_intents, ledger, payouts
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops.ledger_verify import verify_ledger

gateway_env = gateway_support.gateway_env
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SEAMS = {"claimed": "_after_payout_claimed", "called": "_after_payout_call"}


def _razorpay_with_transfers(api: StandIn) -> list[dict]:
    """A stateful stand-in: POST /v1/transfers makes a transfer, GET /v1/transfers lists them."""
    made: list[dict] = []

    def create(req: Recorded):
        body = req.json()
        transfer = {"id": f"trf_{len(made) + 1}", "entity": "transfer", "amount": body["amount"], "currency": "INR",
                    "status": "processed", "notes": body.get("notes") or {}}
        made.append(transfer)
        return 200, transfer

    api.on_call("POST", "/v1/transfers", create)
    api.on_call("GET", "/v1/transfers", lambda _req: (200, {"entity": "collection", "count": len(made),
                                                            "items": list(made)}))
    return made


def _requested(db, make_user):
    """A tutor with INR 800.00 earned who asked for INR 500.00, and an admin."""
    admin, tutor = make_user(Role.ADMIN), make_user(Role.TUTOR)
    ledger.post(db, kind="release", idempotency_key="seed", now=NOW,
                lines=[Line(f"tutor:{tutor.id}:earnings", -80000, "INR"), Line("platform:credit_lessons", 80000, "INR")])
    give_payout_account(db, tutor.id, "razorpay")
    payout = payouts.request_payout(db, actor=tutor, amount_minor=50000, currency="INR", now=NOW)
    db.commit()
    return admin, tutor, payout


def _env(gateway_env):
    return gateway_support.standin_gateway(lambda **env: gateway_env(**env, TUTORHUB_DELIVER_IMMEDIATELY="0"),
                                           gateway_support.razorpay_env)


def test_approving_records_the_intent_and_calls_nobody_inside_the_transaction(db, make_user, gateway_env):
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        admin, _tutor, requested = _requested(db, make_user)
        out = payouts.approve_payout(db, actor=admin, payout_id=requested.id, note="ok", now=NOW)
        assert (out.status, made) == ("approved", [])
        db.rollback()  # the admin's transaction rolls back: nothing was sent, nothing will be
        assert db.get(Payout, requested.id).status == "requested"
        assert payouts.resume_payout_intents(now=NOW + timedelta(hours=1)) == 0 and made == []


@pytest.mark.parametrize("where", ["claimed", "called"])
def test_a_payout_intent_killed_mid_way_is_resumed_and_made_exactly_once(db, make_user, gateway_env, where):
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        admin, tutor, requested = _requested(db, make_user)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, note="ok", now=NOW)
        db.commit()  # step 1: the intent is durable; nothing sent yet
        assert made == []

        crashed = crash_at("tutorhub.services.money.payouts", SEAMS[where], "send_payout", requested.reference, NOW)
        assert crashed.returncode == CRASHED, crashed.stderr
        assert len(made) == (1 if where == "called" else 0)
        db.rollback()
        assert db.get(Payout, requested.id).gateway_ref == payouts.SENDING  # claimed, outcome unknown

        assert payouts.resume_payout_intents(now=NOW + timedelta(minutes=1)) == 0  # too fresh to retry
        assert payouts.resume_payout_intents(now=NOW + gateway_intents.RESUME_AFTER) == 1
        assert payouts.resume_payout_intents(now=NOW + timedelta(hours=1)) == 0  # nothing left
        assert len(made) == 1 and len(api.find("POST", "/v1/transfers")) == 1  # exactly one transfer
        db.rollback()
        payout = db.exec(select(Payout)).one()
        assert (payout.status, payout.gateway, payout.gateway_ref) == ("paid", "razorpay", "trf_1")
        assert ledger.balance(db, f"tutor:{tutor.id}:earnings", "INR") == 30000
        assert ledger.balance(db, f"tutor:{tutor.id}:payout_hold", "INR") == 0
        assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []
        cli = verify_ledger_cli()
        assert cli.returncode == 0, cli.stdout + cli.stderr


def test_a_refused_payout_goes_back_to_the_admin_with_the_reason(db, make_user, gateway_env):
    with _env(gateway_env) as api:
        api.on("POST", "/v1/transfers", {"error": {"code": "BAD_REQUEST_ERROR", "description": "account not linked"}},
               status=400)
        api.on("GET", "/v1/transfers", {"entity": "collection", "count": 0, "items": []})
        admin, tutor, requested = _requested(db, make_user)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, note="ok", now=NOW)
        db.commit()
        assert payouts.send_payout(requested.reference, now=NOW) == "requested"
        db.rollback()
        payout = db.get(Payout, requested.id)
        assert (payout.status, payout.gateway, payout.gateway_ref, payout.decided_at) == ("requested", "", "", None)
        assert "refused" in payout.note and "approve it again" in payout.note
        assert ledger.balance(db, f"tutor:{tutor.id}:payout_hold", "INR") == 50000  # still held for the decision
        assert payouts.approve_payout(db, actor=admin, payout_id=requested.id, mark_paid_manually=True).status == "paid"
        assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []
