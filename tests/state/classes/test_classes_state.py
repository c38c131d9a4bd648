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


def test_a_student_picks_credits_in_the_pay_choice_and_pays_with_minutes(new_browser, world, db):
    from tutorhub.models import LotSource
    from tutorhub.services.billing import credits
    from tutorhub.services.money import ledger

    a, b, _ = world["students"]
    now = datetime.now(UTC)
    for s, minutes in ((a, 288), (b, 100)):  # a seat: 36 min (60% of 60) × 8 sessions = 288
        credits.grant_lot(db, user_id=s.id, minutes=minutes, source=LotSource.ADMIN, source_ref=f"st:{s.id}",
                          expires_at=now + timedelta(days=60), now=now)
    db.commit()
    tab = new_browser()
    page = _page(tab, world["class_id"], a.email)
    assert page.pay_method == "wallet" and page.pay_wallet_ok and page.pay_credits_ok
    assert "4 h 48 min" in page.pay_credits or "288" in page.pay_credits
    tab.run(page.set_pay_method("bitcoin"))  # anything else a client sends is ignored
    assert page.pay_method == "wallet"
    tab.run(page.set_pay_method("credits"))
    events = tab.run(page.enrol())
    assert toasts(events, "success") and page.my_status == "ENROLLED"
    assert ledger.balance(db, credits.credits_account(a.id), "MIN") == 0
    assert ledger.balance(db, f"student:{a.id}:wallet", "EUR") == 8000  # the wallet was not touched
    other_tab = new_browser()
    short = _page(other_tab, world["class_id"], b.email)
    assert not short.pay_credits_ok
    other_tab.run(short.set_pay_method("credits"))
    events = other_tab.run(short.enrol())
    assert toasts(events, "error") and short.my_status == "" and "288" in short.message
    assert ledger.balance(db, f"student:{b.id}:wallet", "EUR") == 8000


def test_a_student_pays_a_seat_by_card_from_the_pay_choice(new_browser, world, db):
    from tests.support.credits import pay
    from tutorhub.models import Payment

    a, b, _ = world["students"]
    tab = new_browser()
    page = _page(tab, world["class_id"], a.email)
    tab.run(page.set_pay_method("gateway"))
    assert page.pay_method == "gateway"
    events = tab.run(page.enrol())
    [payment] = fetch(Payment)
    [target] = redirects(events)
    assert payment.purpose == "class_seat" and payment.reference in target
    assert page.my_status == "OFFERED"  # held while the checkout is open
    other = _page(new_browser(), world["class_id"], b.email)
    assert other.seats_left == 1
    again = tab.run(page.enrol())  # a second click: the same checkout, no second payment
    assert redirects(again) == [target] and len(fetch(Payment)) == 1
    pay(db, payment.reference, datetime.now(UTC))
    db.commit()
    tab.run(page.refresh())
    assert page.my_status == "ENROLLED" and page.my_text == "You are enrolled."
    assert [e.status for e in fetch(ClassEnrolment)] == ["ENROLLED"]


def test_an_attendee_reviews_the_class_from_its_page_and_others_cannot(new_browser, world, db):
    from tutorhub.models import ClassReview, ClassSession
    from tutorhub.services.classes import attendance

    a, b, c = world["students"]
    for s in (a, b):
        new_browser().run(_page(new_browser(), world["class_id"], s.email).enrol())
    first = fetch(ClassSession, ClassSession.class_id == world["class_id"])[0]
    attendance.mark_attendance(db, actor=world["tutor"], class_id=world["class_id"], session_id=first.id,
                               student_id=a.id, status="present", now=first.start_at + timedelta(minutes=2))
    db.commit()
    for who in (b, c, world["tutor"]):  # enrolled but never came, an outsider, the tutor: no form, refused
        tab = new_browser()
        page = _page(tab, world["class_id"], who.email)
        assert not page.can_review
        events = tab.run(page.submit_review({"rating": "5", "comment": "sneaky"}))
        assert toasts(events, "error")
    assert fetch(ClassReview) == []
    tab = new_browser()
    page = _page(tab, world["class_id"], a.email)
    assert page.can_review and page.review_summary == ""
    tab.run(page.submit_review({"rating": "9", "comment": "x"}))
    assert "rating" in page.review_errors and fetch(ClassReview) == []
    events = tab.run(page.submit_review({"rating": "4", "comment": "Clear explanations"}))
    assert toasts(events, "success") and not page.can_review
    assert page.review_summary == "4.0 / 5 from 1 review" and page.reviews[0].comment == "Clear explanations"
    anon = _page(new_browser(), world["class_id"])
    assert anon.review_summary == "4.0 / 5 from 1 review" and anon.reviews[0].stars == "★★★★☆"
