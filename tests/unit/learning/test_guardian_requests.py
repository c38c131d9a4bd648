"""A guardian asks to be linked to a child; only the child's accept links them. The answer never
tells whether the address has an account; requests are rate-limited; strangers get NotFound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW
from tutorhub.models import OutboxMessage, Role
from tutorhub.models.learning import GuardianLink
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, RateLimited
from tutorhub.services.learning import guardian_requests as requests
from tutorhub.services.learning import guardians


def _ask(db, parent, email, now=NOW):
    return requests.request_child_link(db, actor=parent, student_email=email, now=now)


def test_child_accepts_and_the_guardian_sees_them(db, make_user):
    child = make_user(Role.STUDENT, email="kid@example.com")
    parent = make_user(Role.GUARDIAN, email="mum@example.com")
    assert _ask(db, parent, "Kid@Example.com").status == "sent"
    assert guardians.list_linked_students(db, actor=parent) == []  # nothing before the child's consent
    [pending] = guardians.list_my_guardians(db, actor=child)
    assert pending.initiated_by == "guardian" and pending.status == "pending"
    assert [r.id for r in requests.list_my_requests(db, actor=parent, now=NOW)] == [pending.id]
    assert guardians.list_pending_for_guardian(db, actor=parent, now=NOW) == []  # not a code invitation
    with pytest.raises(NotFound):  # a guardian's request is not confirmed with a code
        guardians.confirm_guardian_link(db, actor=parent, link_id=pending.id, code="123456", now=NOW)
    done = requests.answer_guardian_request(db, actor=child, link_id=pending.id, accept=True, now=NOW)
    assert done.status == "active"
    assert [s.student_id for s in guardians.list_linked_students(db, actor=parent)] == [child.id]
    mail = db.exec(select(OutboxMessage).where(OutboxMessage.recipient == "kid@example.com")).all()
    assert len(mail) == 1 and "accept or decline" in mail[0].body.lower()


def test_child_declines(db, make_user):
    child = make_user(Role.STUDENT, email="kid2@example.com")
    parent = make_user(Role.GUARDIAN, email="dad@example.com")
    _ask(db, parent, "kid2@example.com")
    [pending] = guardians.list_my_guardians(db, actor=child)
    assert requests.answer_guardian_request(db, actor=child, link_id=pending.id, accept=False, now=NOW).status == "revoked"
    assert guardians.list_linked_students(db, actor=parent) == []
    with pytest.raises(NotFound):  # answered: gone
        requests.answer_guardian_request(db, actor=child, link_id=pending.id, accept=True, now=NOW)


def test_same_answer_for_unknown_addresses_and_rate_limit(db, make_user):
    parent = make_user(Role.GUARDIAN, email="p@example.com")
    tutor = make_user(Role.TUTOR, email="tutor@example.com")
    assert _ask(db, parent, "nobody@example.com").status == "sent"
    assert _ask(db, parent, tutor.email).status == "sent"  # not a student: no link either
    assert db.exec(select(GuardianLink)).all() == []
    for n in range(requests.REQUESTS_PER_DAY - 2):
        _ask(db, parent, f"x{n}@example.com")
    with pytest.raises(RateLimited):
        _ask(db, parent, "late@example.com")
    assert _ask(db, parent, "late@example.com", now=NOW + timedelta(days=1, minutes=1)).status == "sent"


def test_expired_request_cannot_be_accepted(db, make_user):
    child = make_user(Role.STUDENT, email="kid3@example.com")
    parent = make_user(Role.GUARDIAN, email="g3@example.com")
    _ask(db, parent, child.email)
    [pending] = guardians.list_my_guardians(db, actor=child)
    with pytest.raises(Conflict):
        requests.answer_guardian_request(db, actor=child, link_id=pending.id, accept=True, now=NOW + timedelta(days=8))


def test_strangers_and_bad_input(db, make_user):
    child = make_user(Role.STUDENT, email="kid4@example.com")
    parent = make_user(Role.GUARDIAN, email="g4@example.com")
    with pytest.raises(Forbidden):
        requests.request_child_link(db, actor=child, student_email="x@example.com", now=NOW)
    with pytest.raises(NotAuthenticated):
        requests.request_child_link(db, actor=None, student_email="x@example.com", now=NOW)
    for bad in ("not-an-email", "", 5, ["a@b.c"], "a" * 300 + "@example.com", "g4@example.com"):
        with pytest.raises(InvalidInput):
            _ask(db, parent, bad)
    _ask(db, parent, child.email)
    [pending] = guardians.list_my_guardians(db, actor=child)
    for who in (make_user(Role.STUDENT), parent):
        with pytest.raises((NotFound, Forbidden)):
            requests.answer_guardian_request(db, actor=who, link_id=pending.id, accept=True, now=NOW)
    for bad_id in ("abc", -3, None):
        with pytest.raises(NotFound):
            requests.answer_guardian_request(db, actor=child, link_id=bad_id, accept=True, now=NOW)
    with pytest.raises(InvalidInput):
        requests.answer_guardian_request(db, actor=child, link_id=pending.id, accept="yes", now=NOW)
    assert guardians.list_linked_students(db, actor=parent) == []
    # A student's own (code) invitation cannot be "accepted" by the student.
    own = guardians.invite_guardian(db, actor=child, guardian_email="other@example.com", now=NOW)
    with pytest.raises(NotFound):
        requests.answer_guardian_request(db, actor=child, link_id=own.id, accept=True, now=NOW)
