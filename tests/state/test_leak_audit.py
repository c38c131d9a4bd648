"""What reaches the browser: serialize every state's client-visible vars after realistic sessions
and look for secrets and other people's data.

Allowed on purpose (documented here, asserted below):
  * the browser's own session token, in `AppState.session_token` (it is the cookie; nowhere else);
  * the signed-in user's own email / profile;
  * an admin reviewing a tutor sees that tutor's email and private profile (that is the review page).
Never allowed: password hashes, session/refresh token hashes, one-time-code hashes, document
storage keys or checksums, anybody's raw token but one's own, and other users' emails, phones or
private profile fields (student guardians and goals, other tutors' review notes and documents).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from reflex_base.utils.format import json_dumps
from sqlmodel import select

from tests.support.money import fund_wallet
from tutorhub.db import session_scope
from tutorhub.models import AuthSession, CredentialDocument, OtpCode, RefreshToken, User
from tutorhub.models.bookings import Booking
from tutorhub.services.accounts import api_tokens, one_time_codes, students
from tutorhub.services.booking import bookings
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.learning import lessons
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.services.scheduling import availability, student_windows
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors import verification
from tutorhub.state.accounts.auth import AccountState, LoginState, OtpState, SignupState
from tutorhub.state.accounts.onboarding import StudentOnboardingState
from tutorhub.state.billing.catalog import AdminCatalogState
from tutorhub.state.billing.wallet import WalletState
from tutorhub.state.booking.admin_bookings import AdminBookingsState, AdminFlagsState
from tutorhub.state.booking.dialog import BookingState
from tutorhub.state.booking.lessons import MyLessonsState
from tutorhub.state.checkout.pay import LessonPayState
from tutorhub.state.checkout.pay_done import PayDoneState
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.learning.reviews import TutorReviewsState
from tutorhub.state.messaging.chat_badge import TutorChatLinkState
from tutorhub.state.messaging.lesson_chat import LessonChatState
from tutorhub.state.messaging.messages import ChatState
from tutorhub.state.money.admin_finance import AdminDisputesState, AdminFinanceState, AdminPayoutsState
from tutorhub.state.money.earnings import EarningsState
from tutorhub.state.scheduling.availability import AvailabilityState
from tutorhub.state.scheduling.student_times import StudentTimesState
from tutorhub.state.scheduling.tutor_times import TutorSlotsState
from tutorhub.state.tutors.profile import TutorProfileState
from tutorhub.state.tutors.search import HomeState, SearchState, TutorPageState
from tutorhub.state.tutors.verification import AdminQueueState, AdminReviewState

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world(db, make_user):
    """Two students, an approved tutor, a pending tutor with documents, an admin, codes and tokens."""
    admin = make_user("admin", email="root-admin@example.com")
    s1 = make_user("student", email="sam-student@example.com")
    s2 = make_user("student", email="other-student@example.com")
    for student, guardian in ((s1, "sam-guardian@example.com"), (s2, "other-guardian@example.com")):
        students.update_student_profile(
            db,
            actor=student,
            data={
                "grade_level": "high",
                "subjects": ["mathematics"],
                "goals": f"secret goals of {student.email}",
                "guardian_name": "Guardian " + student.email,
                "guardian_email": guardian,
                "guardian_phone": "+4915112345678" if student is s1 else "+4915187654321",
            },
        )
    approved = make_user("tutor", email="approved-tutor@example.com", name="Ava Approved")
    tutor_profiles.update_own_profile(
        db,
        actor=approved,
        data={
            "headline": "Algebra",
            "subjects": ["mathematics"],
            "hourly_rate": 3000,
            "modes": ["online"],
            "city": "Berlin",
        },
    )
    tutor_profiles.upload_credential(db, actor=approved, filename="ava-passport.pdf", data=PDF)
    tutor_profiles.submit_for_review(db, actor=approved)
    approved_profile = verification.approve_tutor(
        db, actor=admin, tutor_id=tutor_profiles.get_own_profile(db, actor=approved).id, notes="private note for ava"
    )
    pending = make_user("tutor", email="pending-tutor@example.com", name="Pia Pending")
    tutor_profiles.update_own_profile(
        db,
        actor=pending,
        data={"headline": "Biology", "subjects": ["biology"], "hourly_rate": 2000, "modes": ["online"]},
    )
    tutor_profiles.upload_credential(db, actor=pending, filename="pia-degree.pdf", data=PDF)
    pending_profile = tutor_profiles.submit_for_review(db, actor=pending)
    # Scheduling: the approved tutor's hours (public as free slots), a private block with a note
    # and a holiday far ahead (private); the other student's preferred times (private).
    availability.save_availability(
        db,
        actor=approved,
        data={
            "weekly": [{"weekday": d, "start": "10:00", "end": "12:00"} for d in range(7)],
            "overrides": [{"date": "2031-06-01", "intervals": []}],
            "settings": {"min_notice_hours": 0},
        },
    )
    availability.add_busy(
        db,
        actor=approved,
        start="2031-06-05T10:00:00+00:00",
        end="2031-06-05T11:00:00+00:00",
        note="secret dentist appointment",
    )
    student_windows.save_student_windows(
        db, actor=s2, data={"windows": [{"weekday": 6, "start": "03:00", "end": "03:30"}], "lesson_length": 90}
    )
    # Bookings: Sam has a confirmed lesson with Ava, with private notes and a meeting room.
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    lesson = bookings.create_booking(db, actor=s1, tutor_id=approved_profile.id, start=start, duration_min=60)
    fund_wallet(db, s1.id, lesson.price_minor, lesson.currency)  # confirming pays from the wallet
    lesson_payments.confirm_booking(db, actor=s1, booking_id=lesson.id)
    lessons.update_notes(db, actor=s1, booking_id=lesson.id, notes="secret lesson notes of sam")
    # Their conversation (created by the booking) holds a private message.
    conversation = chat_entry.conversation_with_tutor(db, actor=s1, tutor_id=approved_profile.id)
    chat_messages.send_message(db, actor=s1, conversation_id=conversation, body="secret chat of sam")
    one_time_codes.request_otp(db, email="sam-student@example.com")
    api_tokens.issue_tokens(db, user_id=s2.id)
    db.commit()
    return {
        "admin": admin,
        "s1": s1,
        "s2": s2,
        "approved": approved,
        "pending": pending,
        "approved_id": approved_profile.id,
        "pending_id": pending_profile.id,
        "lesson_id": lesson.id,
    }


def _secrets() -> list[str]:
    with session_scope() as s:
        values = [u.password_hash for u in s.exec(select(User)).all() if u.password_hash]
        values += [r.token_hash for r in s.exec(select(AuthSession)).all()]
        values += [r.token_hash for r in s.exec(select(RefreshToken)).all()]
        values += [r.code_hash for r in s.exec(select(OtpCode)).all()]
        for doc in s.exec(select(CredentialDocument)).all():
            values += [doc.sha256, doc.storage_key]
    return values


def _visit_everything(browser, world) -> str:
    """Open every page a user could open (authorized or not) and serialize the whole state tree."""
    visits = [
        ("/", None, HomeState),
        ("/signup", None, SignupState),
        ("/login", None, LoginState),
        ("/login/code", None, OtpState),
        ("/account", None, AccountState),
        ("/onboarding/student", None, StudentOnboardingState),
        ("/tutor/profile", None, TutorProfileState),
        ("/tutors?subject=mathematics", None, SearchState),
        (f"/tutors/{world['approved_id']}", "/tutors/[tutor_id]", TutorPageState),
        (f"/tutors/{world['approved_id']}", "/tutors/[tutor_id]", TutorSlotsState),
        (f"/tutors/{world['pending_id']}", "/tutors/[tutor_id]", TutorSlotsState),
        ("/tutors?free=1", None, SearchState),
        ("/tutor/availability", None, AvailabilityState),
        ("/student/times", None, StudentTimesState),
        ("/admin/verification", None, AdminQueueState),
        (f"/tutors/{world['approved_id']}", "/tutors/[tutor_id]", TutorReviewsState),
        (f"/tutors/{world['approved_id']}", "/tutors/[tutor_id]", BookingState),
        ("/lessons", None, MyLessonsState),
        (f"/lessons/{world['lesson_id']}", "/lessons/[booking_id]", LessonChangeState),
        ("/admin/flags", None, AdminFlagsState),
        ("/admin/bookings", None, AdminBookingsState),
        ("/wallet", None, WalletState),
        ("/earnings", None, EarningsState),
        (f"/lessons/{world['lesson_id']}", "/lessons/[booking_id]", LessonPayState),
        ("/pay/done?ref=pay_unknown", None, PayDoneState),
        ("/admin/finance", None, AdminFinanceState),
        ("/admin/payouts", None, AdminPayoutsState),
        ("/admin/disputes", None, AdminDisputesState),
        ("/admin/catalog", None, AdminCatalogState),
        ("/messages", None, ChatState),
        (f"/messages?c={world['lesson_id']}", None, ChatState),  # a guessed id: refused for strangers
        (f"/lessons/{world['lesson_id']}", "/lessons/[booking_id]", LessonChatState),
        (f"/tutors/{world['approved_id']}", "/tutors/[tutor_id]", TutorChatLinkState),
    ]
    for url, route, cls in visits:
        browser.goto(url, route=route)
        browser.run(browser.app.load_viewer())
        browser.run(browser.state(cls).load())
    return json_dumps(browser.root.dict())


def _room() -> list[str]:
    """The lesson's room key (and so its meeting link): only its two parties may see it."""
    with session_scope() as s:
        return [b.room_key for b in s.exec(select(Booking)).all()]


