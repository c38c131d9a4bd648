"""The guardian page: a guardian asks to link a child, the child accepts (or declines); a stranger's
answer changes nothing."""

from __future__ import annotations

from tutorhub.models import Role
from tutorhub.services.learning import guardians
from tutorhub.state.learning.guardians import GuardianState


def test_guardian_asks_and_the_child_accepts(browser, new_browser, db, make_user):
    child = make_user(Role.STUDENT, email="kid@example.com")
    parent = make_user(Role.GUARDIAN, email="mum@example.com")
    mine, _ = browser.open(GuardianState, "/guardian", parent.email)
    browser.run(mine.ask_child({"student_email": "nope"}))
    assert mine.errors.get("student_email")
    browser.run(mine.ask_child({"student_email": "kid@example.com"}))
    assert not mine.errors and [r.student_id for r in mine.requests] == [child.id] and mine.children == []
    k = new_browser()
    kid, _ = k.open(GuardianState, "/guardian", child.email)
    [request] = kid.links
    assert request.initiated_by == "guardian"
    k.run(kid.answer(request.id, True))
    assert [link.status for link in kid.links] == ["active"]
    browser.run(mine.load())
    assert [c.student_id for c in mine.children] == [child.id] and mine.requests == []


def test_decline_and_strangers(browser, new_browser, db, make_user):
    child = make_user(Role.STUDENT, email="kid2@example.com")
    parent = make_user(Role.GUARDIAN, email="dad@example.com")
    mine, _ = browser.open(GuardianState, "/guardian", parent.email)
    browser.run(mine.ask_child({"student_email": child.email}))
    link_id = mine.requests[0].id
    s = new_browser()
    stranger, _ = s.open(GuardianState, "/guardian", make_user(Role.STUDENT).email)
    s.run(stranger.answer(link_id, True))
    assert "not found" in stranger.message.lower()
    browser.run(mine.answer(link_id, True))  # the guardian cannot accept their own request
    assert mine.message and mine.children == []
    k = new_browser()
    kid, _ = k.open(GuardianState, "/guardian", child.email)
    k.run(kid.answer(link_id, False))
    assert kid.links == []
    db.expire_all()
    assert guardians.list_linked_students(db, actor=parent) == []
