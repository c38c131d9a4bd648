"""A Hypothesis state machine over the ledger and the services that post to it: gateway payments
(top-ups) with duplicate deliveries, holds (wallet → escrow), releases with commission, partial
refunds, payouts (request / paid / returned), chargebacks (opened / won, any order), credit
grants, prorated grants and expiry. After every step: verify-ledger finds nothing AND every
balance equals the model's.

The idempotency experiment: `test_without_idempotency_the_machine_finds_a_violation` switches
the ledger's idempotency off (the already-posted lookup answers "no" and keys are made unique)
and asserts that the same machine then fails — a redelivered chargeback is posted twice and the
gateway clearing drifts from the model.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import Payment, Role
from tutorhub.services.billing import credits
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.money import ledger, payments
from tutorhub.services.money.ledger import InsufficientFunds, Line
from tutorhub.services.ops.ledger_verify import verify_ledger

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CUR = "USD"


def _event(kind: EventKind, payment: Payment, amount: int, **data: str) -> GatewayEvent:
    return GatewayEvent(gateway="sandbox", event_id=f"evt_{uuid.uuid4().hex}", kind=kind, raw_type=kind.value,
                        reference=payment.reference, gateway_ref=f"g_{payment.reference}", amount_minor=amount,
                        currency=CUR, occurred_at=NOW, data=data)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, db, students: list[int], tutor: int) -> None:
        super().__init__()
        self.db, self.students, self.tutor = db, students, tutor
        self.db.begin_nested()  # everything an example does is rolled back at teardown
        self.expected: dict[tuple[str, str], int] = defaultdict(int)
        self.delivered: list[GatewayEvent] = []
        self.payments: list[Payment] = []
        self.holds: list[tuple[str, int]] = []
        self.payouts: list[tuple[str, int]] = []
        self.n = 0
        self.clock = NOW

    def _key(self) -> str:
        self.n += 1
        return f"m{self.n}"

    def _move(self, debit: str, credit: str, amount: int, unit: str = CUR) -> None:
        """The model: normal-direction balances (credit-normal accounts grow on credit)."""
        self.expected[(debit, unit)] += -amount if ledger.is_credit_normal(debit) else amount
        self.expected[(credit, unit)] += amount if ledger.is_credit_normal(credit) else -amount

    def _deliver(self, event: GatewayEvent) -> None:
        payment_events.apply_gateway_event(self.db, event, now=self.clock)
        self.delivered.append(event)

    @rule(student=st.integers(0, 1), amount=st.integers(100, 50_000))
    def top_up(self, student: int, amount: int) -> None:
        uid = self.students[student]
        payment = Payment(reference=payments.new_reference(), user_id=uid, purpose="topup", amount_minor=amount,
                          currency=CUR, gateway="sandbox", created_at=self.clock, updated_at=self.clock)
        self.db.add(payment)
        self.db.flush()
        self.payments.append(payment)
        self._deliver(_event(EventKind.PAYMENT_SUCCEEDED, payment, amount))
        self._move("gateway:sandbox:clearing", f"student:{uid}:wallet", amount)

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def redeliver(self, data) -> None:
        """A gateway repeats a fact under a new event id (services/checkout/webhooks.py dedups only exact ids)."""
        event = data.draw(st.sampled_from(self.delivered))
        payment_events.apply_gateway_event(self.db, GatewayEvent(**{**event.__dict__, "event_id": f"evt_{uuid.uuid4().hex}"}),
                                     now=self.clock)

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), won=st.booleans())
    def chargeback(self, data, won: bool) -> None:
        payment = data.draw(st.sampled_from(self.payments))
        dispute = f"dp_{uuid.uuid4().hex[:8]}"
        kinds = [EventKind.DISPUTE_OPENED] + ([EventKind.DISPUTE_WON] if won else [])
        for kind in data.draw(st.permutations(kinds)):
            self._deliver(_event(kind, payment, payment.amount_minor, dispute_id=dispute))
        if not won:
            self._move("platform:disputes", "gateway:sandbox:clearing", payment.amount_minor)

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), share=st.integers(1, 100))
    def provider_refund(self, data, share: int) -> None:
        payment = data.draw(st.sampled_from(self.payments))
        amount = max(1, payment.amount_minor * share // 100)
        self._deliver(_event(EventKind.REFUND_SUCCEEDED, payment, amount, refund_id=f"re_{uuid.uuid4().hex[:8]}"))
        self._move("refunds", "gateway:sandbox:clearing", amount)

    @rule(student=st.integers(0, 1), amount=st.integers(1, 30_000))
    def hold(self, student: int, amount: int) -> None:
        uid = self.students[student]
        escrow = f"escrow:booking:{900_000 + self.n}"
        try:
            ledger.post(self.db, kind="wallet_spend", idempotency_key=self._key(), now=self.clock,
                        lines=[Line(f"student:{uid}:wallet", amount, CUR), Line(escrow, -amount, CUR)],
                        never_negative=[f"student:{uid}:wallet"])
        except InsufficientFunds:
            assert self.expected[(f"student:{uid}:wallet", CUR)] < amount
            return
        self._move(f"student:{uid}:wallet", escrow, amount)
        self.holds.append((escrow, uid))

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), refund_percent=st.integers(0, 100), commission=st.integers(0, 100))
    def settle_hold(self, data, refund_percent: int, commission: int) -> None:
        """Partial refund to the wallet, the rest released to the tutor minus commission."""
        escrow, student = data.draw(st.sampled_from(self.holds))
        self.holds.remove((escrow, student))
        held = ledger.balance(self.db, escrow, CUR)
        refund = held * refund_percent // 100
        rest = held - refund
        fee = rest * commission // 100
        if refund:
            ledger.post(self.db, kind="refund", idempotency_key=self._key(), now=self.clock,
                        lines=[Line(escrow, refund, CUR), Line(f"student:{student}:wallet", -refund, CUR)])
        if rest:
            ledger.post(self.db, kind="release", idempotency_key=self._key(), now=self.clock,
                        lines=[Line(escrow, rest, CUR), Line(f"tutor:{self.tutor}:earnings", -(rest - fee), CUR),
                               Line("platform:revenue", -fee, CUR)])
        self._move(escrow, f"student:{student}:wallet", refund)
        self._move(escrow, f"tutor:{self.tutor}:earnings", rest - fee)
        self._move(escrow, "platform:revenue", fee)

    @rule(amount=st.integers(1, 20_000))
    def request_payout(self, amount: int) -> None:
        earnings, hold = f"tutor:{self.tutor}:earnings", f"tutor:{self.tutor}:payout_hold"
        try:
            ledger.post(self.db, kind="payout_request", idempotency_key=self._key(), now=self.clock,
                        lines=[Line(earnings, amount, CUR), Line(hold, -amount, CUR)], never_negative=[earnings])
        except InsufficientFunds:
            assert self.expected[(earnings, CUR)] < amount
            return
        self._move(earnings, hold, amount)
        self.payouts.append((self._key(), amount))

    @precondition(lambda self: self.payouts)
    @rule(paid=st.booleans())
    def finish_payout(self, paid: bool) -> None:
        key, amount = self.payouts.pop()
        hold = f"tutor:{self.tutor}:payout_hold"
        target = "gateway:sandbox:clearing" if paid else f"tutor:{self.tutor}:earnings"
        ledger.post(self.db, kind="payout_paid" if paid else "payout_returned", idempotency_key=key, now=self.clock,
                    lines=[Line(hold, amount, CUR), Line(target, -amount, CUR)])
        self._move(hold, target, amount)

    @rule(student=st.integers(0, 1), minutes=st.integers(1, 600), days=st.integers(1, 60),
          prorate=st.integers(1, 100))
    def grant_credits(self, student: int, minutes: int, days: int, prorate: int) -> None:
        """A plan grant (prorated for a mid-cycle upgrade: `prorate`% of the cycle left)."""
        uid = self.students[student]
        granted = max(1, minutes * prorate // 100)
        credits.grant_lot(self.db, user_id=uid, minutes=granted, source="plan", source_ref=f"machine:{self._key()}",
                          expires_at=self.clock + timedelta(days=days), now=self.clock)
        self._move("platform:credit_issuance", f"student:{uid}:credits", granted, "MIN")

    @rule(days=st.integers(1, 30))
    def time_passes(self, days: int) -> None:
        self.clock += timedelta(days=days)
        before = {uid: ledger.balance(self.db, f"student:{uid}:credits", "MIN") for uid in self.students}
        credits.expire_lots(self.db, now=self.clock)
        for uid in self.students:
            gone = before[uid] - ledger.balance(self.db, f"student:{uid}:credits", "MIN")
            assert gone >= 0
            self._move(f"student:{uid}:credits", "platform:credit_issuance", gone, "MIN")

    @invariant()
    def ledger_is_consistent(self) -> None:
        problems = verify_ledger(self.db, now=self.clock)
        assert problems == [], [str(p) for p in problems]
        for (account, unit), want in self.expected.items():
            assert ledger.balance(self.db, account, unit) == want, (account, unit)

    def teardown(self) -> None:
        self.db.rollback()


@pytest.fixture
def people(db, make_user):
    students = [make_user(Role.STUDENT).id, make_user(Role.STUDENT).id]
    return students, make_user(Role.TUTOR).id


RUN = settings(max_examples=30, stateful_step_count=20, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def test_the_ledger_machine_keeps_every_invariant(db, people):
    students, tutor = people
    run_state_machine_as_test(lambda: LedgerMachine(db, students, tutor), settings=RUN)


def test_without_idempotency_the_machine_finds_a_violation(db, people, monkeypatch):
    students, tutor = people
    monkeypatch.setattr(ledger, "already_posted", lambda session, key: False)
    monkeypatch.setattr(ledger, "_stored_key", lambda key: f"{key}#{uuid.uuid4().hex}")
    # the invariant's own message (a verify-ledger problem list or an (account, unit) balance
    # mismatch), not any stray assert inside the services
    with pytest.raises(AssertionError, match=r"^(\[|\()"):
        run_state_machine_as_test(lambda: LedgerMachine(db, students, tutor),
                                  settings=settings(RUN, max_examples=200, print_blob=False,
                                                    phases=[Phase.generate]))  # found is enough; no shrinking
