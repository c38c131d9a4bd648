from datetime import UTC, datetime, timedelta

from sqlmodel import select

from tutorhub.jobs.scheduler import JOBS, build_scheduler, prune_login_throttles, rebuild_free_slot_index
from tutorhub.models.scheduling import TutorFreeSlots
from tutorhub.services.scheduling import availability


def test_scheduler_registers_every_job_as_a_utc_cron():
    scheduler = build_scheduler()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job_id for job_id, _, _ in JOBS}
    assert "hour='3'" in str(jobs["rebuild_free_slot_index"].trigger)


def test_rebuild_job_rolls_the_index_forward(db, make_approved_tutor):
    tutor, _ = make_approved_tutor()
    now = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    availability.save_availability(db, actor=tutor, now=now, data={
        "timezone": "Europe/Berlin",
        "weekly": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)],
        "settings": {"lesson_lengths": [60]},
    })
    db.commit()
    later = now + timedelta(days=10)
    assert rebuild_free_slot_index(now=later) >= 1
    db.rollback()
    rows = db.exec(select(TutorFreeSlots)).all()
    assert rows and all(r.base_minute >= int(later.timestamp() // 60) - 24 * 60 for r in rows)


def test_the_login_throttle_job_forgets_stale_counters(db):
    from tutorhub.models.accounts import LoginThrottle
    from tutorhub.services.accounts import passwords
    from tutorhub.services.errors import NotAuthenticated

    then = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    try:
        passwords.authenticate_password(db, email="nobody@example.com", password="wrong-guess-1",
                                        ip="192.0.2.77", user_agent="t", now=then)
    except NotAuthenticated:
        pass
    db.commit()
    assert db.exec(select(LoginThrottle)).all()
    assert prune_login_throttles(now=then + timedelta(minutes=5)) == 0  # still counting
    db.rollback()
    assert prune_login_throttles(now=then + timedelta(days=2)) >= 1
    db.rollback()
    assert db.exec(select(LoginThrottle)).all() == []
