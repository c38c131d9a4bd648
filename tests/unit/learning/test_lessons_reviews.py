"""Running a lesson (start/end, hours taught), no-shows, disputes, notes, reviews, the Bayesian
rating and the trust score."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.support.booking import NOW, at
from tutorhub.models import ReliabilityStrike, Role, TutorProfile
from tutorhub.models.notifications import Notification
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.learning import lessons, reviews
from tutorhub.services.tutors import search
from tutorhub.services.tutors import stats as tutor_stats
from tutorhub.services.tutors.stats import TrustInputs, bayesian_rating, trust_score

START = at(3, 10)


def run_lesson(env, start=START, student=None, duration=60):
    booked = env.book(start, confirm=True, student=student, duration=duration)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=start)
    done = lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=start + timedelta(minutes=duration))
    env.db.commit()
    return done


def profile(env) -> TutorProfile:
    env.db.expire_all()
    return env.db.get(TutorProfile, env.tutor_id)


def test_the_tutor_starts_from_5_minutes_before_and_ends_it(env):
    booked = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="5 minutes"):
        lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START - timedelta(minutes=6))
    with pytest.raises(Forbidden):
        lessons.start_lesson(env.db, actor=env.student, booking_id=booked.id, now=START)
    started = lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START - timedelta(minutes=5))
    assert started.status == "IN_PROGRESS" and started.actions == ["complete", "no_show", "notes"]
    with pytest.raises(Conflict):
        lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    done = lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=61))
    assert done.status == "COMPLETED" and done.actual_minutes == 66  # from the early Start
    assert profile(env).minutes_taught == 60


def test_ending_before_the_scheduled_end_needs_a_confirmation_and_tells_the_student(env):
    booked = env.book(START, confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=2))
    with pytest.raises(Conflict, match="run 0 of 60 minutes") as refused:
        lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=2, seconds=2))
    assert refused.value.extra == {"confirm": "end_early", "ran_minutes": 0}
    for not_a_yes in ("true", 1, "yes", None):  # only an explicit True confirms
        with pytest.raises(Conflict):
            lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, end_early=not_a_yes,
                                    now=START + timedelta(minutes=30))
    done = lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, end_early=True,
                                   now=START + timedelta(minutes=20))
    assert (done.status, done.actual_minutes) == ("COMPLETED", 18)
    assert profile(env).minutes_taught == 18  # only what was taught counts
    detail = booking_queries.get_booking(env.db, actor=env.student, booking_id=booked.id, now=START + timedelta(hours=1))
    assert detail.events[-1].reason == "Ended early: ran 18 of 60 minutes."
    note = env.db.exec(select(Notification).where(col(Notification.user_id) == env.student.id)
                       .order_by(col(Notification.id).desc())).first()
    assert note is not None and note.title == "Your lesson ended early" and "18 of 60 minutes" in note.body


def test_a_lesson_completed_by_the_job_has_no_actual_length(env):
    booked = env.book(START, confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    assert lessons.auto_complete_lessons(env.db, now=START + timedelta(days=3)) == 1
    detail = booking_queries.get_booking(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(days=3))
    assert detail.status == "COMPLETED" and detail.actual_minutes is None and detail.started_at == START


def test_hours_taught_count_booked_minutes(env):
    run_lesson(env, at(3, 10), duration=90)
    run_lesson(env, at(4, 10), duration=30)
    p = profile(env)
    assert (p.minutes_taught, p.hours_taught) == (120, 2)


def test_a_lesson_past_its_end_cannot_be_started(env):
    booked = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="over"):
        lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(hours=1))


def test_the_student_reports_a_tutor_no_show(env):
    booked = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="not started"):
        lessons.report_no_show(env.db, actor=env.student, booking_id=booked.id, now=START - timedelta(minutes=1))
    out = lessons.report_no_show(env.db, actor=env.student, booking_id=booked.id, now=START + timedelta(minutes=20))
    assert (out.status, out.no_show_party, out.refund_percent, out.refund_status) == ("NO_SHOW", "tutor", 100, "DUE")
    assert env.db.exec(select(ReliabilityStrike)).one().kind == "tutor_no_show"
    tutor_view = lessons.dispute_lesson(env.db, actor=env.tutor, booking_id=booked.id, reason="I was there",
                                        now=START + timedelta(hours=2))
    assert tutor_view.status == "DISPUTED"


def test_the_tutor_reports_a_student_no_show_even_after_starting(env):
    booked = env.book(START, confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    with pytest.raises(Conflict):
        lessons.report_no_show(env.db, actor=env.student, booking_id=booked.id, now=START + timedelta(minutes=5))
    out = lessons.report_no_show(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=15))
    assert (out.no_show_party, out.refund_percent, out.refund_status) == ("student", 0, "NONE")
    with pytest.raises(Forbidden):  # the tutor reported it; only the student may contest
        lessons.dispute_lesson(env.db, actor=env.tutor, booking_id=booked.id, reason="x", now=START)


def test_disputes_have_a_48_hour_window_and_an_admin_decides(env, make_user):
    done = run_lesson(env)
    end = START + timedelta(hours=1)
    with pytest.raises(InvalidInput):
        lessons.dispute_lesson(env.db, actor=env.student, booking_id=done.id, reason="  ", now=end)
    with pytest.raises(Conflict, match="closed"):
        lessons.dispute_lesson(env.db, actor=env.student, booking_id=done.id, reason="bad", now=end + timedelta(hours=48))
    disputed = lessons.dispute_lesson(env.db, actor=env.student, booking_id=done.id, reason="Tutor left early",
                                      now=end + timedelta(hours=47))
    assert disputed.status == "DISPUTED"
    admin = make_user(Role.ADMIN)
    assert [(b.id, b.dispute_reason) for b in lessons.list_disputes(env.db, actor=admin)] == [
        (done.id, "Tutor left early")]
    with pytest.raises(Forbidden):
        lessons.decide_dispute(env.db, actor=env.student, booking_id=done.id, refund_percent=50)
    settled = lessons.decide_dispute(env.db, actor=admin, booking_id=done.id, refund_percent=50, notes="Half")
    assert (settled.status, settled.refund_minor, settled.refund_status) == ("SETTLED", 1500, "DUE")


def test_a_tutor_cleared_of_a_no_show_loses_the_strike(env, make_user):
    booked = env.book(START, confirm=True)
    lessons.report_no_show(env.db, actor=env.student, booking_id=booked.id, now=START + timedelta(minutes=20))
    lessons.dispute_lesson(env.db, actor=env.tutor, booking_id=booked.id, reason="I was there", now=START)
    lessons.decide_dispute(env.db, actor=make_user(Role.ADMIN), booking_id=booked.id, refund_percent=0)
    assert env.db.exec(select(ReliabilityStrike)).all() == []


def test_shared_notes_are_edited_by_both_parties_only(env):
    booked = env.book(START, confirm=True)
    out = lessons.update_notes(env.db, actor=env.student, booking_id=booked.id, notes="Chapter 3, please", now=NOW)
    assert out.notes == "Chapter 3, please"
    out = lessons.update_notes(env.db, actor=env.tutor, booking_id=booked.id, notes="Chapter 3\nand 4", now=NOW)
    assert out.notes == "Chapter 3\nand 4" and out.notes_updated_at == NOW
    with pytest.raises(NotFound):
        lessons.update_notes(env.db, actor=env.another_student(), booking_id=booked.id, notes="x")
    with pytest.raises(InvalidInput):
        lessons.update_notes(env.db, actor=env.student, booking_id=booked.id, notes="x" * 5001)
    with pytest.raises(InvalidInput):
        lessons.update_notes(env.db, actor=env.student, booking_id=booked.id, notes=["x"])


def test_reviews_once_per_completed_lesson_with_one_reply(env):
    booked = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="completed"):
        reviews.add_review(env.db, actor=env.student, booking_id=booked.id, rating=5, now=NOW)
    done = run_lesson(env, at(4, 10))
    with pytest.raises(Forbidden):
        reviews.add_review(env.db, actor=env.tutor, booking_id=done.id, rating=5)
    for bad in (0, 6, "five", 4.5, True, None):
        with pytest.raises(InvalidInput):
            reviews.add_review(env.db, actor=env.student, booking_id=done.id, rating=bad)
    review = reviews.add_review(env.db, actor=env.student, booking_id=done.id, rating=5, comment="Great!", now=NOW)
    assert (review.rating, review.comment, review.reply) == (5, "Great!", "")
    with pytest.raises(Conflict, match="already reviewed"):
        reviews.add_review(env.db, actor=env.student, booking_id=done.id, rating=1)
    with pytest.raises(Forbidden):
        reviews.reply_to_review(env.db, actor=env.student, booking_id=done.id, reply="me too")
    replied = reviews.reply_to_review(env.db, actor=env.tutor, booking_id=done.id, reply="Thank you!", now=NOW)
    assert replied.reply == "Thank you!" and replied.replied_at == NOW
    with pytest.raises(Conflict, match="already replied"):
        reviews.reply_to_review(env.db, actor=env.tutor, booking_id=done.id, reply="Again")
    with pytest.raises(Conflict, match="no review"):
        reviews.reply_to_review(env.db, actor=env.tutor, booking_id=booked.id, reply="?")
    env.db.commit()
    page = reviews.list_tutor_reviews(env.db, tutor_id=env.tutor_id)
    assert page.total == 1 and page.items[0].student_name == env.student.full_name.split()[0]
    with pytest.raises(NotFound):
        reviews.list_tutor_reviews(env.db, tutor_id=10**9)


def test_the_rating_is_a_bayesian_average_written_to_the_profile(env):
    assert bayesian_rating(0, 0) == 4.0
    assert math.isclose(bayesian_rating(5, 1), 25 / 6)
    assert profile(env).rating_avg == 0.0  # unrated: shown as new, never passes a minimum-rating filter
    for i, stars in enumerate((5, 5, 4)):
        done = run_lesson(env, at(3 + i, 10), student=env.another_student())
        reviews.add_review(env.db, actor=_student_of(env, done), booking_id=done.id,
                           rating=stars, now=NOW)
        env.db.commit()
    p = profile(env)
    assert p.rating_count == 3 and p.rating_avg == round((5 * 4.0 + 14) / 8, 2) == 4.25
    card = search.search_tutors(env.db, subject="mathematics").items[0]
    assert (card.rating_avg, card.rating_count, card.trust_score) == (4.25, 3, p.trust_score)


def _student_of(env, booking_out):
    from tutorhub.services.actor import get_user

    return get_user(env.db, booking_out.student_id)


def test_the_trust_score_formula():
    base = TrustInputs(approved=True, rating=4.0, hours_taught=0, strikes_90d=0, lessons_90d=0, response_rate=100)
    # 20 verification + 30·3/4 rating + 0 experience + 25 reliability + 10 response
    assert trust_score(base) == round(20 + 22.5 + 0 + 25 + 10) == 78
    assert trust_score(TrustInputs(True, 5.0, 200, 0, 50, 100)) == 100
    assert trust_score(TrustInputs(False, 1.0, 0, 10, 10, 0)) == 0
    assert trust_score(TrustInputs(True, 4.0, 0, 1, 0, 100)) == round(20 + 22.5 + 25 * 0.75 + 10)  # 1 strike of ≥4
    assert trust_score(TrustInputs(True, 4.0, 0, 1, 20, 100)) == round(20 + 22.5 + 25 * 0.95 + 10)
    assert trust_score(TrustInputs(True, 4.0, 14, 0, 0, 50)) == round(20 + 22.5 + 15 * math.log1p(14) / math.log1p(200)
                                                                       + 25 + 5)


def test_the_trust_score_follows_approval_lessons_and_strikes(env):
    from tutorhub.services.booking import changes as booking_changes

    assert profile(env).trust_score == 78  # approved, unrated, no history
    booked = env.book(at(10, 10), confirm=True)
    booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=booked.id, now=NOW)
    env.db.commit()
    # 1 strike, 1 confirmed lesson in the window (divisor 4): reliability 25 × 0.75
    assert profile(env).trust_score == round(20 + 22.5 + 18.75 + 10)
    assert tutor_stats.refresh_tutors_stats(env.db, None, now=NOW + timedelta(days=91)) >= 1
    assert profile(env).trust_score == 78  # the strike aged out of the 90 days


def test_response_rate_counts_automatic_declines_as_unanswered(env):
    from tests.support.booking import open_all_week
    from tutorhub.services.booking import bookings
    from tutorhub.services.booking.timeouts import auto_decline_requests

    open_all_week(env.db, env.tutor, instant_booking=False)
    first = env.book(at(5, 10), confirm=True)
    env.book(at(6, 10), confirm=True)
    bookings.accept_booking(env.db, actor=env.tutor, booking_id=first.id, now=NOW + timedelta(hours=1))
    assert auto_decline_requests(env.db, now=NOW + timedelta(hours=24)) == 1
    env.db.commit()
    assert profile(env).response_rate == 50


def test_the_nightly_refresh_keeps_ratings_and_recomputes_the_rest(env):
    from tutorhub.jobs.scheduler import refresh_tutor_stats

    p = profile(env)
    p.rating_avg, p.rating_count, p.response_rate = 4.8, 40, 55
    env.db.add(p)
    env.db.commit()
    assert refresh_tutor_stats(now=NOW) >= 1
    p = profile(env)
    assert (p.rating_avg, p.rating_count, p.response_rate) == (4.8, 40, 100)
    assert p.trust_score == round(20 + 30 * 3.8 / 4 + 25 + 10)
