"""Serving ads to visitors, and counting their clicks (public: no sign-in needed).

Matching: a campaign is served when it is ACTIVE, inside its start/end, not yet at its budget, its
advertiser has prepaid money left in its currency, and every targeting list it has is met — an empty
list targets everyone; a city / subject / grade list needs the visitor's value to be in it. A
signed-in student's profile fills in what the page does not say (their city, grade and subjects).
Tutors and admins are served nothing. At most MAX_ITEMS are served, the least-shown first (a fair rotation without randomness).

Counting: each served item counts one impression per visitor per hour (a unique row; bots never
count and get no click token); a click counts once per visitor per hour and once per token
(services/growth/visitors.py). Charging happens in the same transaction (services/growth/spend.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.db import upsert_insert
from tutorhub.models import AdCampaign, AdClick, AdImpression, CampaignKind, CampaignStatus, Role, StudentProfile
from tutorhub.services.actor import UserOut
from tutorhub.services.catalog import normalize_city, normalize_grade, normalize_subject
from tutorhub.services.growth.advertisers import prepaid_balance
from tutorhub.services.growth.campaigns import get_campaign_row, image_url
from tutorhub.services.growth.spend import bump_and_charge, lock_prepaid
from tutorhub.services.growth.visitors import Visitor, check_click_token, hour_of, identify_visitor, issue_click_token
from tutorhub.services.validation import check_fields, clean_text, fail

PLACEMENTS = ("home", "search")
MAX_ITEMS = 3


class AdItem(BaseModel):
    campaign_id: int
    kind: str
    title: str
    body: str = ""
    image_url: str | None = None
    tutor_id: int | None = None
    click_token: str  # "" for bots: they are not counted


class ClickOut(BaseModel):
    counted: bool
    url: str  # where the click leads (the sponsored tutor's profile, or the banner's link)


class Audience(BaseModel):
    city: str = ""
    subjects: list[str] = []
    grade: str = ""


def _optional(normalize: Any, value: Any, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return str(normalize(value, field))


def audience_for(session: Session, viewer: UserOut | None, *, city: Any, subject: Any, grade: Any) -> Audience:
    """Who is looking: the page's filters, completed from a signed-in student's profile."""
    values = check_fields([
        ("city", lambda: _optional(normalize_city, city, "city")),
        ("subject", lambda: _optional(normalize_subject, subject, "subject")),
        ("grade", lambda: _optional(normalize_grade, grade, "grade")),
    ])
    subjects = [values["subject"]] if values["subject"] else []
    if viewer is not None and viewer.role == Role.STUDENT:
        profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == viewer.id)).first()
        if profile is not None:
            values["city"] = values["city"] or normalize_city(profile.city or "")
            values["grade"] = values["grade"] or profile.grade_level
            subjects = subjects or [s for s in profile.subjects if isinstance(s, str)]
    return Audience(city=values["city"], subjects=subjects, grade=values["grade"])


def matches(campaign: AdCampaign, audience: Audience) -> bool:
    if campaign.target_cities and audience.city.lower() not in {c.lower() for c in campaign.target_cities}:
        return False
    if campaign.target_subjects and not set(campaign.target_subjects) & set(audience.subjects):
        return False
    return not (campaign.target_grades and audience.grade not in campaign.target_grades)


def servable(session: Session, *, now: datetime) -> list[AdCampaign]:
    """ACTIVE campaigns inside their window, under budget, whose advertiser still has money."""
    rows = session.exec(
        select(AdCampaign).where(
            AdCampaign.status == CampaignStatus.ACTIVE, col(AdCampaign.starts_at) <= now,
            col(AdCampaign.ends_at) > now, col(AdCampaign.spend_minor) < col(AdCampaign.budget_minor),
        ).order_by(col(AdCampaign.impressions), col(AdCampaign.id)).limit(200)
    ).all()
    funded: dict[tuple[int, str], bool] = {}
    out = []
    for row in rows:
        key = (row.advertiser_id, row.currency)
        if key not in funded:
            funded[key] = prepaid_balance(session, row.advertiser_id, row.currency) > 0
        if funded[key]:
            out.append(row)
    return out


def _insert_once(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """Insert one dedup row; False when a unique constraint says it is already there."""
    insert = upsert_insert(session)
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return session.execute(statement).first() is not None  # RETURNING: rowcount is unreliable here


def serve_ads(session: Session, *, viewer: UserOut | None, placement: Any, city: Any = None, subject: Any = None,
              grade: Any = None, ip: str, user_agent: str, now: datetime) -> list[AdItem]:
    """The ads for this visitor on this page, each counted as an impression (once per visitor per hour)."""
    place = clean_text(placement, "placement", max_len=16, required=True).lower()
    if place not in PLACEMENTS:
        raise fail("placement", "must be 'home' or 'search'")
    audience = audience_for(session, viewer, city=city, subject=subject, grade=grade)
    if viewer is not None and viewer.role in (Role.TUTOR, Role.ADMIN):
        return []  # ads are for learners and visitors; staff and tutors would only inflate the counts
    visitor = identify_visitor(user_id=viewer.id if viewer else None, ip=ip, user_agent=user_agent)
    chosen = [c for c in servable(session, now=now) if matches(c, audience)][:MAX_ITEMS]
    if not visitor.is_bot and chosen:
        lock_prepaid(session, chosen)
        for campaign in sorted(chosen, key=lambda c: c.id or 0):  # rows in id order (spend.py's lock order)
            if _insert_once(session, AdImpression, {"campaign_id": campaign.id, "visitor": visitor.key,
                                                    "hour": hour_of(now), "placement": place}):
                bump_and_charge(session, campaign, field="impressions", now=now)
    items = []
    for campaign in chosen:
        assert campaign.id is not None
        token = "" if visitor.is_bot else issue_click_token(campaign_id=campaign.id, visitor=visitor, now=now)
        items.append(AdItem(campaign_id=campaign.id, kind=campaign.kind, title=campaign.title, body=campaign.body,
                            image_url=image_url(campaign), tutor_id=campaign.tutor_id, click_token=token))
    return items


def destination(campaign: AdCampaign) -> str:
    if campaign.kind == CampaignKind.SPONSORED_TUTOR and campaign.tutor_id:
        return f"/tutors/{campaign.tutor_id}"
    return campaign.link_url or "/tutors"


def record_click(session: Session, *, viewer: UserOut | None, campaign_id: Any, click_token: Any, ip: str,
                 user_agent: str, now: datetime) -> ClickOut:
    """Count a click on a served ad (once per visitor per hour, once per token) and charge CPC campaigns."""
    campaign = get_campaign_row(session, campaign_id)
    assert campaign.id is not None
    visitor: Visitor = identify_visitor(user_id=viewer.id if viewer else None, ip=ip, user_agent=user_agent)
    if visitor.is_bot:
        return ClickOut(counted=False, url=destination(campaign))
    nonce = check_click_token(click_token, campaign_id=campaign.id, visitor=visitor, now=now)
    live = campaign.status == CampaignStatus.ACTIVE and campaign.starts_at <= now < campaign.ends_at
    counted = False
    if live:
        lock_prepaid(session, [campaign])
        counted = _insert_once(session, AdClick, {"campaign_id": campaign.id, "visitor": visitor.key,
                                                  "hour": hour_of(now), "nonce": nonce, "created_at": now})
        if counted:
            bump_and_charge(session, campaign, field="clicks", now=now)
    return ClickOut(counted=counted, url=destination(campaign))
