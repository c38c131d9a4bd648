"""The growth demo: a newcomer running the app sees a funded advertiser's banner and a sponsored tutor
on the home and search pages, and the WELCOME10 offer as a new student."""

from __future__ import annotations

from sqlmodel import select

from tests.support.growth import BROWSER_UA
from tutorhub.demo.seed import seed_demo
from tutorhub.models import AdCampaign, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.growth import offers, serving
from tutorhub.services.growth.advertisers import prepaid_balance


def test_demo_has_a_funded_advertiser_two_live_campaigns_and_an_offer(db):
    seed_demo(db, tutors=8)
    db.commit()
    kinds = {c.kind: c for c in db.exec(select(AdCampaign)).all()}
    assert set(kinds) == {"banner", "sponsored_tutor"}
    assert prepaid_balance(db, kinds["banner"].advertiser_id, "USD") == 50_000
    student = db.exec(select(User).where(User.email == "student2@tutorhub.test")).one()  # maths and physics
    viewer = to_user_out(student)
    now = utcnow()
    served = serving.serve_ads(db, viewer=viewer, placement="search", ip="1.2.3.4", user_agent=BROWSER_UA, now=now)
    assert {i.kind for i in served} == {"banner", "sponsored_tutor"}
    assert [o.promo_code for o in offers.offers_for(db, viewer=None, now=now)] == ["WELCOME10"]
