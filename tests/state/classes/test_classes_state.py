"""The class pages' handlers: a tutor creates and publishes, students enrol / waitlist / leave, and
every mutating handler called by a stranger changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.state.conftest import redirects, toasts
from tests.support.classes import class_body, funded_students
from tests.support.db import fetch
from tutorhub.models import ClassEnrolment, GroupClass, Role
from tutorhub.services.classes import classes
from tutorhub.state.classes.class_page import ClassPageState
from tutorhub.state.classes.find import FindClassesState


def _first_local() -> str:
    return (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT17:00")


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor()
    created = classes.create_class(db, actor=tutor, data=class_body(first_start_local=_first_local(), capacity=2))
    classes.publish_class(db, actor=tutor, class_id=created.id)
    db.commit()
    students = funded_students(db, make_user, 3)
    return {"tutor": tutor, "class_id": created.id, "students": students, "make_user": make_user,
            "other_tutor": make_approved_tutor()[0]}


def _page(browser, class_id: int, email: str | None = None) -> ClassPageState:
    if email:
        browser.login(email)
    browser.goto(f"/classes/{class_id}", route="/classes/[class_id]")
    page = browser.state(ClassPageState)
    browser.run(page.load())
    return page


def test_a_tutor_creates_a_draft_from_the_form_and_publishes_it(browser, db, make_approved_tutor):
    tutor, _ = make_approved_tutor()
    find, _ = browser.open(FindClassesState, "/classes", tutor.email)
    form = {"title": "Physics lab", "subject": "physics", "grade": "high", "mode": "online", "capacity": "4",
            "min_size": "2", "price": "60", "currency": "EUR", "duration_min": "60", "timezone": "Europe/Berlin",
            "first_start_local": _first_local(), "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4"}
    bad = browser.run(find.create({**form, "price": "lots", "rrule": "FREQ=WEEKLY"}))
    assert not redirects(bad) and "price" in find.create_errors
    events = browser.run(find.create(form))
    [target] = redirects(events)
    cls = fetch(GroupClass)[0]
    assert target == f"/classes/{cls.id}" and cls.status == "DRAFT" and cls.price_minor == 6000
    page = _page(browser, cls.id)
    assert page.is_owner and len(page.sessions) == 4
    browser.run(page.publish())
    assert page.class_status == "PUBLISHED"


def test_students_enrol_then_waitlist_then_leave(new_browser, world):
    a, b, c = world["students"]
    pages = [_page(new_browser(), world["class_id"], s.email) for s in (a, b, c)]
    assert pages[0].seats_left == 2 and pages[0].sessions[0].tutors.endswith("Europe/Berlin")
    for p in pages:
        new_browser().run(p.enrol())
    assert [p.my_status for p in pages] == ["ENROLLED", "ENROLLED", "WAITLISTED"]
    assert pages[2].seats_left == 0 and "Position 1" in pages[2].my_text
    new_browser().run(pages[0].leave())
    assert pages[0].my_status == ""
    new_browser().run(pages[2].refresh())
    assert pages[2].my_status == "OFFERED"


def test_search_lists_published_classes(browser, world):
    find, _ = browser.open(FindClassesState, "/classes")
    assert [r.id for r in find.rows] == [world["class_id"]] and find.rows[0].seats == "2 of 2 seats left"
    assert find.rows[0].price == "€80 (≈ $86.96)"  # a visitor without a currency: ≈ USD beside the € charged
    browser.run(find.search({"subject": "maths", "max_price": "86.95"}))  # the ceiling is in USD, converted
    assert find.rows == []
    browser.run(find.search({"subject": "maths", "max_price": "86.96"}))
    assert [r.id for r in find.rows] == [world["class_id"]]
    browser.app.currency_pick = "EUR"  # the visitor picks €: prices and the ceiling in €
    browser.run(find.search({"subject": "physics"}))
    assert find.rows == []
    browser.run(find.search({"subject": "maths", "mode": "home"}))
    assert find.rows == []
    browser.run(find.search({"subject": "maths", "mode": "online", "max_price": "79.99"}))
    assert find.rows == []
    browser.run(find.search({"subject": "maths", "max_price": "80", "seats_only": "on"}))
    assert [r.id for r in find.rows] == [world["class_id"]] and find.rows[0].price == "€80"
    browser.run(find.search({"max_price": "lots"}))
    assert find.filter_error and [r.id for r in find.rows] == [world["class_id"]]


def _snapshot() -> tuple:
    from tutorhub.models import ClassSession

    return (sorted((c.id, c.status, c.seats_taken) for c in fetch(GroupClass)),
            sorted((e.id, e.status) for e in fetch(ClassEnrolment)),
            sorted((x.id, x.status, x.blocking) for x in fetch(ClassSession)))


@pytest.mark.parametrize("who", [None, "other_tutor", "admin", "student"])
@pytest.mark.parametrize(("handler", "args"), [
    ("publish", ()), ("cancel", ()), ("enrol", ()), ("leave", ()), ("send_broadcast", ({"body": "spam"},)),
    ("open_roster", ("1",)), ("mark", ("1", "present")), ("cancel_session", ("1",)),
])
def test_strangers_change_nothing(new_browser, world, db, who, handler, args):
    draft = classes.create_class(db, actor=world["tutor"], data=class_body(
        first_start_local=(datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%dT17:00"), capacity=2))
    db.commit()
    from tutorhub.models import ChatMessage, ClassAttendance, Notification

    if who == "student" and handler in ("enrol", "leave"):
        pytest.skip("a student enrolling in or leaving a class is the owner of that action")
    users = {"other_tutor": world["other_tutor"], "admin": world["make_user"](Role.ADMIN)}
    before = (_snapshot(), len(fetch(ChatMessage)), len(fetch(Notification)), len(fetch(ClassAttendance)))
    for class_id in (world["class_id"], draft.id):
        b = new_browser()
        if who == "student":
            b.login(world["students"][0].email)
        elif who:
            b.login(users[who].email)
        b.goto(f"/classes/{class_id}", route="/classes/[class_id]")
        page = b.state(ClassPageState)
        if handler == "mark":
            page.roster_session = "1"  # forced into the var, as a malicious client could not, to reach the service
        events = b.run(getattr(page, handler)(*args))
        assert toasts(events, "error") or redirects(events), (class_id, handler)
        assert page.roster == []
    assert (_snapshot(), len(fetch(ChatMessage)), len(fetch(Notification)), len(fetch(ClassAttendance))) == before


@pytest.mark.parametrize("who", [None, "student"])
def test_only_approved_tutors_create_classes_from_the_form(new_browser, world, who):
    b = new_browser()
    if who:
        b.login(world["students"][0].email)
    b.goto("/classes")
    find = b.state(FindClassesState)
    before = _snapshot()
    events = b.run(find.create({"title": "x", "subject": "maths", "capacity": "4", "price": "10", "currency": "EUR",
                                "duration_min": "60", "timezone": "UTC", "first_start_local": _first_local(),
                                "rrule": "FREQ=DAILY;COUNT=2"}))
    assert redirects(events) == ([] if who else redirects(events)) and _snapshot() == before
    if who:
        assert find.create_message
    else:
        assert redirects(events) and redirects(events)[0].startswith("/login")


def test_the_tutor_broadcasts_and_marks_attendance_and_members_get_the_chat(new_browser, world, db):
    from tutorhub.models import ClassSession, Notification

    a, b, _ = world["students"]
    for s in (a, b):
        _page(new_browser(), world["class_id"], s.email)
        p = _page(new_browser(), world["class_id"], s.email)
        new_browser().run(p.enrol())
    member = _page(new_browser(), world["class_id"], a.email)
    assert member.chat_href.startswith("/messages?c=")
    outsider = _page(new_browser(), world["class_id"], world["students"][2].email)
    assert outsider.chat_href == ""
    tutor_tab = new_browser()
    page = _page(tutor_tab, world["class_id"], world["tutor"].email)
    assert page.is_owner and page.chat_href
    events = tutor_tab.run(page.send_broadcast({"body": "No class on Thursday"}))
    assert toasts(events, "success")
    assert sorted(n.user_id for n in fetch(Notification) if n.kind == "classes") == sorted([a.id, b.id])
    first = fetch(ClassSession, ClassSession.class_id == world["class_id"])[0]
    soon = datetime.now(UTC) + timedelta(minutes=10)  # the roster opens 15 minutes before the start
    db.execute(ClassSession.__table__.update().where(ClassSession.id == first.id).values(  # type: ignore[attr-defined]
        start_at=soon, block_start=soon))
    db.commit()
    tutor_tab.run(page.open_roster(str(first.id)))
    assert {r.student_id for r in page.roster} == {a.id, b.id}
    tutor_tab.run(page.mark(str(a.id), "present"))
    assert {r.student_id: r.mark for r in page.roster}[a.id] == "present"
