from sqlmodel import select

from tutorhub.__main__ import main
from tutorhub.demo.seed import ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_PASSWORD, database_is_empty, seed_demo
from tutorhub.models import TutorProfile, User
from tutorhub.services.accounts import passwords
from tutorhub.services.tutors.search import search_tutors


def test_demo_data_covers_the_product(db):
    assert database_is_empty(db)
    counts = seed_demo(db)
    db.commit()
    assert counts["tutors"] >= 30
    approved = db.exec(select(TutorProfile).where(TutorProfile.status == "APPROVED")).all()
    zones = {p.timezone for p in approved}
    assert len(approved) >= 30 and len(zones) >= 6
    assert {"Asia/Kolkata", "Europe/Berlin", "America/New_York"} <= zones
    assert len({p.city for p in approved}) >= 6 and any(p.offers_home for p in approved)
    assert len({p.hourly_rate for p in approved}) >= 5
    assert search_tutors(db).total == len(approved)
    assert passwords.authenticate_password(db, email=ADMIN_EMAIL, password=ADMIN_PASSWORD).role == "admin"
    assert passwords.authenticate_password(db, email="student1@tutorhub.test", password=DEMO_PASSWORD).role == "student"
    assert not database_is_empty(db)


def test_cli_create_admin_and_seed_refuses_non_empty_database(db, capsys):
    assert main(["create-admin", "--email", "ops@example.com", "--password", "long-enough-pw"]) == 0
    assert db.exec(select(User).where(User.email == "ops@example.com")).one().role == "admin"
    assert main(["seed-demo"]) == 1
    assert "refusing" in capsys.readouterr().err
    assert main(["create-admin", "--email", "bad", "--password", "long-enough-pw"]) == 2


def test_cli_rebuilds_the_free_slot_index(db, make_approved_tutor, capsys):
    from tutorhub.models.scheduling import TutorFreeSlots

    _, tutor_id = make_approved_tutor()
    assert main(["rebuild-free-slots"]) == 0
    rows = db.exec(select(TutorFreeSlots)).all()
    assert f"free-slot index rebuilt: {len(rows)} rows" in capsys.readouterr().out
    assert [r.tutor_id for r in rows] == [tutor_id]


def test_cli_run_job_runs_a_registered_job_once_and_records_it(db, make_approved_tutor, capsys):
    from tutorhub.models.notifications import JobRun

    make_approved_tutor()
    assert main(["run-job", "rebuild_free_slot_index"]) == 0
    assert capsys.readouterr().out.startswith("rebuild_free_slot_index: ok")
    run = db.exec(select(JobRun).where(JobRun.job_id == "rebuild_free_slot_index")).one()
    assert run.trigger == "manual" and run.holder.startswith("cli:") and run.outcome == "ok"
    assert main(["run-job", "no_such_job"]) == 2
    assert "no job named 'no_such_job'" in capsys.readouterr().err
    assert main(["run-job", "--list"]) == 0
    assert "reconcile_payments" in capsys.readouterr().out.split()
