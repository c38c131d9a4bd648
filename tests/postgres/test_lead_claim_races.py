"""Lead claims released together (CI runs these on PostgreSQL, the default run on SQLite): ten
tutors claiming one enquiry with a cap of 3 → exactly 3 claims and 3 credits spent; one tutor
double-clicking spends 1."""

from __future__ import annotations

from sqlmodel import select

from tests.support.booking import NOW, open_all_week
from tests.support.leads import enquiry_data, give_lead_credits
from tests.support.races import race
from tutorhub.models import Enquiry, EnquiryClaim, Role
from tutorhub.services.billing import lead_credits
from tutorhub.services.leads import claims, enquiries

TUTORS = 10


def _enquiry(db, make_user) -> int:
    out = enquiries.post_enquiry(db, actor=make_user(Role.STUDENT), data=enquiry_data(), now=NOW)
    db.commit()
    return out.id


def test_ten_tutors_claim_at_once_exactly_three_win_and_pay(db, make_user, make_approved_tutor):
    tutors = []
    for i in range(TUTORS):
        user, _ = make_approved_tutor(timezone="UTC")
        open_all_week(db, user)
        give_lead_credits(db, user.id, 2, key=f"race{i}")
        tutors.append(user)
    eid = _enquiry(db, make_user)
    results = race(TUTORS, lambda s, i: claims.claim_lead(s, actor=tutors[i], enquiry_id=eid, now=NOW).charged)
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["Conflict"] * (TUTORS - 3) + ["ok"] * 3, results
    db.rollback()
    assert len(db.exec(select(EnquiryClaim).where(EnquiryClaim.enquiry_id == eid)).all()) == 3
    enquiry = db.get(Enquiry, eid)
    assert enquiry is not None and enquiry.claim_count == 3 and enquiry.status == "MATCHED"
    spent = sum(2 - lead_credits.lead_balance(db, t.id) for t in tutors)
    assert spent == 3


def test_a_double_click_spends_one_credit(db, make_user, make_approved_tutor):
    user, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, user)
    give_lead_credits(db, user.id, 5)
    eid = _enquiry(db, make_user)
    results = race(6, lambda s, i: claims.claim_lead(s, actor=user, enquiry_id=eid, now=NOW).conversation_id)
    assert all(r[0] == "ok" for r in results), results
    assert len({r[1] for r in results}) == 1
    db.rollback()
    assert lead_credits.lead_balance(db, user.id) == 4
    assert len(db.exec(select(EnquiryClaim).where(EnquiryClaim.enquiry_id == eid)).all()) == 1
