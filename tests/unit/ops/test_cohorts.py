"""Cohort retention on a constructed dataset with fixed dates: sign-up months × months since."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tutorhub.models import LoginEvent, Payment, User
from tutorhub.services.errors import Forbidden, InvalidInput
from tutorhub.services.ops import cohorts, daily_aggregates

NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)


def signed_up(db, make_user, role: str, when: datetime):
    user = make_user(role)
    row = db.get(User, user.id)
    row.created_at = when
    db.add(row)
    return user


def active(db, user_id: int, when: datetime) -> None:
    db.add(LoginEvent(user_id=user_id, identifier="x", method="otp", success=True, created_at=when))


@pytest.fixture
def cohort_world(db, make_user):
    """January: 4 students; February: 2 students and a tutor; March: 1 student."""
    jan = [signed_up(db, make_user, "student", datetime(2027, 1, d, 9, tzinfo=UTC)) for d in (1, 10, 20, 31)]
    feb = [signed_up(db, make_user, "student", datetime(2027, 2, d, 9, tzinfo=UTC)) for d in (1, 28)]
    tutor = signed_up(db, make_user, "tutor", datetime(2027, 2, 14, tzinfo=UTC))
    signed_up(db, make_user, "student", datetime(2027, 3, 5, tzinfo=UTC))
    for user in jan:  # all four active in January
        active(db, user.id, datetime(2027, 1, 31, 20, tzinfo=UTC))
    for user in jan[:2]:  # two in February (one of them twice: still one)
        active(db, user.id, datetime(2027, 2, 3, tzinfo=UTC))
    active(db, jan[0].id, datetime(2027, 2, 25, tzinfo=UTC))
    # a payment counts as activity too
    db.add(Payment(reference="p-1", user_id=jan[3].id, purpose="topup", amount_minor=500, currency="EUR",
                   gateway="sandbox", status="succeeded", succeeded_at=datetime(2027, 3, 2, tzinfo=UTC)))
    active(db, feb[1].id, datetime(2027, 3, 1, tzinfo=UTC))  # month 1 of February
    active(db, tutor.id, datetime(2027, 2, 20, tzinfo=UTC))
    admin = make_user("admin")
    db.commit()
    daily_aggregates.rebuild_all(db, now=NOW)
    return admin


def table(out) -> dict[str, tuple[int, list[tuple[int, int, float]]]]:
    return {c.cohort: (c.size, [(r.month, r.active, r.rate) for r in c.retention]) for c in out.cohorts}


def test_monthly_cohorts_and_their_retention(db, cohort_world):
    out = cohorts.cohort_retention(db, actor=cohort_world, months=3, now=NOW)
    assert table(out) == {
        "2027-01": (4, [(0, 4, 1.0), (1, 2, 0.5), (2, 1, 0.25)]),
        "2027-02": (3, [(0, 1, 0.3333), (1, 1, 0.3333)]),
        "2027-03": (1, [(0, 0, 0.0)]),
    }
    students = cohorts.cohort_retention(db, actor=cohort_world, months=2, role="student", now=NOW)
    assert table(students) == {"2027-02": (2, [(0, 0, 0.0), (1, 1, 0.5)]), "2027-03": (1, [(0, 0, 0.0)])}


def test_cohorts_are_for_admins_with_sane_arguments(db, cohort_world, make_user):
    with pytest.raises(Forbidden):
        cohorts.cohort_retention(db, actor=make_user("student"), now=NOW)
    for bad in [{"months": 0}, {"months": 37}, {"months": "12"}, {"months": True}, {"role": "admin"}]:
        with pytest.raises(InvalidInput):
            cohorts.cohort_retention(db, actor=cohort_world, now=NOW, **bad)
