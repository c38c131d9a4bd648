"""Booking emails carry an `.ics` invitation: METHOD:REQUEST when a lesson is booked or moved,
METHOD:CANCEL when it is called off — the same UID as the feed, SEQUENCE rising — stored as a real
outbox attachment and mailed as a text/calendar MIME part."""

from __future__ import annotations

from email import message_from_bytes

import icalendar
from sqlmodel import col, select

from tests.support.booking import NOW, at
from tests.unit.messaging.conftest import configure  # noqa: F401  (a fixture)
from tests.unit.messaging.test_senders import _wait, smtp_server  # noqa: F401  (fixtures)
from tutorhub.models import OutboxAttachment, OutboxMessage, User
from tutorhub.services.booking import changes


def invitations(db, email: str) -> list[icalendar.Calendar]:
    rows = db.exec(
        select(OutboxAttachment).join(OutboxMessage, col(OutboxMessage.id) == col(OutboxAttachment.outbox_id))
        .where(col(OutboxMessage.recipient) == email).order_by(col(OutboxAttachment.id))
    ).all()
    for row in rows:
        assert row.content_type.startswith("text/calendar") and row.filename.endswith(".ics")
    return [icalendar.Calendar.from_ical(r.content) for r in rows]


def only_event(cal: icalendar.Calendar) -> icalendar.Event:
    (event,) = cal.walk("VEVENT")
    return event


def test_a_confirmed_lesson_mails_both_parties_a_request(db, env):
    lesson = env.book(at(3, 10), confirm=True)
    tutor_email = db.get(User, env.tutor.id).email
    for email in (env.student.email, tutor_email):
        (cal,) = invitations(db, email)
        event = only_event(cal)
        assert str(cal["METHOD"]) == "REQUEST"
        assert str(event["UID"]).startswith(f"lesson-{lesson.id}@")
        assert event.decoded("DTSTART") == lesson.start and int(event["SEQUENCE"]) == 0
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert str(event["ATTENDEE"]) == f"mailto:{email}"


def test_a_reschedule_sends_an_updated_request_and_a_cancellation_a_cancel(db, env, make_user):
    from tutorhub.models import Role

    lesson = env.book(at(3, 10), confirm=True)
    changes.reschedule_booking(db, actor=env.student, booking_id=lesson.id, start=at(4, 11), now=NOW)
    db.commit()
    tutor_email = db.get(User, env.tutor.id).email
    moved = invitations(db, tutor_email)[-1]
    assert str(moved["METHOD"]) == "REQUEST" and int(only_event(moved)["SEQUENCE"]) == 1
    assert only_event(moved).decoded("DTSTART") == at(4, 11)
    admin = make_user(Role.ADMIN)
    changes.cancel_booking(db, actor=admin, booking_id=lesson.id, now=NOW)
    db.commit()
    for email in (env.student.email, tutor_email):
        cancel = invitations(db, email)[-1]
        event = only_event(cancel)
        assert str(cancel["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
        assert str(event["UID"]) == str(only_event(invitations(db, email)[0])["UID"])


def test_an_unpaid_hold_mails_no_invitation(db, env):
    env.book(at(3, 10))
    assert invitations(db, env.student.email) == []


def test_the_invitation_is_a_text_calendar_part_of_the_mail(db, env, smtp_server, configure):  # noqa: F811
    controller, inbox = smtp_server
    configure(TUTORHUB_SMTP_HOST="127.0.0.1", TUTORHUB_SMTP_PORT=str(controller.port), TUTORHUB_SMTP_STARTTLS="0")
    env.book(at(3, 10), confirm=True)
    _wait(lambda: any(env.student.email in rcpt for _f, rcpt, _raw in inbox.messages), timeout=60)
    raw = next(raw for _f, rcpt, raw in inbox.messages if env.student.email in rcpt)
    mail = message_from_bytes(raw)
    assert mail.is_multipart()
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST" and parts[0].get_filename() == "invite.ics"
    cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    assert str(cal["METHOD"]) == "REQUEST" and len(cal.walk("VEVENT")) == 1
    body = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "lesson reference" in body.get_payload(decode=True).decode()
