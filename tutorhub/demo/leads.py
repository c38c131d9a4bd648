"""Demo data for the lead marketplace: open enquiries from student1 (Bengaluru) that reach tutor1's
lead inbox, and 5 lead credits for tutor1, so a newcomer can claim, chat and propose at once.

Seeded through the real use case (post_enquiry matches against the free-slot index), so it runs
after the index is rebuilt."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.services.actor import to_user_out
from tutorhub.services.billing import lead_credits
from tutorhub.services.leads.enquiries import post_enquiry
from tutorhub.services.money import ledger

EVENINGS = [{"weekday": d, "start": "16:00", "end": "21:00"} for d in range(6)]
ENQUIRIES = [
    {"subject": "mathematics", "grade": "7", "mode": "online", "budget_max_minor": 150000, "currency": "INR",
     "duration_min": 60, "message": "My son needs help with fractions and algebra basics before his mid-terms.",
     "windows": EVENINGS, "timezone": "Asia/Kolkata"},
    {"subject": "physics", "grade": "middle", "mode": "home", "city": "Koramangala, Bengaluru",
     "budget_max_minor": 200000, "currency": "INR", "duration_min": 60,
     "message": "Looking for home tuition twice a week, physics for class 8.", "timezone": "Asia/Kolkata"},
]


def seed_leads_demo(session: Session, *, now: datetime) -> dict[str, int]:
    student = session.exec(select(User).where(col(User.email) == "student1@tutorhub.test")).one()
    tutor = session.exec(select(User).where(col(User.email) == "tutor1@tutorhub.test")).one()
    assert tutor.id is not None
    posted = [post_enquiry(session, actor=to_user_out(student), data=data, now=now) for data in ENQUIRIES]
    ledger.post(session, kind="lead_grant", idempotency_key=f"demo:leads:{tutor.id}",
                lines=[ledger.Line(lead_credits.ISSUANCE, 5, lead_credits.UNIT),
                       ledger.Line(lead_credits.lead_account(tutor.id), -5, lead_credits.UNIT)],
                user_id=tutor.id, memo="demo lead credits", now=now)
    return {"enquiries": len(posted), "matches": sum(e.match_count for e in posted)}
