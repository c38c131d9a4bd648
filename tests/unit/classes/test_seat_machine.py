"""A Hypothesis state machine over one group class's seats and their money (issue #14: class-seat money
is exact under any sequence of actions).

Students enrol paying by wallet, credit minutes or card (the sandbox checkout, paid through its signed
webhook), join the waitlist, take offered seats, leave; the tutor cancels single sessions or the whole
class; the class jobs run as the app's clock moves (offers expiring, the minimum-size auto-cancel,
settlement 48 h after each session); the provider refunds part or all of a card payment on its dashboard,
and chargebacks are opened, won or lost. Every service call runs in its own savepoint, rolled back when
the service refuses (as the request's transaction would be).

After every step:
- verify-ledger finds nothing, and every ledger transaction balances per unit;
- `seats_taken` equals the ENROLLED + OFFERED seats and never exceeds the capacity;
- per seat, from the ledger: paid = refunded to the student (wallet, card or minutes) + taken back for
  money returned outside TutorHub + released to the tutor + still in escrow, exactly; a seat is paid
  once, at its price, or not at all; `refunded_minor` agrees with the ledger;
- no student gets back more than they paid: our refunds + the provider's refunds + lost chargebacks;
- the tutor is never paid for money that went back: money returned outside leaves the escrow at once
  (as far as the escrow still holds it), checked around every refund and chargeback event;
- once a class is over and every held session is settled, no seat's escrow holds anything.

The provider and the bank are modelled as honest: a dashboard refund or a chargeback never returns money
TutorHub already gave back (the provider refuses more than the charge has left, and a cardholder refunded
to the wallet does not also charge back). A dashboard refund or a lost chargeback on top of a WALLET refund
would pay the student twice; TutorHub cannot see the card side of that and does not claw wallets back
(the platform bears it, as for lessons) — a product decision, not checked here. Likewise a chargeback
lost after a session was settled: the tutor was paid its share before the bank decided, and the platform
bears it (as for lessons); what the escrow still held at the decision is taken back, which is checked.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from sqlmodel import select

from tests.support.booking import NOW
from tests.support.classes import class_body
from tests.support.credits import pay
from tests.support.money import fund_wallet
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import ClassEnrolment, GroupClass, LotSource, Payment, Role
from tutorhub.models.classes import ClassStatus, SeatStatus, SessionStatus
from tutorhub.services.billing import credits
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.classes import class_jobs, classes, seats
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.classes.seat_money import held, seat_escrow
from tutorhub.services.errors import DomainError
from tutorhub.services.money import money_settings
from tutorhub.services.money.outside_returns import external_refunds
from tutorhub.services.money.payments import refunded_total
from tutorhub.services.ops.ledger_verify import verify_ledger

PRICE = 8001  # not a multiple of the 4 sessions: per-session shares round
IN_KINDS = {"seat_payment", "credit_spend"}
TO_STUDENT_KINDS = {"seat_refund", "credit_refund"}
OUTSIDE_KINDS = {"escrow_take_back"}
TUTOR_KINDS = {"seat_release"}
WITHHELD_KINDS = {"refund"}  # a refund withheld while a chargeback is open (to platform:disputes)
KNOWN_KINDS = IN_KINDS | TO_STUDENT_KINDS | OUTSIDE_KINDS | TUTOR_KINDS | WITHHELD_KINDS


def _by_kind(db, escrow: str, unit: str) -> dict[str, int]:
    """What moved through a seat's escrow, per transaction kind (positive = out of the escrow)."""
    rows = db.execute(text(
        "SELECT t.kind, SUM(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
        "JOIN ledger_transactions t ON t.id = e.transaction_id WHERE a.code = :code AND e.unit = :unit GROUP BY t.kind"
    ), {"code": escrow, "unit": unit}).all()
    return {kind: int(total) for kind, total in rows}


