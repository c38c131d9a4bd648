"""An open enquiries page turns CLOSED or EXPIRED at once: the hints each close publishes (the
student's payment of the held lesson, a close by hand in another tab, the expiry job) are the
ones the page's watcher acts on, and an expired enquiry shows as such on the first quiet tick,
before any job ran. The hints are caught from the real broker and handed to the page's handler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from tests.state.leads.test_leads_state import FORM, _world
from tests.support.leads import give_lead_credits
from tests.support.money import fund_wallet
from tutorhub.db import session_scope
from tutorhub.integrations import broker
from tutorhub.models import Enquiry, User, base
from tutorhub.services.actor import to_user_out
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.leads import enquiries
from tutorhub.services.leads.lead_settings import OPEN_FOR
from tutorhub.state import live
from tutorhub.state.leads.enquiries import LIVE_TYPES, StudentEnquiriesState
from tutorhub.state.leads.inbox import LeadInboxState


def _hints(channel: str, act: Callable[[], None]) -> list[live.Message]:
    """What `act` (a committed unit of work) announced on `channel`."""

    async def scenario() -> list[live.Message]:
        sub = broker.subscribe([channel])
        act()
        await asyncio.sleep(0.05)
        got = sub.drain()
        sub.close()
        return got

    return asyncio.run(scenario())


def _student(db):
    return to_user_out(db.exec(select(User).where(User.email == "stu@example.com")).one())


def test_paying_the_held_lesson_turns_the_open_page_closed_at_once(browser, new_browser, db, make_user,
                                                                    make_approved_tutor):
    tutor = _world(db, make_user, make_approved_tutor)
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    browser.run(page.post(FORM))
    eid = page.rows[0].id
    give_lead_credits(db, tutor.id, 1)
    tb = new_browser()
    inbox, _ = tb.open(LeadInboxState, "/leads", tutor.email)
    tb.run(inbox.claim(eid))
    tb.run(inbox.show_times(eid))
    tb.run(inbox.propose(eid, inbox.times[0].start))
    browser.run(page.load())
    browser.run(page.accept(eid, page.rows[0].proposals[0].id))
    booking_id = page.rows[0].proposals[0].booking_id
    assert page.rows[0].status == "MATCHED" and page._held_bookings == [booking_id]

    student = _student(db)
    fund_wallet(db, student.id, 1_000_000, "EUR", commit=True)

    def pay() -> None:
        with session_scope() as s:
            lesson_payments.confirm_booking(s, actor=student, booking_id=booking_id)

    batch = _hints(f"user:{student.id}", pay)
    assert live.has_type(batch, LIVE_TYPES)  # the watcher wakes for it...
    browser.run(page._on_hints(batch))
    assert page.rows[0].status == "CLOSED"  # ...and shows it closed before the minutely job ran
    assert db.get(Enquiry, eid).status == "MATCHED"
    tb.run(inbox._on_hints(batch))  # the tutor's inbox (the same booking hint) drops the lead
    assert inbox.rows == []


def test_a_close_by_hand_in_another_tab_shows_at_once(browser, new_browser, db, make_user, make_approved_tutor):
    _world(db, make_user, make_approved_tutor)
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    browser.run(page.post(FORM))
    eid, student = page.rows[0].id, _student(db)
    other_tab = new_browser()
    other, _ = other_tab.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    batch = _hints(f"user:{student.id}", lambda: other_tab.run(other.close(eid)))
    browser.run(page._on_hints(batch))
    assert page.rows[0].status == "CLOSED"


def test_an_enquiry_shows_expired_on_the_first_tick_and_the_job_tells_the_page(browser, db, make_user,
                                                                               make_approved_tutor, tmp_path,
                                                                               monkeypatch):
    clock = tmp_path / "clock-offset"  # the app clock (models/base.utcnow), as the browser tests drive it
    clock.write_text("0")
    monkeypatch.setenv(base.CLOCK_FILE_ENV, str(clock))
    monkeypatch.setitem(base._clock, "read_at", float("-inf"))
    _world(db, make_user, make_approved_tutor)
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    browser.run(page.post(FORM))
    eid, student = page.rows[0].id, _student(db)
    # Not due yet: a tick re-reads nothing (a change nobody announced stays unseen).
    db.exec(update(Enquiry).where(Enquiry.id == eid).values(message="changed quietly"))
    db.commit()
    browser.run(page._on_hints([live.TICK]))
    assert page.rows[0].message == FORM["message"] and page.rows[0].status == "OPEN"
    # Its 7 days are up and the job has not run: the next tick shows it EXPIRED.
    clock.write_text(str((OPEN_FOR + timedelta(minutes=1)).total_seconds()))
    monkeypatch.setitem(base._clock, "read_at", float("-inf"))
    browser.run(page._on_hints([live.TICK]))
    assert page.rows[0].status == "EXPIRED" and not page.rows[0].live
    assert db.get(Enquiry, eid).status == "OPEN"

    def job() -> None:
        with session_scope() as s:
            assert enquiries.expire_enquiries(s) == 1

    batch = _hints(f"user:{student.id}", job)
    assert (f"user:{student.id}", {"type": "enquiry", "id": eid}) in batch
