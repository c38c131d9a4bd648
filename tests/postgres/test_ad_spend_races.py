"""Ad serving under concurrency (CI runs these on PostgreSQL, the default run on SQLite): many
visitors at once on two campaigns of one advertiser never overspend the prepaid balance or the
budget, never deadlock, and one visitor's simultaneous page loads count one impression."""

from __future__ import annotations

from sqlmodel import select

from tests.support.growth import BROWSER_UA, NOW, campaign_input, funded_advertiser
from tests.support.races import race
from tutorhub.models import AdCampaign, AdImpression, Role
from tutorhub.services.growth import campaigns, serving
from tutorhub.services.growth.advertisers import prepaid_balance
from tutorhub.services.money import ledger

THREADS = 8


def _serve(session, ip: str):
    return serving.serve_ads(session, viewer=None, placement="home", city="Berlin", subject="mathematics",
                             grade="high", ip=ip, user_agent=BROWSER_UA, now=NOW)


def test_concurrent_visitors_never_overspend_the_prepaid_balance(db, make_user):
    admin = make_user(Role.ADMIN)
    advertiser = funded_advertiser(db, admin, amount_minor=5)
    for _ in range(2):
        campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=1000), now=NOW)  # 1 per view
    db.commit()
    for round_ in range(2):
        results = race(THREADS, lambda s, i: len(_serve(s, f"10.9.{round_}.{i}")))
        assert all(kind == "ok" for kind, _ in results), results
    db.rollback()
    rows = db.exec(select(AdCampaign)).all()
    assert sum(r.spend_minor for r in rows) == 5 and prepaid_balance(db, advertiser, "USD") == 0
    assert ledger.balance(db, "platform:revenue", "USD") == 5


def test_one_visitor_loading_pages_at_once_counts_one_impression(db, make_user):
    admin = make_user(Role.ADMIN)
    funded_advertiser(db, admin)
    campaigns.create_campaign(db, actor=admin, data=campaign_input(), now=NOW)
    db.commit()
    results = race(THREADS, lambda s, i: len(_serve(s, "10.8.0.1")))
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    db.rollback()
    assert len(db.exec(select(AdImpression)).all()) == 1
    assert db.exec(select(AdCampaign)).one().impressions == 1
