"""Admin JSON API for growth: advertisers and prepayments, ad campaigns (create, edit, pause, resume,
creative, daily figures) and special offers. Admins only; every rule is in services/growth."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import DATE_TIME, StrictIn, currency, error_responses, need, one_of, rule, text_rule
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.growth import advertisers, campaign_stats, campaigns, offers
from tutorhub.services.growth.advertisers import AdvertiserOut
from tutorhub.services.growth.campaign_input import MAX_BUDGET_MINOR, MAX_PRICE_MINOR
from tutorhub.services.growth.campaign_stats import DayPoint
from tutorhub.services.growth.campaigns import CampaignOut
from tutorhub.services.growth.offers import SpecialOfferOut
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1/admin", tags=["admin", "growth"])

_ADMIN = error_responses(401, 403, e403="Not an admin")
_ONE = error_responses(401, 403, 404, e403="Not an admin", e404="No such campaign")
_CHANGE = error_responses(401, 403, 404, 409, 422, e403="Not an admin", e404="No such campaign",
                          e409="The campaign is completed (or in a state that cannot make this move)")


class TargetIn(StrictIn):
    cities: list[str] | None = None
    subjects: list[str] | None = None
    grades: list[str] | None = None


KINDS = ["banner", "sponsored_tutor"]


class CampaignIn(StrictIn):
    kind: str = need(**one_of(KINDS))
    title: str = need(**text_rule(120, required=True))
    target: TargetIn | None = None  # empty lists target everyone
    starts_at: str = need(**DATE_TIME)  # ISO 8601 (also accepted: no offset = UTC, or a bare date)
    ends_at: str = need(**DATE_TIME)  # after starts_at, in the future
    budget_minor: int = need(minimum=1, maximum=MAX_BUDGET_MINOR)
    currency: str = need(**currency())
    cpm_minor: int | None = rule(minimum=1, maximum=MAX_PRICE_MINOR)  # price per 1000 impressions, or
    cpc_minor: int | None = rule(minimum=1, maximum=MAX_PRICE_MINOR)  # price per click (exactly one of the two)
    body: str | None = None
    link_url: str | None = None
    tutor_id: int | None = None  # sponsored_tutor: the approved tutor's user id
    advertiser_id: int | None = None  # default: the first active advertiser
    status: str | None = None  # ACTIVE (default) or DRAFT


class CampaignPatch(StrictIn):
    kind: str | None = None
    title: str | None = None
    target: TargetIn | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    budget_minor: int | None = None
    currency: str | None = None
    cpm_minor: int | None = None
    cpc_minor: int | None = None
    body: str | None = None
    link_url: str | None = None
    tutor_id: int | None = None


class AdvertiserIn(StrictIn):
    name: str
    contact_email: str | None = None


class PrepaymentIn(StrictIn):
    amount_minor: int
    currency: str
    reference: str  # the payment's reference (invoice, transfer id): recorded once


class OfferIn(StrictIn):
    promo_code: str
    banner_text: str
    new_students_only: bool = False
    subject: str | None = None
    city: str | None = None


class OfferPatch(StrictIn):
    active: bool


class CampaignsOut(BaseModel):
    items: list[CampaignOut]


class CampaignSeriesOut(BaseModel):
    campaign_id: int
    days: list[DayPoint]


def _campaign_data(data: StrictIn) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True)
    if isinstance(values.get("target"), dict):
        values["target"] = {k: v for k, v in values["target"].items() if v is not None}
    return values


@router.post("/campaigns", response_model=CampaignOut, status_code=201,
             responses=error_responses(401, 403, 404, 422, e403="Not an admin", e404="No such advertiser"))
def create_campaign(user: CurrentUser, data: CampaignIn) -> CampaignOut:
    """A campaign (ACTIVE unless `status` is DRAFT): served in its window while budget and prepaid balance last."""
    values = data.model_dump()
    values["target"] = {k: v for k, v in (values.get("target") or {}).items() if v is not None}
    with session_scope() as session:
        return campaigns.create_campaign(session, actor=user, data=values, now=utcnow())


@router.get("/campaigns", response_model=CampaignsOut, responses=_ADMIN)
def list_campaigns(user: CurrentUser, status: Annotated[str | None, Query(max_length=16)] = None) -> CampaignsOut:
    """The newest 200 campaigns (optionally one status) with their figures."""
    with session_scope(read_only=True) as session:
        return CampaignsOut(items=campaigns.list_campaigns(session, actor=user, status=status or ""))


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut, responses=_ONE)
def get_campaign(user: CurrentUser, campaign_id: str) -> CampaignOut:
    """A campaign with `status`, `impressions`, `clicks`, `spend_minor` (and CTR)."""
    with session_scope(read_only=True) as session:
        return campaigns.get_campaign(session, actor=user, campaign_id=campaign_id)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut, responses=_CHANGE)
def update_campaign(user: CurrentUser, campaign_id: str, data: CampaignPatch) -> CampaignOut:
    """Change a campaign that is not completed (fields left out keep their value)."""
    with session_scope() as session:
        return campaigns.update_campaign(session, actor=user, campaign_id=campaign_id, data=_campaign_data(data),
                                         now=utcnow())


@router.post("/campaigns/{campaign_id}/pause", response_model=CampaignOut, responses=_CHANGE)
def pause_campaign(user: CurrentUser, campaign_id: str) -> CampaignOut:
    with session_scope() as session:
        return campaigns.change_status(session, actor=user, campaign_id=campaign_id, move="pause", now=utcnow())


@router.post("/campaigns/{campaign_id}/resume", response_model=CampaignOut, responses=_CHANGE)
def resume_campaign(user: CurrentUser, campaign_id: str) -> CampaignOut:
    """Start a DRAFT or resume a PAUSED campaign."""
    with session_scope() as session:
        return campaigns.change_status(session, actor=user, campaign_id=campaign_id, move="resume", now=utcnow())


@router.post("/campaigns/{campaign_id}/image", response_model=CampaignOut,
             responses=error_responses(400, 401, 403, 404, 422, e422="Not a PNG/JPEG/WebP image, empty, too large"))
def upload_creative(user: CurrentUser, campaign_id: str, file: Annotated[UploadFile, File()]) -> CampaignOut:
    """The campaign's creative image, judged by its bytes (size-limited); served publicly with the ad."""
    data = file.file.read(get_settings().max_upload_bytes + 1)
    with session_scope() as session:
        return campaigns.set_creative(session, actor=user, campaign_id=campaign_id, data=data, now=utcnow())