LESSON_NOTES = ["secret lesson notes of sam", "secret chat of sam"]  # notes, and Sam's chat with Ava


def _assert_clean(dump: str, token: str, forbidden: list[str]) -> None:
    assert "$argon2" not in dump
    for secret in _secrets():
        assert secret not in dump
    for value in forbidden:
        assert value.lower() not in dump.lower(), value
    # The only token in the tree is the browser's own cookie, exactly once, in its cookie var.
    assert dump.count(token) == 1
    tree = json.loads(dump)
    holders = [(state, key) for state, fields in tree.items() for key, value in fields.items() if value == token]
    assert holders == [("reflex___state____state.tutorhub___state___base____app_state", "session_token_rx_state_")]


OTHER_STUDENT = [
    "other-student@example.com",
    "other-guardian@example.com",
    "+4915187654321",
    "secret goals of other-student",
]
SAM = ["sam-student@example.com", "sam-guardian@example.com", "+4915112345678", "secret goals of sam"]
TUTORS_PRIVATE = [
    "approved-tutor@example.com",
    "pending-tutor@example.com",
    "private note for ava",
    "ava-passport.pdf",
    "pia-degree.pdf",
    "secret dentist appointment",
    "2031-06-01",
    "2031-06-05",
]
AVA_SCHEDULE = ["secret dentist appointment", "2031-06-01", "2031-06-05"]


