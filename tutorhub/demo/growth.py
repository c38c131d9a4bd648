"""Demo data for growth: an educational publisher with a prepaid balance, an active banner campaign
for maths and physics learners, tutor1 as a sponsored profile, and an offer built on WELCOME10 for
new students. Everything goes through the growth services as the demo admin (so the prepayment is
a real "ad_prepay" ledger posting and each step is in the audit log).

Called from demo/seed.py's seed_demo after the credits demo (WELCOME10 must exist).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.services.actor import to_user_out
from tutorhub.services.growth import advertisers, campaigns, offers


def seed_growth_demo(session: Session, *, now: datetime, admin_email: str) -> dict[str, int]:
    admin_row = session.exec(select(User).where(col(User.email) == admin_email)).one()
    admin = to_user_out(admin_row)
    tutor = session.exec(select(User).where(col(User.email) == "tutor1@tutorhub.test")).first()
    publisher = advertisers.create_advertiser(session, actor=admin, now=now,
                                              data={"name": "Lernwerk Publishing", "contact_email": "ads@lernwerk.test"})
    advertisers.record_prepayment(session, actor=admin, advertiser_id=publisher.id, now=now,
                                  data={"amount_minor": 50_000, "currency": "USD", "reference": "DEMO-INV-001"})
    window = {"starts_at": (now - timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}
    banner = campaigns.create_campaign(session, actor=admin, now=now, data={
        "advertiser_id": publisher.id, "kind": "banner", "title": "Exam-ready workbooks for maths and physics",
        "body": "Worked solutions for every chapter — 20% off this month.", "link_url": "https://lernwerk.test/workbooks",
        "target": {"subjects": ["mathematics", "physics"]}, **window, "budget_minor": 20_000, "currency": "USD",
        "cpm_minor": 400,
    })
    made = 1
    if tutor is not None:
        campaigns.create_campaign(session, actor=admin, now=now, data={
            "advertiser_id": publisher.id, "kind": "sponsored_tutor", "tutor_id": tutor.id,
            "title": f"{tutor.full_name} — featured tutor", "body": "Recommended by Lernwerk Publishing.",
            "target": {}, **window, "budget_minor": 10_000, "currency": "USD", "cpc_minor": 50,
        })
        made += 1
    offers.create_offer(session, actor=admin, now=now, data={
        "promo_code": "WELCOME10", "banner_text": "New here? Your first lesson is 10% off.",
        "new_students_only": True})
    session.flush()
    return {"advertisers": 1, "campaigns": made, "offers": 1, "banner_campaign": banner.id}
