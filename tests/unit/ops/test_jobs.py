from datetime import UTC, datetime, timedelta

from sqlmodel import select

from tutorhub.jobs.scheduler import JOBS, build_scheduler, rebuild_free_slot_index
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