def _own_grids(browser) -> tuple[list, list]:
    """The grids the visits left in the tree (each must be the visitor's own, or empty)."""
    return browser.state(StudentTimesState).grid, browser.state(AvailabilityState).grid


def test_student_sees_only_their_own_data(browser, world):
    token = browser.login("sam-student@example.com")
    dump = _visit_everything(browser, world)
    assert "sam-guardian@example.com" in dump  # their own onboarding form
    assert _room()[0] in dump and LESSON_NOTES[0] in dump  # their own lesson's room and notes
    assert "secret chat of sam" in dump  # their own conversation (in-lesson chat)
    _assert_clean(dump, token, OTHER_STUDENT + TUTORS_PRIVATE + ["root-admin@example.com"])
    student_grid, tutor_grid = _own_grids(browser)
    assert not any(map(any, student_grid)) and not any(map(any, tutor_grid))  # not the other student's


def test_approved_tutor_sees_their_own_schedule_only_on_their_page(browser, world):
    token = browser.login("approved-tutor@example.com")
    dump = _visit_everything(browser, world)
    assert "2031-06-01" in dump  # their own holiday, on their availability page
    assert _room()[0] in dump  # their own lesson
    _assert_clean(dump, token, OTHER_STUDENT + SAM + ["pending-tutor@example.com", "pia-degree.pdf"])


def test_tutor_sees_only_their_own_data(browser, world):
    token = browser.login("pending-tutor@example.com")
    dump = _visit_everything(browser, world)
    assert "pia-degree.pdf" in dump
    _assert_clean(
        dump,
        token,
        OTHER_STUDENT
        + SAM
        + ["approved-tutor@example.com", "private note for ava", "ava-passport.pdf", "root-admin@example.com"]
        + AVA_SCHEDULE
        + _room()
        + LESSON_NOTES,
    )
    student_grid, tutor_grid = _own_grids(browser)
    assert not any(map(any, student_grid)) and not any(map(any, tutor_grid))  # not Ava's hours


def test_admin_console_shows_no_secrets_or_unrelated_private_data(browser, world):
    token = browser.login("root-admin@example.com")
    dump = _visit_everything(browser, world)
    assert "Pia Pending" in dump  # the queue
    # Admins do not read private student–tutor conversations (only support threads).
    _assert_clean(dump, token, OTHER_STUDENT + SAM + TUTORS_PRIVATE + _room() + ["secret chat of sam"])


def test_admin_viewing_a_tutor_sees_that_tutor_only(browser, world):
    token = browser.login("root-admin@example.com")
    _visit_everything(browser, world)
    browser.goto(f"/admin/verification/{world['pending_id']}", route="/admin/verification/[tutor_id]")
    browser.run(browser.state(AdminReviewState).load())
    dump = json_dumps(browser.root.dict())
    assert "pending-tutor@example.com" in dump and "pia-degree.pdf" in dump  # the reviewed tutor
    _assert_clean(
        dump, token, OTHER_STUDENT + SAM + ["approved-tutor@example.com", "private note for ava", "ava-passport.pdf"]
    )


def test_anonymous_visitor_holds_no_token_and_no_private_data(browser, world):
    dump = _visit_everything(browser, world)
    assert "$argon2" not in dump
    for secret in _secrets():
        assert secret not in dump
    for value in OTHER_STUDENT + SAM + TUTORS_PRIVATE + _room() + LESSON_NOTES:
        assert value not in dump
    assert (
        json.loads(dump)["reflex___state____state.tutorhub___state___base____app_state"]["session_token_rx_state_"]
        == ""
    )


def test_other_student_gets_no_lesson_room_notes_or_contact_details(browser, world):
    token = browser.login("other-student@example.com")
    dump = _visit_everything(browser, world)
    assert browser.state(LessonChangeState).lesson_status == "notfound"
    _assert_clean(dump, token, SAM + TUTORS_PRIVATE + _room() + LESSON_NOTES + ["root-admin@example.com"])