@router.get("/campaigns/{campaign_id}/stats", response_model=CampaignSeriesOut, responses=_ONE)
def campaign_stats_days(user: CurrentUser, campaign_id: str) -> CampaignSeriesOut:
    """Impressions, clicks, CTR and spend per UTC day (reconciled days, then today's live figures)."""
    with session_scope(read_only=True) as session:
        days = campaign_stats.campaign_series(session, actor=user, campaign_id=campaign_id, now=utcnow())
    return CampaignSeriesOut(campaign_id=int(campaign_id), days=days)


@router.get("/advertisers", response_model=list[AdvertiserOut], responses=_ADMIN)
def list_advertisers(user: CurrentUser) -> list[AdvertiserOut]:
    """Advertisers with their prepaid balance per currency."""
    with session_scope(read_only=True) as session:
        return advertisers.list_advertisers(session, actor=user)


@router.post("/advertisers", response_model=AdvertiserOut, status_code=201,
             responses=error_responses(401, 403, 422, e403="Not an admin"))
def create_advertiser(user: CurrentUser, data: AdvertiserIn) -> AdvertiserOut:
    with session_scope() as session:
        return advertisers.create_advertiser(session, actor=user, data=data.model_dump(), now=utcnow())


@router.post("/advertisers/{advertiser_id}/prepayments", response_model=AdvertiserOut,
             responses=error_responses(401, 403, 404, 422, e403="Not an admin", e404="No such advertiser"))
def record_prepayment(user: CurrentUser, advertiser_id: str, data: PrepaymentIn) -> AdvertiserOut:
    """Record money an advertiser paid in advance (ledger "ad_prepay"; once per `reference`)."""
    with session_scope() as session:
        return advertisers.record_prepayment(session, actor=user, advertiser_id=advertiser_id,
                                             data=data.model_dump(), now=utcnow())


@router.get("/offers", response_model=list[SpecialOfferOut], responses=_ADMIN)
def list_offers(user: CurrentUser) -> list[SpecialOfferOut]:
    with session_scope(read_only=True) as session:
        return offers.list_offers(session, actor=user)


@router.post("/offers", response_model=SpecialOfferOut, status_code=201,
             responses=error_responses(401, 403, 422, e403="Not an admin", e422="Unknown promo code or a bad field"))
def create_offer(user: CurrentUser, data: OfferIn) -> SpecialOfferOut:
    """An offer: an existing promo code, a banner text and who sees it (new students, a subject, a city)."""
    with session_scope() as session:
        return offers.create_offer(session, actor=user, data=data.model_dump(), now=utcnow())


@router.patch("/offers/{offer_id}", response_model=SpecialOfferOut,
              responses=error_responses(401, 403, 404, 422, e403="Not an admin", e404="No such offer"))
def set_offer_active(user: CurrentUser, offer_id: str, data: OfferPatch) -> SpecialOfferOut:
    with session_scope() as session:
        return offers.set_offer_active(session, actor=user, offer_id=offer_id, active=data.active, now=utcnow())