class SeatMachine(RuleBasedStateMachine):
    def __init__(self, db, tutor, students, admin) -> None:
        super().__init__()
        self.db, self.tutor, self.students, self.admin = db, tutor, students, admin
        self.outer = db.begin_nested()  # everything an example does is rolled back at teardown
        self.clock = NOW
        self.class_id = 0
        self.outside: dict[int, int] = defaultdict(int)  # payment id → what the payer got back outside TutorHub
        self.open_disputes: dict[int, tuple[str, int]] = {}  # payment id → (dispute id, amount)
        self.disputed: set[int] = set()  # payments that had a chargeback (one per payment)
        self.card_paid = False  # some seat checkout was paid: the provider's and the bank's rules apply

    # --- helpers -------------------------------------------------------------------------------------

    def _act(self, fn) -> object | None:
        """One request: its own savepoint, rolled back when the service refuses."""
        savepoint = self.db.begin_nested()
        try:
            out = fn()
        except DomainError:
            savepoint.rollback()
            return None
        savepoint.commit()
        return out

    def _cls(self) -> GroupClass:
        cls = self.db.get(GroupClass, self.class_id)
        self.db.refresh(cls)
        return cls

    def _seats(self) -> list[ClassEnrolment]:
        rows = list(self.db.exec(select(ClassEnrolment).where(ClassEnrolment.class_id == self.class_id)
                                 .order_by(ClassEnrolment.id)).all())
        for row in rows:
            self.db.refresh(row)
        return rows

    def _captured_seat_payments(self) -> list[Payment]:
        rows = list(self.db.exec(select(Payment).where(Payment.purpose == "class_seat",
                                                       Payment.succeeded_at.is_not(None)).order_by(Payment.id)).all())
        for row in rows:
            self.db.refresh(row)
        return rows

    def _seat_of(self, payment: Payment) -> ClassEnrolment | None:
        seat = self.db.get(ClassEnrolment, int((payment.extra or {}).get("enrolment_id") or 0))
        if seat is not None:
            self.db.refresh(seat)
        return seat if seat is not None and seat.payment_id == payment.id else None

    def _given_back(self, payment: Payment) -> int:
        """What TutorHub gave the payer back for this payment, by any route (to the card or the wallet, or
        a refund withheld during a chargeback we then won). The outside world here is honest: neither the
        provider's dashboard nor the bank returns money TutorHub already gave back to the wallet — TutorHub
        cannot see those and would have to claw the wallet back (not modelled; see the module doc)."""
        seat = self._seat_of(payment)
        ours = seat.refunded_minor if seat is not None and seat.method == "gateway" else 0
        ours = max(ours, refunded_total(self.db, payment.id) - external_refunds(self.db, payment))
        remainder = self.db.execute(text(
            "SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e JOIN ledger_transactions t "
            "ON t.id = e.transaction_id JOIN ledger_accounts a ON a.id = e.account_id "
            "WHERE t.idempotency_key = :key AND a.code = 'platform:disputes'"),
            {"key": f"payment:{payment.reference}:dispute_remainder"}).scalar_one()
        return ours + int(remainder)

    def _event(self, kind: EventKind, payment: Payment, amount: int, **data: str) -> None:
        payment_events.apply_gateway_event(self.db, GatewayEvent(
            gateway=payment.gateway, event_id=f"evt_{uuid.uuid4().hex}", kind=kind, raw_type=kind.value,
            reference=payment.reference, gateway_ref=payment.gateway_ref, amount_minor=amount,
            currency=payment.currency, occurred_at=self.clock, data=data), now=self.clock)

    def _returned_outside(self, payment: Payment, amount: int, deliver) -> None:
        """Deliver a fact that gave `amount` back to the payer outside TutorHub, and check that the seat's
        escrow let go of it at once (as far as it still held it): the tutor is never paid for it later."""
        seat = self._seat_of(payment)
        before = held(self.db, seat) if seat is not None else 0
        deliver()
        self.outside[payment.id] += amount
        if seat is not None:
            self.db.refresh(seat)
            assert held(self.db, seat) == max(0, before - amount), (before, amount, held(self.db, seat))

    # --- setup ---------------------------------------------------------------------------------------

    @initialize(destination=st.sampled_from(["original", "wallet"]), min_size=st.integers(1, 3))
    def open_class(self, destination: str, min_size: int) -> None:
        money_settings.update_money_settings(self.db, actor=self.admin, refund_destination=destination)
        created = classes.create_class(self.db, actor=self.tutor, now=NOW, data=class_body(
            capacity=3, min_size=min_size, price_minor=PRICE, timezone="UTC", rrule="FREQ=DAILY;COUNT=4",
            first_start_local="2027-03-03T17:00"))
        classes.publish_class(self.db, actor=self.tutor, class_id=created.id, now=NOW)
        self.class_id = created.id
        for n, student in enumerate(self.students):
            fund_wallet(self.db, student.id, 2 * PRICE, "EUR")
            credits.grant_lot(self.db, user_id=student.id, minutes=300, source=LotSource.ADMIN,
                              source_ref=f"seat-machine:{n}", expires_at=NOW + timedelta(days=60), now=NOW)

    # --- students ------------------------------------------------------------------------------------

    @rule(who=st.integers(0, 4), method=st.sampled_from(["wallet", "credits", "gateway", "gateway"]),
          pay_now=st.booleans())
    def enrol(self, who: int, method: str, pay_now: bool) -> None:
        """Enrol (or take an offered seat); by card the student may pay the checkout at once."""
        out = self._act(lambda: seats.enrol(self.db, actor=self.students[who], class_id=self.class_id, method=method,
                                            now=self.clock))
        if pay_now and isinstance(out, dict) and out.get("checkout_url"):
            self.pay_checkout(who)

    @rule(who=st.integers(0, 4))
    def pay_checkout(self, who: int) -> None:
        """Press Pay on the student's latest seat checkout (after its window the sandbox refuses)."""
        payment = self.db.exec(select(Payment).where(Payment.user_id == self.students[who].id,
                                                     Payment.purpose == "class_seat")
                               .order_by(Payment.id.desc())).first()
        if payment is not None:
            self._act(lambda: pay(self.db, payment.reference, self.clock))
            self.card_paid = self.card_paid or bool(self._captured_seat_payments())

    @precondition(lambda self: self.card_paid)
    @rule(data=st.data())
    def replay_capture(self, data) -> None:
        """The provider repeats a capture under a new event id."""
        payments = self._captured_seat_payments()
        if payments:
            payment = data.draw(st.sampled_from(payments))
            self._event(EventKind.PAYMENT_SUCCEEDED, payment, payment.amount_minor)

    @rule(who=st.integers(0, 4), method=st.sampled_from(["wallet", "credits", "gateway", "gateway"]))
    def enrol_and_pay(self, who: int, method: str) -> None:
        """The common case, weighted up: enrol and, by card, pay the checkout at once."""
        self.enrol(who, method, True)

    @rule(who=st.integers(0, 4), really=st.integers(0, 2))
    def leave(self, who: int, really: int) -> None:
        if really:  # a third as often as the other rules
            return
        self._act(lambda: seats.leave(self.db, actor=self.students[who], class_id=self.class_id, now=self.clock))

    # --- the tutor -----------------------------------------------------------------------------------

    @rule(seq=st.integers(1, 4), really=st.integers(0, 1))
    def cancel_session(self, seq: int, really: int) -> None:
        if not really:
            return
        row = next(r for r in class_sessions(self.db, self.class_id) if r.seq == seq)
        self._act(lambda: classes.cancel_session(self.db, actor=self.tutor, class_id=self.class_id,
                                                 session_id=row.id, now=self.clock))

    @rule(really=st.integers(0, 3))
    def cancel_class(self, really: int) -> None:
        if really:  # a quarter as often: a cancelled class ends the story
            return
        self._act(lambda: classes.cancel_class(self.db, actor=self.tutor, class_id=self.class_id, now=self.clock))

    # --- the clock and the jobs ----------------------------------------------------------------------

    @rule(hours=st.sampled_from([1, 13, 30, 80]))
    def time_passes(self, hours: int) -> None:
        self.clock += timedelta(hours=hours)
        class_jobs.run_class_jobs(self.db, now=self.clock)

    # --- the provider and the bank -------------------------------------------------------------------

    @precondition(lambda self: self.card_paid)
    @rule(data=st.data(), percent=st.sampled_from([1, 37, 50, 100]))
    def provider_refund(self, data, percent: int) -> None:
        """A refund made on the provider's dashboard: never more than the charge has left (its refunds,
        ours included, and chargebacks lost); the provider refuses refunds of a disputed charge."""
        payments = [p for p in self._captured_seat_payments() if p.id not in self.open_disputes]
        if not payments:
            return
        payment = data.draw(st.sampled_from(payments))
        left = payment.amount_minor - self._given_back(payment) - self.outside[payment.id]
        if left <= 0:
            return
        amount = max(1, left * percent // 100)
        self._returned_outside(payment, amount, lambda: self._event(
            EventKind.REFUND_SUCCEEDED, payment, amount, refund_id=f"re_{uuid.uuid4().hex[:10]}"))

    @precondition(lambda self: self.card_paid)
    @rule(data=st.data())
    def chargeback_opened(self, data) -> None:
        """The cardholder disputes what the provider still counts as charged (one dispute per payment)."""
        payments = [p for p in self._captured_seat_payments() if p.id not in self.disputed]
        if not payments:
            return
        payment = data.draw(st.sampled_from(payments))
        amount = payment.amount_minor - self._given_back(payment) - self.outside[payment.id]
        if amount <= 0:
            return
        dispute = f"dp_{uuid.uuid4().hex[:10]}"
        self._event(EventKind.DISPUTE_OPENED, payment, amount, dispute_id=dispute)
        self.open_disputes[payment.id] = (dispute, amount)
        self.disputed.add(payment.id)

    @precondition(lambda self: self.open_disputes)
    @rule(data=st.data(), lost=st.booleans(), really=st.integers(0, 2))
    def chargeback_decided(self, data, lost: bool, really: int) -> None:
        if really:  # banks take weeks: the dispute stays open while the class goes on
            return
        payment_id = data.draw(st.sampled_from(sorted(self.open_disputes)))
        dispute, amount = self.open_disputes.pop(payment_id)
        payment = self.db.get(Payment, payment_id)
        if not lost:
            self._event(EventKind.DISPUTE_WON, payment, amount, dispute_id=dispute)
            return
        self._returned_outside(payment, amount, lambda: self._event(
            EventKind.DISPUTE_LOST, payment, amount, dispute_id=dispute))

    # --- invariants ----------------------------------------------------------------------------------

    @invariant()
    def ledger_is_clean(self) -> None:
        problems = verify_ledger(self.db, now=self.clock)
        assert problems == [], [str(p) for p in problems]
        unbalanced = self.db.execute(text(
            "SELECT transaction_id, unit, SUM(amount) FROM ledger_entries GROUP BY transaction_id, unit "
            "HAVING SUM(amount) <> 0")).all()
        assert unbalanced == []

    @precondition(lambda self: self.class_id)
    @invariant()
    def seats_are_counted(self) -> None:
        cls = self._cls()
        holding = [s for s in self._seats() if s.status in SeatStatus.HOLDS_SEAT]
        assert cls.seats_taken == len(holding) <= cls.capacity, (cls.seats_taken, [s.status for s in holding])

    @precondition(lambda self: self.class_id)
    @invariant()
    def every_seat_adds_up(self) -> None:
        cls = self._cls()
        over = cls.status in (ClassStatus.CANCELLED, ClassStatus.COMPLETED) and all(
            r.settled_at is not None or r.status == SessionStatus.CANCELLED
            for r in class_sessions(self.db, self.class_id))
        for seat in self._seats():
            flows = _by_kind(self.db, seat_escrow(seat.id or 0), seat.unit or "EUR")
            assert set(flows) <= KNOWN_KINDS, flows
            paid = -sum(v for k, v in flows.items() if k in IN_KINDS)
            to_student = sum(v for k, v in flows.items() if k in TO_STUDENT_KINDS)
            outside = sum(v for k, v in flows.items() if k in OUTSIDE_KINDS | WITHHELD_KINDS)
            tutor = sum(v for k, v in flows.items() if k in TUTOR_KINDS)
            still = held(self.db, seat)
            assert min(to_student, outside, tutor, still) >= 0, flows
            assert paid == to_student + outside + tutor + still, (seat.id, flows, still)
            assert paid in (0, seat.price_minor), (seat.id, paid, seat.price_minor)
            if seat.status == SeatStatus.ENROLLED or seat.enrolled_at is not None:
                assert paid == seat.price_minor > 0, (seat.id, seat.status, paid)
            else:
                assert paid == 0, (seat.id, seat.status, paid)
            assert seat.refunded_minor == to_student, (seat.id, seat.refunded_minor, flows)
            # the provider's refunds and lost chargebacks count against the seat when its payment funded it
            # (money that arrived for a seat no longer held went to the wallet instead)
            funded_by_card = seat.payment_id is not None and paid > 0 and seat.method == "gateway"
            came_back = to_student + (self.outside[seat.payment_id] if funded_by_card else 0)
            assert came_back <= paid, ("the student got back more than they paid", seat.id, flows,
                                       self.outside[seat.payment_id or 0])
            if over:
                assert still == 0, ("money stranded in a finished class's seat", seat.id, flows)

    def teardown(self) -> None:
        self.outer.rollback()
        self.db.rollback()


@pytest.fixture
def world(env, make_user):
    students = [make_user(Role.STUDENT) for _ in range(5)]
    return env.db, env.tutor, students, make_user(Role.ADMIN)


# Fixed seed (derandomize) so CI runs the same 40 sequences every time; no shrink phase, because shrinking
# a 30-step sequence against the database took over five minutes — a failure prints its whole sequence
# (add Phase.shrink locally to minimise one).
RUN = settings(max_examples=40, stateful_step_count=30, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.reuse, Phase.generate],
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                      HealthCheck.filter_too_much])


def test_class_seat_money_is_exact_under_any_sequence(world):
    run_state_machine_as_test(lambda: SeatMachine(*world), settings=RUN)
