"""Private iCalendar feeds: the URL, what the feed holds (parsed back with `icalendar`, expanded
with `recurring-ical-events`), stable UIDs, SEQUENCE and STATUS through reschedule and cancel,
a weekly lesson across Europe's October DST change, revocation by regeneration, strangers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from sqlmodel import select

from tests.support.booking import NOW, at, open_all_week
from tutorhub.demo.seed import seed_demo
from tutorhub.models import CalendarFeed, LotSource, Role, User
from tutorhub.services.actor import to_user_out
from tutorhub.services.billing import credits
from tutorhub.services.booking import changes, queries
from tutorhub.services.booking import series as booking_series
from tutorhub.services.calendars import feeds
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import NotAuthenticated, NotFound
from tutorhub.settings import get_settings

BERLIN = ZoneInfo("Europe/Berlin")


def token_of(url: str) -> str:
    assert url.endswith(".ics")
    return url.rsplit("/", 1)[1][: -len(".ics")]


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def feed_of(db, user, now=NOW) -> icalendar.Calendar:
    url = feeds.get_feed_url(db, actor=user).feed_url
    db.commit()
    return parse(feeds.render_feed(db, token=token_of(url), now=now))


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_url_is_absolute_stable_and_holds_only_a_hash(db, env):
    first = feeds.get_feed_url(db, actor=env.student).feed_url
    db.commit()
    assert first.startswith(get_settings().public_url + "/api/v1/calendar/")
    assert feeds.get_feed_url(db, actor=env.student).feed_url == first  # shown again, same URL
    token = token_of(first)
    assert len(token) >= 40
    from sqlmodel import select


    row = db.exec(select(CalendarFeed)).one()
    assert token not in (row.token_hash, row.nonce) and len(row.token_hash) == 64
    other = feeds.get_feed_url(db, actor=env.tutor).feed_url
    assert other != first


def test_both_parties_see_the_lesson_with_a_stable_uid_and_utc_times(db, env):
    lesson = env.book(at(3, 10), confirm=True)
    student_feed, tutor_feed = feed_of(db, env.student), feed_of(db, env.tutor)
    assert student_feed["VERSION"] == "2.0" and student_feed["PRODID"]
    (uid, event), = events(student_feed).items()
    assert uid == events(tutor_feed).popitem()[0]  # same lesson, same UID for both parties
    assert uid.startswith(f"lesson-{lesson.id}@")
    assert event.decoded("DTSTART") == lesson.start and event.decoded("DTEND") == lesson.end
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0
    assert "Tutor" in str(event["SUMMARY"])  # the student sees the tutor's name
    assert "Student" in str(events(tutor_feed)[uid]["SUMMARY"])  # and the tutor the student's
    assert f"/lessons/{lesson.id}" in str(event["URL"])


def test_a_reschedule_bumps_sequence_and_a_cancellation_marks_the_event_cancelled(db, env):
    lesson = env.book(at(3, 10), confirm=True)
    before = events(feed_of(db, env.student))
    moved_to = at(4, 12)
    changes.reschedule_booking(db, actor=env.student, booking_id=lesson.id, start=moved_to, now=NOW)
    db.commit()
    after = events(feed_of(db, env.student))
    assert after.keys() == before.keys()  # same UID: calendars update the event in place
    event = next(iter(after.values()))
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == moved_to
    changes.cancel_booking(db, actor=env.student, booking_id=lesson.id, now=NOW)
    db.commit()
    event = next(iter(events(feed_of(db, env.student)).values()))
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2


def test_a_held_lesson_is_tentative_until_paid(db, env):
    env.book(at(2, 9))
    (event,) = events(feed_of(db, env.student)).values()
    assert str(event["STATUS"]) == "TENTATIVE"


def test_the_feed_matches_the_lessons_list(db, env):
    for day in (2, 3, 5):
        env.book(at(day, 9), confirm=day != 5)
    listed = queries.list_bookings(db, actor=env.student, per_page=100, now=NOW).items
    feed = events(feed_of(db, env.student))
    assert {(b.start, b.end) for b in listed} == {(e.decoded("DTSTART"), e.decoded("DTEND")) for e in feed.values()}
    assert len(feed) == len(listed) == 3


def test_a_weekly_lesson_stays_at_17_00_berlin_across_the_october_change(db, make_user, make_approved_tutor):
    now = datetime(2027, 10, 10, 8, 0, tzinfo=UTC)
    tutor, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    open_all_week(db, tutor, now=now, zone="Europe/Berlin", start="08:00", end="21:00")
    student = make_user(Role.STUDENT, timezone="America/New_York")
    credits.grant_lot(db, user_id=student.id, minutes=10_000, source=LotSource.PACK, source_ref="t",
                      expires_at=now + timedelta(days=365), now=now)
    first = datetime(2027, 10, 19, 15, 0, tzinfo=UTC)  # Tuesday 17:00 CEST
    created = booking_series.create_series(db, actor=student, tutor_id=tutor_id, start=first, duration_min=60,
                                           count=4, now=now)
    lesson_payments.confirm_series(db, actor=student, series_id=created.series_id, method="credits", now=now)
    db.commit()
    for who in (student, tutor):
        cal = feed_of(db, who, now=now)
        occurrences = recurring_ical_events.of(cal).between(datetime(2027, 10, 1, tzinfo=UTC),
                                                            datetime(2027, 12, 1, tzinfo=UTC))
        starts = sorted(e.decoded("DTSTART") for e in occurrences)
        assert [s.astimezone(BERLIN).strftime("%m-%d %H:%M") for s in starts] == [
            "10-19 17:00", "10-26 17:00", "11-02 17:00", "11-09 17:00"]
        assert [s.astimezone(UTC).hour for s in starts] == [15, 15, 16, 16]  # UTC moves on 31 October


def test_regenerating_revokes_the_old_url(db, env):
    env.book(at(3, 10))
    old = feeds.get_feed_url(db, actor=env.student).feed_url
    db.commit()
    assert feeds.render_feed(db, token=token_of(old), now=NOW)
    new = feeds.regenerate_feed_url(db, actor=env.student).feed_url
    db.commit()
    assert new != old
    with pytest.raises(NotFound):
        feeds.render_feed(db, token=token_of(old), now=NOW)
    assert len(events(parse(feeds.render_feed(db, token=token_of(new), now=NOW)))) == 1
    assert feeds.get_feed_url(db, actor=env.student).feed_url == new


def test_strangers_and_made_up_tokens_get_nothing(db, env):
    with pytest.raises(NotAuthenticated):
        feeds.get_feed_url(db, actor=None)
    with pytest.raises(NotAuthenticated):
        feeds.regenerate_feed_url(db, actor=None)
    real = token_of(feeds.get_feed_url(db, actor=env.student).feed_url)
    db.commit()
    for token in ("", "x", real[:-1] + ("A" if real[-1] != "A" else "B"), "a" * 43, real + "x", None, 5):
        with pytest.raises(NotFound):
            feeds.render_feed(db, token=token, now=NOW)


def test_a_suspended_users_feed_is_gone(db, env):
    token = token_of(feeds.get_feed_url(db, actor=env.student).feed_url)
    user = db.get(User, env.student.id)
    user.is_suspended = True
    db.add(user)
    db.commit()
    with pytest.raises(NotFound):
        feeds.render_feed(db, token=token, now=NOW)




def test_demo_users_have_working_feed_urls(db):
    seed_demo(db, tutors=2)
    db.commit()
    for email in ("student1@tutorhub.test", "tutor1@tutorhub.test"):
        user = to_user_out(db.exec(select(User).where(User.email == email)).one())
        url = feeds.get_feed_url(db, actor=user).feed_url
        db.commit()
        cal = parse(feeds.render_feed(db, token=token_of(url), now=NOW))
        assert cal["X-WR-CALNAME"] == "TutorHub lessons"


def test_class_sessions_are_in_the_tutors_and_seated_students_feeds_and_cancellations_show(db, env, make_user):
    from tests.support.classes import funded_students, published_class
    from tutorhub.services.classes import classes, seats
    from tutorhub.services.classes.access import class_sessions

    class_id = published_class(db, env.tutor, NOW, capacity=2, min_size=1)
    sessions = class_sessions(db, class_id)
    [seated] = funded_students(db, make_user, 1)
    seats.enrol(db, actor=seated, class_id=class_id, method="wallet", now=NOW)
    outsider = make_user(Role.STUDENT)
    db.commit()
    uids = {f"class-session-{s.id}@" for s in sessions}
    for who in (env.tutor, seated):
        mine = {uid.split("@")[0] + "@" for uid in events(feed_of(db, who)) if uid.startswith("class-session-")}
        assert mine == uids
    assert not [u for u in events(feed_of(db, outsider)) if u.startswith("class-session-")]
    classes.cancel_session(db, actor=env.tutor, class_id=class_id, session_id=sessions[1].id, now=NOW)
    db.commit()
    called_off = next(e for u, e in events(feed_of(db, seated)).items() if u.startswith(f"class-session-{sessions[1].id}@"))
    assert str(called_off["STATUS"]) == "CANCELLED" and int(called_off["SEQUENCE"]) == 1
    seats.leave(db, actor=seated, class_id=class_id, now=NOW)
    db.commit()
    assert not [u for u in events(feed_of(db, seated)) if u.startswith("class-session-")]  # the seat ended


def test_a_guardians_feed_carries_the_linked_childs_lessons_until_the_link_ends(db, env, make_user):
    from tests.support.guardians import link_guardian
    from tutorhub.services.learning import guardians

    guardian = make_user(Role.GUARDIAN)
    link_id = link_guardian(db, env.student, guardian, now=NOW)
    lesson = env.book(at(3, 10), confirm=True)
    child_first = env.student.full_name.split()[0]
    [(uid, event)] = [(u, e) for u, e in events(feed_of(db, guardian)).items() if u.startswith("lesson-")]
    assert uid.startswith(f"lesson-{lesson.id}@") and str(event["SUMMARY"]).startswith(f"{child_first}: ")
    guardians.unlink_guardian(db, actor=guardian, link_id=link_id, now=NOW)
    db.commit()
    assert not events(feed_of(db, guardian))
