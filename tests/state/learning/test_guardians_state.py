"""The guardian page: a student invites, the guardian enters the emailed code and sees the child;
a stranger's invite/confirm/unlink change nothing."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from tests.support.booking_world import make_world
from tests.support.credits import catalogue, pay
from tests.support.db import fetch
from tests.support.guardians import link_guardian
from tests.support.money import fund_wallet
from tutorhub.db import get_engine
from tutorhub.models import OutboxMessage, Payment, Role
from tutorhub.models.base import utcnow
from tutorhub.services.billing import credits
from tutorhub.services.learning import guardians
from tutorhub.state.checkout.pay_done import PayDoneState
from tutorhub.state.learning.guardians import GuardianState


def _code(db, email):
    db.commit()
    db.expire_all()
    msg = db.exec(select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"code (\d{6})", msg.body).group(1)


def test_invite_confirm_and_see_the_child(browser, new_browser, db, make_user, make_approved_tutor):
    world = make_world(db, make_user, make_approved_tutor)
    parent = make_user(Role.GUARDIAN, email="parent@example.com")
    page, _ = browser.open(GuardianState, "/guardian", world.student.email)
    assert page.role == "student" and page.links == []
    browser.run(page.invite({"guardian_email": "parent@example.com"}))
    assert [link.status for link in page.links] == ["pending"]
    g = new_browser()
    mine, _ = g.open(GuardianState, "/guardian", parent.email)
    assert mine.role == "guardian" and [link.id for link in mine.links] == [page.links[0].id]
    g.run(mine.confirm({"link_id": str(page.links[0].id), "code": "000000x"}))
    assert mine.errors and mine.children == []
    g.run(mine.confirm({"link_id": str(page.links[0].id), "code": _code(db, "parent@example.com")}))
    assert [c.student_id for c in mine.children] == [world.student.id] and mine.links == []


def test_strangers_change_nothing(browser, new_browser, db, make_user):
    child = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="p2@example.com")
    link = guardians.invite_guardian(db, actor=child, guardian_email="p2@example.com")
    db.commit()
    code = _code(db, "p2@example.com")
    other = make_user(Role.GUARDIAN, email="other@example.com")
    page, _ = browser.open(GuardianState, "/guardian", other.email)
    browser.run(page.confirm({"link_id": str(link.id), "code": code}))
    assert "not found" in page.message.lower() and page.children == []
    browser.run(page.unlink(link.id))
    assert "not found" in page.message.lower()
    browser.run(page.invite({"guardian_email": "x@example.com"}))  # guardians cannot invite
    assert page.message
    db.expire_all()
    assert guardians.list_my_guardians(db, actor=child)[0].status == "pending"
    assert guardians.list_linked_students(db, actor=parent) == []


def _pack_world(db, make_user):
    catalogue(db, make_user)  # the "hour5" pack: 300 minutes, $60.00
    child = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="buyer@example.com")
    link_guardian(db, child, parent)
    return child, parent


def _child_minutes(db, child):
    """Read on a fresh connection: what the page's transactions committed."""
    with Session(get_engine()) as fresh:
        return credits.credit_summary(fresh, child.id, utcnow())[0]


def test_guardian_buys_minutes_for_the_child_from_the_page(browser, db, make_user):
    child, parent = _pack_world(db, make_user)
    fund_wallet(db, parent.id, 6000, "USD", commit=True)
    page, _ = browser.open(GuardianState, "/guardian", parent.email)
    assert [c.minutes for c in page.children] == [0]
    assert [p.code for p in page.packs] == ["hour5"] and "300 minutes" in page.packs[0].label
    browser.run(page.buy_minutes({"student_id": str(child.id), "pack": "hour5", "method": "wallet"}))
    assert not page.message and [c.minutes for c in page.children] == [300]
    assert _child_minutes(db, child) == 300
    browser.run(page.buy_minutes({"student_id": str(child.id), "pack": "hour5", "method": "wallet"}))
    assert page.message and _child_minutes(db, child) == 300  # the wallet is empty now: nothing bought
    events = browser.run(page.buy_minutes({"student_id": str(child.id), "pack": "hour5", "method": "card"}))
    assert not page.message and any("/pay/sandbox/" in str(e) for e in events)  # off to the hosted checkout
    [payment] = fetch(Payment, Payment.purpose == "minute_pack")
    ref = payment.reference
    db.commit()  # end the test session's read snapshot before paying on it
    pay(db, ref, utcnow())
    db.commit()
    browser.goto(f"/pay/done?ref={ref}")
    done = browser.state(PayDoneState)
    browser.run(done.load())
    assert done.outcome == "succeeded" and done.next_href == "/guardian"  # back to the child, not a wallet
    assert _child_minutes(db, child) == 600


def test_a_stranger_buying_minutes_for_someone_elses_child_changes_nothing(browser, db, make_user):
    child, _parent = _pack_world(db, make_user)
    stranger = make_user(Role.GUARDIAN, email="nosy@example.com")
    fund_wallet(db, stranger.id, 60_000, "USD", commit=True)
    page, _ = browser.open(GuardianState, "/guardian", stranger.email)
    assert page.children == [] and page.packs == []
    for method in ("wallet", "card"):
        browser.run(page.buy_minutes({"student_id": str(child.id), "pack": "hour5", "method": method}))
        assert "linked to you" in page.message
    student = make_user(Role.STUDENT, email="kid2@example.com")
    mine, _ = browser.open(GuardianState, "/guardian", student.email)
    browser.run(mine.buy_minutes({"student_id": str(child.id), "pack": "hour5", "method": "wallet"}))
    assert mine.message
    assert _child_minutes(db, child) == 0
    assert fetch(Payment, Payment.purpose == "minute_pack") == []
