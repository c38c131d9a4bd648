"""Lead pages driven like browser tabs: a student posts, the tutor's inbox shows it, claims and
proposes, the student accepts — and a stranger test for every handler."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.state.conftest import redirects, toasts
from tests.support.booking import open_all_week
from tests.support.leads import give_lead_credits
from tutorhub.models import Enquiry, EnquiryClaim, EnquiryProposal, Role, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.leads.enquiry_times import MAX_RANGES
from tutorhub.services.scheduling import student_windows
from tutorhub.services.tutors.ranking import WEIGHTS
from tutorhub.state.leads.enquiries import StudentEnquiriesState
from tutorhub.state.leads.inbox import LeadInboxState
from tutorhub.state.leads.ranking import RankingHelpState

FORM = {"subject": "Mathematics", "grade": "high", "mode": "online", "city": "", "budget": "40.00",
        "currency": "EUR", "duration_min": "60", "message": "Algebra before exams."}


def _world(db, make_user, make_approved_tutor):
    tutor, _tid = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=utcnow())
    make_user(Role.STUDENT, email="stu@example.com")
    return tutor


def _post(browser) -> StudentEnquiriesState:
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    browser.run(page.post(FORM))
    return page


def test_post_claim_propose_accept(browser, new_browser, db, make_user, make_approved_tutor):
    tutor = _world(db, make_user, make_approved_tutor)
    page = _post(browser)
    assert page.errors == {} and len(page.rows) == 1 and page.rows[0].status == "OPEN"
    eid = page.rows[0].id
    tb = new_browser()
    inbox, _ = tb.open(LeadInboxState, "/leads", tutor.email)
    assert [r.id for r in inbox.rows] == [eid] and inbox.credits == 0
    assert inbox.rows[0].budget == "up to €40/h (≈ $43.48/h)"  # the student's budget, ≈ the tutor's currency
    assert toasts(tb.run(inbox.claim(eid)), "error") and inbox.no_credits
    give_lead_credits(db, tutor.id, 1)
    tb.run(inbox.claim(eid))
    assert inbox.rows[0].claimed and inbox.credits == 0
    tb.run(inbox.show_times(eid))
    assert inbox.times_for == eid and inbox.times
    tb.run(inbox.propose(eid, inbox.times[0].start))
    browser.run(page.load())
    row = page.rows[0]
    assert row.claims and row.proposals and row.proposals[0].status == "OFFERED"
    events = browser.run(page.accept(eid, row.proposals[0].id))
    assert redirects(events) and redirects(events)[0].startswith("/lessons/")
    assert page.rows[0].status == "MATCHED"  # the lesson is held; the enquiry closes once it is paid
    assert page.rows[0].proposals[0].status == "ACCEPTED"


def test_form_errors_are_inline_with_place_suggestions(browser, db, make_user, make_approved_tutor):
    _world(db, make_user, make_approved_tutor)
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    browser.run(page.post({**FORM, "mode": "home", "city": "Berln", "budget": "abc"}))
    assert "budget" in page.errors
    browser.run(page.post({**FORM, "mode": "home", "city": "Berln"}))
    assert "city" in page.errors and "Berlin, Germany" in page.suggestions
    assert db.exec(select(Enquiry)).all() == []


def test_strangers_cannot_use_the_lead_handlers(browser, new_browser, db, make_user, make_approved_tutor):
    tutor = _world(db, make_user, make_approved_tutor)
    page = _post(browser)
    eid = page.rows[0].id
    give_lead_credits(db, tutor.id, 1)
    # Another student: sees nothing, cannot close or accept.
    make_user(Role.STUDENT, email="other@example.com")
    other = new_browser()
    theirs, _ = other.open(StudentEnquiriesState, "/enquiries", "other@example.com")
    assert theirs.rows == []
    assert toasts(other.run(theirs.close(eid)), "error")
    assert toasts(other.run(theirs.accept(eid, 1)), "error")
    # A tutor it does not match: empty inbox, cannot claim, see times or propose.
    outsider, _ = make_approved_tutor(timezone="UTC", subjects=[{"subject": "history", "grades": ["high"]}])
    give_lead_credits(db, outsider.id, 1)
    ob = new_browser()
    inbox, _ = ob.open(LeadInboxState, "/leads", outsider.email)
    assert inbox.rows == []
    assert toasts(ob.run(inbox.claim(eid)), "error")
    assert toasts(ob.run(inbox.show_times(eid)), "error")
    assert toasts(ob.run(inbox.propose(eid, (utcnow() + timedelta(days=2)).isoformat())), "error")
    ob.run(inbox.load_more())
    # Anonymous visitors go to the login page for every handler.
    anon = new_browser()
    anon.goto("/enquiries")
    s = anon.state(StudentEnquiriesState)
    for call in (s.load(), s.post(FORM), s.close(eid), s.accept(eid, 1)):
        assert redirects(anon.run(call))[0].startswith("/login")
    anon.goto("/leads")
    t = anon.state(LeadInboxState)
    for call in (t.load(), t.claim(eid), t.show_times(eid), t.propose(eid, "2030-01-01T10:00:00+00:00")):
        assert redirects(anon.run(call))[0].startswith("/login")
    # A student is not a tutor: no inbox.
    students_inbox, _ = other.open(LeadInboxState, "/leads")
    assert students_inbox.status == "forbidden"
    db.rollback()
    assert db.exec(select(EnquiryClaim)).all() == [] and db.exec(select(EnquiryProposal)).all() == []
    assert db.exec(select(Enquiry)).one().status == "OPEN"


def test_how_we_rank_lists_every_part_of_the_score(browser):
    browser.goto("/help/ranking")
    help_page = browser.state(RankingHelpState)
    browser.run(help_page.load())
    assert len(help_page.parts) == len(WEIGHTS) and sum(int(p.term.split(" ")[0]) for p in help_page.parts) == 100


def test_the_form_times_start_as_the_saved_windows_and_are_posted_as_edited(browser, db, make_user,
                                                                             make_approved_tutor):
    _world(db, make_user, make_approved_tutor)
    student = to_user_out(db.exec(select(User).where(User.email == "stu@example.com")).one())
    student_windows.save_student_windows(db, actor=student, data={
        "timezone": "Europe/Berlin", "windows": [{"weekday": 0, "start": "17:00", "end": "19:00"}]})
    db.commit()
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    assert [(r.weekday, r.start, r.end) for r in page.times] == [("0", "17:00", "19:00")]
    assert page.times_zone == "Europe/Berlin"
    browser.run(page.add_time())
    browser.run(page.set_time(1, "start", "09:00"))
    browser.run(page.set_time(1, "end", "10:00"))
    assert [(r.weekday, r.start, r.end) for r in page.times] == [("0", "17:00", "19:00"), ("1", "09:00", "10:00")]
    browser.run(page.remove_time(0))
    browser.run(page.post(FORM))
    assert page.errors == {} and page.times_error == ""
    stored = db.exec(select(Enquiry)).one()
    assert stored.windows == [[1, 540, 600]] and stored.timezone == "Europe/Berlin"
    assert page.rows[0].windows == "Tue 09:00–10:00 (Europe/Berlin)"
    browser.run(page.use_saved_times())
    assert [(r.weekday, r.start, r.end) for r in page.times] == [("0", "17:00", "19:00")]


def test_bad_times_show_on_their_row(browser, db, make_user, make_approved_tutor):
    _world(db, make_user, make_approved_tutor)
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    assert page.times == []  # nothing saved: any time
    for _ in range(3):
        browser.run(page.add_time())
    assert [(r.weekday, r.start, r.end) for r in page.times] == [("0", "17:00", "19:00"), ("1", "17:00", "19:00"),
                                                                 ("2", "17:00", "19:00")]
    browser.run(page.set_time(1, "end", "17:30"))  # shorter than the 60-minute lesson
    browser.run(page.set_time(2, "end", "16:00"))  # ends before it starts
    browser.run(page.post(FORM))
    assert [r.error for r in page.times] == ["", "", "End must be after start"]
    assert page.form_error and db.exec(select(Enquiry)).all() == []
    browser.run(page.set_time(2, "end", "19:00"))
    assert page.times[2].error == ""  # cleared once edited
    browser.run(page.post(FORM))
    assert [r.error for r in page.times] == ["", "is shorter than one 60-minute lesson", ""]
    assert db.exec(select(Enquiry)).all() == []
    for _ in range(40):
        browser.run(page.add_time())
    assert len(page.times) == MAX_RANGES and page.times_full


def test_strangers_cannot_break_the_times_editor(browser, new_browser, db, make_user, make_approved_tutor):
    _world(db, make_user, make_approved_tutor)
    page, _ = browser.open(StudentEnquiriesState, "/enquiries", "stu@example.com")
    browser.run(page.add_time())
    before = list(page.times)
    for index, field, value in [(5, "start", "09:00"), (-1, "start", "09:00"), ("0x", "start", "09:00"),
                                (True, "start", "09:00"), (None, "start", "09:00"), (0, "error", "x"),
                                (0, "start", "09:15"), (0, "weekday", "7"), (0, "end", ["09:00"]), (0, "end", "24:30")]:
        browser.run(page.set_time(index, field, value))
        assert page.times == before
    for index in (1, -1, "1", None, [], "0 ; drop"):
        browser.run(page.remove_time(index))
        assert page.times == before
    # Another student's "use saved times" reads their own windows, never this student's.
    make_user(Role.STUDENT, email="other@example.com")
    other = new_browser()
    theirs, _ = other.open(StudentEnquiriesState, "/enquiries", "other@example.com")
    other.run(theirs.use_saved_times())
    assert theirs.times == []
    # Anonymous: the login page; a tutor: no windows to read.
    anon = new_browser()
    anon.goto("/enquiries")
    s = anon.state(StudentEnquiriesState)
    assert redirects(anon.run(s.use_saved_times()))[0].startswith("/login")
    tutor_tab = new_browser()
    tutor_page, _ = tutor_tab.open(StudentEnquiriesState, "/enquiries", db.exec(select(User).where(
        User.role == Role.TUTOR)).first().email)
    assert toasts(tutor_tab.run(tutor_page.use_saved_times()), "error") and tutor_page.times == []
    assert db.exec(select(Enquiry)).all() == []
