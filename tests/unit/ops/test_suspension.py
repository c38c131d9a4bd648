"""Suspending an account: the whole cascade through the real services (bookings, escrow, classes,
leads, sessions and tokens), idempotence, the admin-only rules and unsuspending."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from tests.support.booking import NOW, at
from tests.support.classes import funded_students, published_class
from tests.support.money import fund_wallet
from tutorhub.models import AuditEntry, Booking, ClassEnrolment, GroupClass, Notification, Payment, Refund, Role, User
from tutorhub.services.accounts import api_tokens, sessions
from tutorhub.services.accounts.audit import list_audit_entries
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.classes import seats
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger
from tutorhub.services.ops.suspension import suspend_user, unsuspend_user
from tutorhub.services.tutors import search


def wallet(db, user) -> int:
    return ledger.balance(db, f"student:{user.id}:wallet", "EUR")


@pytest.fixture
def busy_tutor(env, make_user):
    """The env tutor with: a wallet-paid confirmed lesson, a gateway (sandbox checkout) paid one, an
    unpaid hold, and a published class with one paid seat; plus a past lesson that must stay."""
    wallet_paid = env.book(at(2, 10), confirm=True)
    held = env.book(at(3, 10))
    out = lesson_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway", now=NOW)
    sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed", now=NOW)
    env.db.commit()
    unpaid = env.book(at(4, 10), student=make_user(Role.STUDENT))
    class_id = published_class(env.db, env.tutor, NOW)
    [seated] = funded_students(env.db, make_user, 1)
    seats.enrol(env.db, actor=seated, class_id=class_id, now=NOW)
    env.db.commit()
    admin = make_user(Role.ADMIN)
    return {"wallet": wallet_paid.id, "gateway": held.id, "unpaid": unpaid.id, "class": class_id,
            "seated": seated, "admin": admin}


def test_suspending_a_tutor_cancels_and_refunds_everything_ahead_and_locks_them_out(env, busy_tutor):
    db, admin, seated = env.db, busy_tutor["admin"], busy_tutor["seated"]
    assert env.tutor_id in [t.id for t in search.search_tutors(db, per_page=50).items]
    token = sessions.create_browser_session(db, user_id=env.tutor.id)
    access = api_tokens.issue_tokens(db, user_id=env.tutor.id).access_token
    db.commit()
    assert wallet(db, env.student) == 0 and wallet(db, seated) == 0
    assert ledger.balance(db, f"escrow:booking:{busy_tutor['gateway']}", "EUR") == 3000

    out = suspend_user(db, actor=admin, user_id=env.tutor.id, reason="Fake credentials", now=NOW)
    db.commit()

    assert out.status == "SUSPENDED" and out.cancelled_bookings == 3
    assert out.cancelled_classes == 1 and out.ended_seats == 1
    for key in ("wallet", "gateway", "unpaid"):
        booking = db.get(Booking, busy_tutor[key])
        assert booking.status == "CANCELLED" and booking.cancelled_by == "admin", key
        assert ledger.balance(db, f"escrow:booking:{booking.id}", "EUR") == 0, key
    # Wallet-paid → back to the wallet; gateway-paid → a refund of the whole payment (its original method
    # or the wallet, per the money settings); the seat's escrow → the seat holder's wallet.
    gateway_payment = db.exec(select(Payment).where(Payment.booking_id == busy_tutor["gateway"])).one()
    refunded = sum(r.amount_minor for r in db.exec(select(Refund).where(Refund.payment_id == gateway_payment.id)))
    assert wallet(db, env.student) + refunded == 6000
    assert wallet(db, seated) == 8000
    assert db.get(GroupClass, busy_tutor["class"]).status == "CANCELLED"
    assert db.exec(select(ClassEnrolment)).one().status == "REFUNDED"
    # Locked out at once: browser session and API token refused.
    assert sessions.resolve_session(db, token) is None
    with pytest.raises(NotAuthenticated):
        api_tokens.user_from_access_token(db, access)
    # Hidden from search; the student and the seat holder were told.
    assert env.tutor_id not in [t.id for t in search.search_tutors(db, per_page=50).items]
    told = {n.user_id for n in db.exec(select(Notification))}
    assert {env.student.id, seated.id, env.tutor.id} <= told
    [entry] = list_audit_entries(db, actor=admin, action="user.suspend").items
    assert entry.target_id == str(env.tutor.id) and entry.reason == "Fake credentials"
    assert entry.after["cancelled_bookings"] == 3 and entry.before == {"is_suspended": False}
    assert verify_ledger(db, now=NOW) == []


def test_suspending_twice_cancels_nothing_more_and_unsuspend_restores_access_only(env, busy_tutor):
    db, admin = env.db, busy_tutor["admin"]
    assert suspend_user(db, actor=admin, user_id=env.tutor.id, reason="x", now=NOW).cancelled_bookings == 3
    again = suspend_user(db, actor=admin, user_id=env.tutor.id, reason="again", now=NOW)
    assert again.status == "SUSPENDED" and again.cancelled_bookings == 0
    assert len(db.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("user."))).all()) == 1
    assert unsuspend_user(db, actor=admin, user_id=env.tutor.id, now=NOW).status == "ACTIVE"
    assert unsuspend_user(db, actor=admin, user_id=env.tutor.id, now=NOW).status == "ACTIVE"
    db.commit()
    assert not db.get(User, env.tutor.id).is_suspended
    assert db.get(Booking, busy_tutor["wallet"]).status == "CANCELLED"  # not restored
    actions = [e.action for e in db.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]
    assert actions == ["tutor.approve", "user.suspend", "user.unsuspend"]
    assert sessions.resolve_session(db, sessions.create_browser_session(db, user_id=env.tutor.id)) is not None


def test_suspending_a_student_refunds_their_lessons_in_full_and_closes_their_seats(env, make_user):
    db = env.db
    admin = make_user(Role.ADMIN)
    lesson = env.book(at(1, 1), confirm=True)  # 23 h ahead: a student cancelling would get only 50 %
    class_id = published_class(db, env.tutor, NOW)
    fund_wallet(db, env.student.id, 8000, "EUR")
    seats.enrol(db, actor=env.student, class_id=class_id, now=NOW)
    db.commit()
    out = suspend_user(db, actor=admin, user_id=env.student.id, reason="Chargeback fraud", now=NOW)
    db.commit()
    assert (out.cancelled_bookings, out.ended_seats, out.cancelled_classes) == (1, 1, 0)
    assert db.get(Booking, lesson.id).status == "CANCELLED"
    assert wallet(db, env.student) == 3000 + 8000
    assert db.get(GroupClass, class_id).status == "PUBLISHED" and db.get(GroupClass, class_id).seats_taken == 0
    assert verify_ledger(db, now=NOW) == []


def test_only_admins_suspend_and_never_an_admin(env, make_user):
    db = env.db
    admin, other_admin = make_user(Role.ADMIN), make_user(Role.ADMIN)
    for who in (None, env.student, env.tutor):
        with pytest.raises((NotAuthenticated, Forbidden)):
            suspend_user(db, actor=who, user_id=env.student.id, reason="x", now=NOW)
        with pytest.raises((NotAuthenticated, Forbidden)):
            unsuspend_user(db, actor=who, user_id=env.student.id, now=NOW)
    for target in (admin, other_admin):
        with pytest.raises(Forbidden, match="Admin accounts cannot be suspended"):
            suspend_user(db, actor=admin, user_id=target.id, reason="x", now=NOW)
    for reason in ("", "   ", None, 5, "x" * 501):
        with pytest.raises(InvalidInput):
            suspend_user(db, actor=admin, user_id=env.student.id, reason=reason, now=NOW)
    for bad_id in (0, -1, "abc", 10**9, None):
        with pytest.raises(NotFound):
            suspend_user(db, actor=admin, user_id=bad_id, reason="x", now=NOW)
    db.commit()
    assert not any(u.is_suspended for u in db.exec(select(User)))
    assert [e.action for e in db.exec(select(AuditEntry))] == ["tutor.approve"]  # the fixture's approval only


def test_the_lesson_pages_hear_of_the_cancellation_after_the_commit(env, busy_tutor):
    """Open lesson pages refresh on the booking's live hint (state/learning/lesson.py watch_lesson)."""
    import asyncio

    from tutorhub.db import session_scope
    from tutorhub.integrations import broker
    from tutorhub.services.live_hints import booking_channel

    channel = booking_channel(busy_tutor["wallet"])

    async def scenario() -> list:
        sub = broker.subscribe([channel])
        with session_scope() as session:
            suspend_user(session, actor=busy_tutor["admin"], user_id=env.tutor.id, reason="x")
            assert sub.drain() == []  # nothing before the commit
        await asyncio.sleep(0.05)
        got = sub.drain()
        sub.close()
        return got

    assert (channel, {"type": "booking", "id": busy_tutor["wallet"]}) in asyncio.run(scenario())
