"""The guardian page: a student invites, the guardian enters the emailed code and sees the child;
a stranger's invite/confirm/unlink change nothing."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.support.booking_world import make_world
from tutorhub.models import OutboxMessage, Role
from tutorhub.services.learning import guardians
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
