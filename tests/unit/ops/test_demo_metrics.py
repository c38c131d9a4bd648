"""The demo seed leaves the admin dashboard something to show: its figures are computed at the
end of seeding, from the demo's real payments, lessons and sign-ups."""

from __future__ import annotations

from sqlmodel import select

from tutorhub.demo.seed import seed_demo
from tutorhub.models import MetricDaily, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.ops import cohorts, metrics


def test_the_seeded_dashboard_has_money_people_and_cohorts(db):
    seed_demo(db, tutors=6)
    db.commit()
    assert db.exec(select(MetricDaily)).first() is not None
    admin = to_user_out(db.exec(select(User).where(User.role == "admin")).first())
    now = utcnow()
    out = metrics.dashboard_metrics(db, actor=admin, interval="month", date_from=(now.date().replace(day=1)).replace(
        year=now.year - 1).isoformat(), now=now)
    assert out.gmv_minor > 0 and out.revenue_minor > 0
    assert out.active_students > 0 and out.active_tutors > 0 and out.new_signups > 0
    found = cohorts.cohort_retention(db, actor=admin, months=2, now=now)
    assert found.cohorts[-1].size > 0
