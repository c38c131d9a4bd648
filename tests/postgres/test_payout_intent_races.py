"""Payout intents under concurrency (CI runs these on PostgreSQL, the default run on SQLite): the
after-commit sender and the minutely job racing for one approved payout make one transfer; two
admins approving together record one intent; resume runs racing to take over one stale claim take
it once (the reclaim is conditional on the old claim's time) (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.races import race
from tests.unit.money.test_payout_intent_crash import NOW, _env, _razorpay_with_transfers, _requested
from tutorhub.models import Payout
from tutorhub.services.money import gateway_intents, payouts
from tutorhub.services.ops.ledger_verify import verify_ledger

THREADS = 8
gateway_env = gateway_support.gateway_env


def test_senders_racing_for_one_payout_intent_make_one_transfer(db, make_user, gateway_env):
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        admin, _tutor, requested = _requested(db, make_user)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, now=NOW)
        db.commit()
        results = race(THREADS, lambda _s, i: payouts.send_payout(requested.reference, now=NOW, retry=i % 2 == 0))
        assert sorted(r[1] for r in results) == [""] * (THREADS - 1) + ["paid"], results
        assert len(made) == 1 and len(api.find("POST", "/v1/transfers")) == 1
        db.rollback()
        assert db.exec(select(Payout.status)).one() == "paid"
        assert verify_ledger(db, now=NOW) == []


def test_admins_approving_together_record_one_intent(db, make_user, gateway_env):
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        admin, _tutor, requested = _requested(db, make_user)
        results = race(THREADS, lambda s, i: payouts.approve_payout(s, actor=admin, payout_id=requested.id, now=NOW).status)
        assert sorted(r[0] for r in results) == ["Conflict"] * (THREADS - 1) + ["ok"], results
        assert made == []  # nothing is sent inside the approvals
        assert payouts.resume_payout_intents(now=NOW) == 1 and len(made) == 1


def test_resume_runs_racing_for_one_stale_claim_make_one_transfer(db, make_user, gateway_env):
    """A sender claimed the payout at NOW and died before calling; RESUME_AFTER later several job
    runs see the same stale claim: one takes it over (claimed_at moves on), the others find it gone."""
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        admin, _tutor, requested = _requested(db, make_user)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, now=NOW - timedelta(hours=1))
        db.commit()
        payout = db.get(Payout, requested.id)
        payout.gateway_ref, payout.claimed_at = payouts.SENDING, NOW  # the crashed sender's claim
        db.add(payout)
        db.commit()
        later = NOW + gateway_intents.RESUME_AFTER
        results = race(THREADS, lambda _s, _i: payouts.send_payout(requested.reference, now=later, retry=True))
        assert sorted(r[1] for r in results) == [""] * (THREADS - 1) + ["paid"], results
        assert len(made) == 1 and len(api.find("POST", "/v1/transfers")) == 1
        db.rollback()
        assert db.exec(select(Payout.claimed_at)).one() == later
        assert verify_ledger(db, now=later) == []
