"""Campaigns: creating and editing them, serving to matching visitors only, impressions and clicks
deduplicated per visitor per hour, and spend in the ledger capped by the budget and the prepaid balance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.growth import BROWSER_UA, NOW, campaign_input, funded_advertiser
from tutorhub.models import Role
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.growth import campaigns, serving
from tutorhub.services.growth.advertisers import prepaid_balance
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger


def _serve(db, *, ip="10.0.0.1", ua=BROWSER_UA, viewer=None, now=NOW, **where):
    where = {"city": "Berlin", "subject": "mathematics", "grade": "high", **where}
    return serving.serve_ads(db, viewer=viewer, placement="search", ip=ip, user_agent=ua, now=now, **where)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def test_only_admins_create_campaigns(db, make_user):
    with pytest.raises(NotAuthenticated):
        campaigns.create_campaign(db, actor=None, data=campaign_input(), now=NOW)
    for role in (Role.STUDENT, Role.TUTOR):
        with pytest.raises(Forbidden):
            campaigns.create_campaign(db, actor=make_user(role), data=campaign_input(), now=NOW)


@pytest.mark.parametrize("change, field", [
    ({"kind": "popup"}, "kind"), ({"budget_minor": 0}, "budget_minor"), ({"budget_minor": "ten"}, "budget_minor"),
    ({"cpc_minor": 5}, "pricing"), ({"cpm_minor": None}, "pricing"), ({"currency": "XXX"}, "currency"),
    ({"ends_at": (NOW - timedelta(days=2)).isoformat()}, "ends_at"), ({"starts_at": "yesterday"}, "starts_at"),
    ({"title": "x" * 500}, "title"), ({"target": {"grades": ["kindergarten-ish"]}}, "target_grades"),
    ({"kind": "sponsored_tutor"}, "tutor_id"), ({"target": {"cities": ["x"] * 100}}, "target_cities"),
])
def test_bad_campaign_input_is_refused_by_field(db, admin, change, field):
    with pytest.raises(InvalidInput) as err:
        campaigns.create_campaign(db, actor=admin, data=campaign_input(**change), now=NOW)
    assert field in err.value.fields


def test_a_campaign_is_served_only_to_matching_visitors(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(), now=NOW)
    assert out.status == "ACTIVE"
    assert [i.campaign_id for i in _serve(db)] == [out.id]
    assert _serve(db, city="Munich") == []
    assert _serve(db, subject="physics") == []
    assert _serve(db, grade="primary") == []
    assert _serve(db, now=NOW + timedelta(days=11)) == []  # past its end


def test_unfunded_paused_and_draft_campaigns_are_not_served(db, admin):
    funded_advertiser(db, admin, amount_minor=0)
    campaigns.create_campaign(db, actor=admin, data=campaign_input(), now=NOW)
    assert _serve(db) == []
    other = funded_advertiser(db, admin, name="Funded")
    live = campaigns.create_campaign(db, actor=admin, data=campaign_input(advertiser_id=other), now=NOW)
    assert len(_serve(db)) == 1
    campaigns.change_status(db, actor=admin, campaign_id=live.id, move="pause", now=NOW)
    assert _serve(db) == []
    with pytest.raises(Conflict):
        campaigns.change_status(db, actor=admin, campaign_id=live.id, move="pause", now=NOW)
    campaigns.change_status(db, actor=admin, campaign_id=live.id, move="resume", now=NOW)
    assert len(_serve(db)) == 1
    draft = campaigns.create_campaign(db, actor=admin, data=campaign_input(status="DRAFT", advertiser_id=other), now=NOW)
    assert draft.id not in [i.campaign_id for i in _serve(db)]


def test_impressions_count_once_per_visitor_per_hour_and_bots_never(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(), now=NOW)
    for _ in range(3):
        _serve(db)
    _serve(db, ip="10.0.0.2")
    _serve(db, now=NOW + timedelta(hours=1))
    items = _serve(db, ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert items and items[0].click_token == ""
    _serve(db, ua="")
    assert campaigns.get_campaign(db, actor=admin, campaign_id=out.id).impressions == 3


def test_cpm_spend_accumulates_fractions_and_posts_each_step_once(db, admin):
    advertiser = funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=250), now=NOW)  # 0.25 per view
    for n in range(10):
        _serve(db, ip=f"10.1.0.{n}")
    got = campaigns.get_campaign(db, actor=admin, campaign_id=out.id)
    assert (got.impressions, got.spend_minor) == (10, 2)  # floor(10 × 250 / 1000)
    assert prepaid_balance(db, advertiser, "USD") == 100_000 - 2
    assert ledger.balance(db, "platform:revenue", "USD") == 2
    assert ledger.account_kind(f"advertiser:{advertiser}:prepaid") == "prepaid"


def test_clicks_are_signed_deduplicated_and_replay_safe(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=None, cpc_minor=40), now=NOW)
    token = _serve(db)[0].click_token

    def click(tok, ip="10.0.0.1", now=NOW):
        return serving.record_click(db, viewer=None, campaign_id=out.id, click_token=tok, ip=ip,
                                    user_agent=BROWSER_UA, now=now)

    assert click(token).counted is True
    assert click(token).counted is False  # replayed
    later = NOW + timedelta(minutes=90)
    assert click(token, now=later).counted is False  # same token next hour: still once
    assert click(_serve(db, now=later)[0].click_token, now=later).counted is True
    with pytest.raises(InvalidInput):
        click(token[:-1] + ("0" if token[-1] != "0" else "1"))  # forged signature
    with pytest.raises(InvalidInput):
        click(token, ip="10.9.9.9")  # another visitor's token
    with pytest.raises(InvalidInput):
        click(_serve(db, ip="10.0.0.3")[0].click_token, ip="10.0.0.3", now=NOW + timedelta(hours=3))  # expired
    got = campaigns.get_campaign(db, actor=admin, campaign_id=out.id)
    assert (got.clicks, got.spend_minor) == (2, 80)


def test_spend_never_exceeds_budget_or_prepaid_balance(db, admin):
    advertiser = funded_advertiser(db, admin, amount_minor=100)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=None, cpc_minor=30,
                                                                         budget_minor=1000), now=NOW)
    for n in range(6):
        ip = f"10.2.0.{n}"
        items = _serve(db, ip=ip)
        if items:
            serving.record_click(db, viewer=None, campaign_id=out.id, click_token=items[0].click_token, ip=ip,
                                 user_agent=BROWSER_UA, now=NOW)
    got = campaigns.get_campaign(db, actor=admin, campaign_id=out.id)
    assert got.spend_minor == 100 and prepaid_balance(db, advertiser, "USD") == 0
    assert _serve(db, ip="10.2.1.1") == []  # no money left: not served
    assert verify_ledger(db) == []  # every ad posting balances; no prepaid account below zero
    capped = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=None, cpc_minor=30,
                                                                            budget_minor=50), now=NOW)
    assert capped.id


def test_budget_cap_stops_serving(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=None, cpc_minor=30,
                                                                         budget_minor=50), now=NOW)
    for n in range(3):
        ip = f"10.3.0.{n}"
        items = _serve(db, ip=ip)
        if items:
            serving.record_click(db, viewer=None, campaign_id=out.id, click_token=items[0].click_token, ip=ip,
                                 user_agent=BROWSER_UA, now=NOW)
    got = campaigns.get_campaign(db, actor=admin, campaign_id=out.id)
    assert got.spend_minor == 50 and got.clicks == 2
    assert _serve(db, ip="10.3.1.1") == []


def test_editing_keeps_rules(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(), now=NOW)
    edited = campaigns.update_campaign(db, actor=admin, campaign_id=out.id, now=NOW,
                                       data={"title": "New title", "target": {"cities": ["Munich"]}})
    assert edited.title == "New title" and edited.target["cities"] == ["Munich"] and edited.pricing == "cpm"
    with pytest.raises(InvalidInput):
        campaigns.update_campaign(db, actor=admin, campaign_id=out.id, now=NOW, data={"budget_minor": -1})


def test_sponsored_tutor_campaign_links_to_the_tutor(db, admin, make_approved_tutor):
    funded_advertiser(db, admin)
    tutor, _ = make_approved_tutor()
    out = campaigns.create_campaign(db, actor=admin, now=NOW,
                                    data=campaign_input(kind="sponsored_tutor", tutor_id=tutor.id))
    item = _serve(db)[0]
    assert (item.kind, item.tutor_id) == ("sponsored_tutor", tutor.id)
    click = serving.record_click(db, viewer=None, campaign_id=out.id, click_token=item.click_token, ip="10.0.0.1",
                                 user_agent=BROWSER_UA, now=NOW)
    assert click.url == f"/tutors/{tutor.id}"


def test_a_signed_in_students_profile_fills_in_the_targeting(db, admin, make_user):
    from tutorhub.services.accounts import students

    funded_advertiser(db, admin)
    campaigns.create_campaign(db, actor=admin, data=campaign_input(), now=NOW)
    student = make_user(Role.STUDENT)
    students.update_student_profile(db, actor=student, data={"grade_level": "high", "subjects": ["mathematics"],
                                                           "city": "Berlin"})
    assert len(serving.serve_ads(db, viewer=student, placement="home", ip="1.1.1.1", user_agent=BROWSER_UA,
                                 now=NOW)) == 1
    other = make_user(Role.STUDENT)
    assert serving.serve_ads(db, viewer=other, placement="home", ip="1.1.1.1", user_agent=BROWSER_UA, now=NOW) == []


def test_ad_revenue_in_the_ledger_equals_the_campaigns_spend(db, admin):
    """The metrics convention: ad spend = platform:revenue credits of "ad_spend" transactions."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from tutorhub.models import LedgerAccount, LedgerEntry, LedgerTransaction

    funded_advertiser(db, admin)
    a = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=1700), now=NOW)
    b = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=None, cpc_minor=9), now=NOW)
    for n in range(7):
        ip = f"10.7.0.{n}"
        items = {i.campaign_id: i for i in _serve(db, ip=ip)}
        serving.record_click(db, viewer=None, campaign_id=b.id, click_token=items[b.id].click_token, ip=ip,
                             user_agent=BROWSER_UA, now=NOW)
    credited = db.exec(
        select(func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .where(LedgerTransaction.kind == "ad_spend", LedgerAccount.code == "platform:revenue")
    ).one()
    spent = [campaigns.get_campaign(db, actor=admin, campaign_id=c.id).spend_minor for c in (a, b)]
    assert spent == [7 * 1700 // 1000, 7 * 9] and -int(credited or 0) == sum(spent)
