"""The growth states driven like a browser tab: an admin sets up an advertiser, a prepayment and a
campaign; matching visitors see it on the search page and click through; strangers change nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import reflex as rx

from tests.api.conftest import PNG_BYTES
from tests.state.conftest import count, fetch, redirects
from tutorhub.integrations.storage import get_storage
from tutorhub.models import AdCampaign, AdClick, Advertiser, AnalyticsConsent, AuditEntry, Role, SpecialOffer
from tutorhub.services.money.promos import create_promo
from tutorhub.state.growth.ad_slots import AdSlotState
from tutorhub.state.growth.admin_ads import AdminAdsState
from tutorhub.state.growth.admin_campaign import AdminCampaignState
from tutorhub.state.growth.admin_offers import AdminOffersState
from tutorhub.state.growth.analytics_consent import AnalyticsConsentState

MATCHING = "/tutors?subject=mathematics&city=Berlin&grade=high"


def _local(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M")


def _campaign_form(advertiser_id: int, **changes) -> dict:
    form = {"advertiser_id": str(advertiser_id), "kind": "banner", "title": "Exam books 20% off",
            "body": "Publisher of the year", "link_url": "https://books.example/exams", "cities": "Berlin",
            "subjects": "mathematics", "grades": "high", "starts_at": _local(-timedelta(hours=2)),
            "ends_at": _local(timedelta(days=7)), "currency": "USD", "budget": "50.00", "pricing": "cpc",
            "price": "0.40"}
    form.update(changes)
    return form


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def _set_up(browser, admin) -> tuple[AdminAdsState, int]:
    page, _ = browser.open(AdminAdsState, "/admin/ads", admin.email)
    assert page.status == "ready"
    browser.run(page.create_advertiser({"name": "Cornelsen", "contact_email": "ads@cornelsen.example"}))
    advertiser_id = int(page.advertisers[0].id)
    browser.run(page.record_prepayment({"advertiser_id": str(advertiser_id), "currency": "USD",
                                        "amount": "100.00", "reference": "TR-1"}))
    assert page.advertisers[0].balance == "$100"
    return page, advertiser_id


def test_admin_creates_a_campaign_and_matching_visitors_see_and_click_it(browser, new_browser, admin):
    page, advertiser_id = _set_up(browser, admin)
    browser.run(page.create_campaign(_campaign_form(advertiser_id)))
    assert page.campaign_errors == {}
    assert [r.title for r in page.campaigns] == ["Exam books 20% off"] and page.campaigns[0].status == "ACTIVE"

    visitor = new_browser()
    visitor.goto(MATCHING)
    slot = visitor.state(AdSlotState)
    assert not slot.ads_ready  # the search page holds its results back until the ads are fetched
    visitor.run(slot.load_search())
    assert [a.title for a in slot.ads] == ["Exam books 20% off"] and slot.ads_ready
    events = visitor.run(slot.click(slot.ads[0].campaign_id))
    assert redirects(events) == ["https://books.example/exams"] and count(AdClick) == 1

    other = new_browser()
    other.goto("/tutors?subject=physics&city=Berlin")
    other_slot = other.state(AdSlotState)
    other.run(other_slot.load_search())
    assert other_slot.ads == [] and other_slot.ads_ready  # no ads: the results are not held back

    detail, _ = browser.open(AdminCampaignState, f"/admin/ads/{page.campaigns[0].id}")
    assert (detail.impressions, detail.clicks, detail.spend) == (1, 1, "$0.40")
    assert detail.traffic[-1]["a"] == 1 and detail.traffic[-1]["b"] == 1
    browser.run(detail.pause())
    assert detail.state == "PAUSED"
    browser.run(detail.save({"title": "Renamed", "body": "", "budget": "60.00"}))
    assert detail.title == "Renamed" and detail.budget == "$60"


def test_bad_campaign_form_shows_inline_errors(browser, admin):
    page, advertiser_id = _set_up(browser, admin)
    browser.run(page.create_campaign(_campaign_form(advertiser_id, budget="abc", ends_at="")))
    assert {"budget", "ends_at"} <= set(page.campaign_errors)
    browser.run(page.create_campaign(_campaign_form(advertiser_id, title="", grades="nonsense-grade")))
    assert "title" in page.campaign_errors and count(AdCampaign) == 0


def _file(data: bytes, name: str) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))


def test_the_create_form_takes_the_creative_image_checked_at_once_and_stored_on_create(browser, admin):
    page, advertiser_id = _set_up(browser, admin)
    browser.run(page.choose_image([_file(b"<svg onload=alert(1)>" + b"x" * 40, "evil.png")]))  # by content, not name
    assert page.new_image_error and page.new_image_name == ""
    browser.run(page.choose_image([_file(PNG_BYTES, "books.png")]))
    assert page.new_image_error == "" and page.new_image_name == "books.png"
    browser.run(page.create_campaign(_campaign_form(advertiser_id, budget="abc")))  # a bad form keeps the image
    assert "budget" in page.campaign_errors and count(AdCampaign) == 0 and page.new_image_name == "books.png"
    browser.run(page.create_campaign(_campaign_form(advertiser_id)))
    assert page.campaign_errors == {} and page.new_image_name == ""
    [campaign] = fetch(AdCampaign)
    assert campaign.image_type == "image/png" and get_storage().read(campaign.image_key) == PNG_BYTES
    assert {e.action for e in fetch(AuditEntry)} >= {"campaign.create", "campaign.creative"}
    detail, _ = browser.open(AdminCampaignState, f"/admin/ads/{campaign.id}")
    assert detail.image_url == f"/api/v1/ads/{campaign.id}/image"
    browser.run(page.create_campaign(_campaign_form(advertiser_id, title="Second, no image")))
    assert [c.image_key for c in fetch(AdCampaign) if c.title == "Second, no image"] == [""]
    browser.run(page.choose_image([_file(PNG_BYTES, "x.png")]))
    browser.run(page.drop_image())  # removed before creating: not stored
    browser.run(page.create_campaign(_campaign_form(advertiser_id, title="Third")))
    assert [c.image_key for c in fetch(AdCampaign) if c.title == "Third"] == [""]


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TUTOR, None])
def test_strangers_change_nothing(new_browser, make_user, admin, role, db):
    create_promo(db, actor=admin, data={"code": "SPRING10", "kind": "percent", "percent": 10})
    db.commit()
    b = new_browser()
    email = make_user(role).email if role else None
    ads, events = b.open(AdminAdsState, "/admin/ads", email)
    assert ads.status == "forbidden" or redirects(events)
    b.run(ads.create_advertiser({"name": "Sneaky"}))
    b.run(ads.record_prepayment({"advertiser_id": "1", "currency": "USD", "amount": "5", "reference": "x"}))
    b.run(ads.choose_image([_file(PNG_BYTES, "x.png")]))  # checked as admins only: nothing kept
    assert ads.new_image_name == "" and ads.new_image_error
    b.run(ads.create_campaign(_campaign_form(1)))
    offers_page, _ = b.open(AdminOffersState, "/admin/offers")
    b.run(offers_page.create({"promo_code": "SPRING10", "banner_text": "x"}))
    detail, _ = b.open(AdminCampaignState, "/admin/ads/1")
    detail.campaign_id = 1
    b.run(detail.pause())
    b.run(detail.save({"title": "x", "budget": "1.00"}))
    b.run(detail.upload_image([_file(PNG_BYTES, "x.png")]))
    assert count(Advertiser) == 0 and count(AdCampaign) == 0 and count(SpecialOffer) == 0
    slot = b.state(AdSlotState)
    assert b.run(slot.click(12345)) == []  # a campaign this tab was never served


def test_offers_reach_matching_students_on_the_wallet_and_search(browser, new_browser, admin, make_user, db):
    create_promo(db, actor=admin, data={"code": "WELCOME15", "kind": "percent", "percent": 15})
    db.commit()
    page, _ = browser.open(AdminOffersState, "/admin/offers", admin.email)
    assert page.codes == ["WELCOME15"]
    browser.run(page.create({"promo_code": "welcome15", "banner_text": "15% off your first lesson",
                             "new_students_only": "on"}))
    assert [r.code for r in page.offers] == ["WELCOME15"] and page.offers[0].audience == "new students"
    student = make_user(Role.STUDENT)
    tab = new_browser()
    tab.login(student.email)
    tab.goto("/wallet")
    slot = tab.state(AdSlotState)
    tab.run(slot.load_offers())
    assert [(o.code, o.discount) for o in slot.offers] == [("WELCOME15", "15% off")]
    browser.run(page.set_active(page.offers[0].id, False))
    tab.run(slot.load_offers())
    assert slot.offers == []


def test_consent_toggle_is_the_users_own(browser, new_browser, make_user, db):
    student = make_user(Role.STUDENT)
    page, _ = browser.open(AnalyticsConsentState, "/settings/notifications", student.email)
    assert page.consent_status == "ready" and page.granted is False and page.available is False
    browser.run(page.set_granted(True))
    assert page.granted is True and db.get(AnalyticsConsent, student.id).granted is True
    stranger = new_browser()
    other, events = stranger.open(AnalyticsConsentState, "/settings/notifications")
    assert redirects(events)
    stranger.run(other.set_granted(False))
    stranger.run(other.set_granted("yes"))
    db.expire_all()
    assert count(AnalyticsConsent) == 1 and db.get(AnalyticsConsent, student.id).granted is True
