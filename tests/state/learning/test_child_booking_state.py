"""The guardian's "book for my child" page: search, pick a time, hold, pay from the wallet; a
guardian not linked to the child (or the child) cannot open the page, hold or pay anything."""

from __future__ import annotations

from sqlmodel import select

from tests.support.booking_world import make_world
from tests.support.guardians import link_guardian
from tests.support.money import fund_wallet
from tutorhub.db import session_scope
from tutorhub.models import Booking, Role
from tutorhub.models.base import utcnow
from tutorhub.models.learning import GuardianBooking
from tutorhub.services.booking import changes
from tutorhub.services.checkout import escrow
from tutorhub.state.billing.wallet import WalletState
from tutorhub.state.learning.child_booking import ChildBookingState


def _setup(db, make_user, make_approved_tutor):
    world = make_world(db, make_user, make_approved_tutor)
    parent = make_user(Role.GUARDIAN, email="parent@example.com")
    link_guardian(db, world.student, parent)
    return world, parent


def test_guardian_books_and_pays_for_the_child(browser, db, make_user, make_approved_tutor):
    world, parent = _setup(db, make_user, make_approved_tutor)
    fund_wallet(db, parent.id, 10_000, commit=True)
    page, _ = browser.open(ChildBookingState, f"/guardian/book?student={world.student.id}", parent.email)
    assert page.status == "ready" and page.child_name == "Sam Student"
    browser.run(page.search({"subject": ""}))
    assert world.tutor_id in [t.id for t in page.tutors]
    browser.run(page.choose_tutor(world.tutor_id))
    assert page.slots and page.duration == 45
    browser.run(page.hold(page.slots[0].start))
    assert page.booking_id and not page.message
    booking_id = page.booking_id
    browser.run(page.pay("wallet"))
    db.expire_all()
    row = db.get(Booking, booking_id)
    assert row.student_id == world.student.id and row.status == "CONFIRMED"
    assert db.exec(select(GuardianBooking.guardian_id)).all() == [parent.id]


def test_strangers_and_the_child_change_nothing(browser, new_browser, db, make_user, make_approved_tutor):
    world, parent = _setup(db, make_user, make_approved_tutor)
    stranger = make_user(Role.GUARDIAN, email="stranger@example.com")
    fund_wallet(db, stranger.id, 10_000, commit=True)
    page, _ = browser.open(ChildBookingState, f"/guardian/book?student={world.student.id}", stranger.email)
    assert page.status != "ready" and page.child_name == ""
    # Handlers called anyway, with forged ids: the service refuses, nothing is held or paid.
    page.child_id, page.tutor_id, page.duration = world.student.id, world.tutor_id, 60
    browser.run(page.search({"subject": ""}))
    browser.run(page.choose_tutor(world.tutor_id))
    if page.slots:
        browser.run(page.hold(page.slots[0].start))
        assert "linked to you" in page.message and page.booking_id == 0
    g = new_browser()
    mine, _ = g.open(ChildBookingState, f"/guardian/book?student={world.student.id}", parent.email)
    g.run(mine.search({"subject": ""}))
    g.run(mine.choose_tutor(world.tutor_id))
    g.run(mine.hold(mine.slots[0].start))
    page.booking_id = mine.booking_id
    browser.run(page.pay("wallet"))
    assert "not found" in page.message.lower()
    child = new_browser()
    kid, _ = child.open(ChildBookingState, f"/guardian/book?student={world.student.id}", world.student.email)
    assert kid.status != "ready"
    kid.booking_id = mine.booking_id
    child.run(kid.pay("wallet"))
    assert kid.message
    db.expire_all()
    assert db.get(Booking, mine.booking_id).status == "PENDING_PAYMENT"
    assert len(db.exec(select(GuardianBooking)).all()) == 1


def test_the_childs_wallet_lists_the_lesson_paid_by_the_guardian_and_its_refund(browser, new_browser, db, make_user,
                                                                               make_approved_tutor):
    world, parent = _setup(db, make_user, make_approved_tutor)
    fund_wallet(db, parent.id, 10_000, commit=True)
    page, _ = browser.open(ChildBookingState, f"/guardian/book?student={world.student.id}", parent.email)
    browser.run(page.search({"subject": ""}))
    browser.run(page.choose_tutor(world.tutor_id))
    browser.run(page.hold(page.slots[0].start))
    booking_id = page.booking_id
    browser.run(page.pay("wallet"))
    kid = new_browser()
    wallet, _ = kid.open(WalletState, "/wallet", world.student.email)
    assert wallet.payments == []
    [row] = wallet.paid_for_you
    assert row.what == f"Lesson · paid by {parent.full_name}" and row.status_label == "Paid"
    assert row.href == f"/lessons/{booking_id}" and row.refunded == ""
    with session_scope() as s:
        changes.cancel_booking(s, actor=world.tutor, booking_id=booking_id, now=utcnow())  # the tutor: 100% back
        escrow.settle_booking_money(s, booking_id=booking_id, now=utcnow())
    kid.run(wallet.load())
    [row] = wallet.paid_for_you
    assert row.status_label == "Refunded" and row.refunded.endswith(f"refunded to {parent.full_name}")
    [refund] = wallet.refunds
    assert refund.what.startswith(f"Refund to {parent.full_name}") and not refund.receipt
    # A stranger's wallet shows none of it.
    other, _ = new_browser().open(WalletState, "/wallet", world.other_student.email)
    assert other.paid_for_you == [] and other.refunds == []
