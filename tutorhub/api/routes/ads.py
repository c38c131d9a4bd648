"""Ads and offers for visitors (public, no sign-in needed; a Bearer token only refines targeting).

`GET /api/v1/ads` serves the matching ACTIVE campaigns and counts one impression per visitor per
hour (visitor = the signed-in user, else an HMAC of IP + user agent; bots are served but never
counted and get an empty `click_token`). `POST /api/v1/ads/{campaign_id}/click` counts a click
with the signed token that came with the ad (once per visitor per hour, once per token) and says
where it leads. Rules live in services/growth/serving.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from tutorhub.api.deps import OptionalUser, client_ip, user_agent
from tutorhub.api.schemas import SUBJECT_QUERY, ErrorOut, StrictIn, error_responses, one_of, query, required, text_rule
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.catalog import GRADE_LEVELS
from tutorhub.services.growth import campaigns, offers, serving
from tutorhub.services.growth.offers import SpecialOfferOut
from tutorhub.services.growth.serving import AdItem, ClickOut

router = APIRouter(prefix="/api/v1", tags=["ads"])


class AdsOut(BaseModel):
    items: list[AdItem]


class OffersOut(BaseModel):
    items: list[SpecialOfferOut]


SUBJECT_RULE = query(**SUBJECT_QUERY)
GRADE_RULE = query(**one_of([*GRADE_LEVELS, *map(str, range(1, 13))], blank=True),
                   description="a grade band or a school year 1-12")
CITY_RULE = query(**text_rule(80))


class ClickIn(StrictIn):
    # The token served with the ad: signed, bound to the visitor, valid for 2 hours, counted once.
    click_token: str = required(pattern=r"^\d{1,18}\.[0-9a-f]{32}\.\d{1,12}\.[0-9a-f]{16}\.[0-9a-f]{64}$")


@router.get("/ads", response_model=AdsOut, responses=error_responses(422))
def get_ads(
    request: Request,
    user: OptionalUser,
    placement: Annotated[Literal["home", "search"], Query()],
    city: Annotated[str | None, CITY_RULE] = None,
    subject: Annotated[str | None, SUBJECT_RULE] = None,
    grade: Annotated[str | None, GRADE_RULE] = None,
) -> AdsOut:
    """Matching active campaigns (at most 3), each serve counting an impression (deduplicated per visitor per hour)."""
    with session_scope() as session:
        items = serving.serve_ads(session, viewer=user, placement=placement, city=city, subject=subject, grade=grade,
                                  ip=client_ip(request), user_agent=user_agent(request), now=utcnow())
    return AdsOut(items=items)


@router.post("/ads/{campaign_id}/click", response_model=ClickOut,
             responses=error_responses(404, 422, e422="Missing, forged, expired or another visitor's click token"))
def click_ad(request: Request, user: OptionalUser, campaign_id: str, data: ClickIn) -> ClickOut:
    """Count a click (`counted` is false for a repeat within the hour or a replayed token) and give its `url`."""
    with session_scope() as session:
        return serving.record_click(session, viewer=user, campaign_id=campaign_id, click_token=data.click_token,
                                    ip=client_ip(request), user_agent=user_agent(request), now=utcnow())


@router.get("/ads/{campaign_id}/image", response_class=Response,
            responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}},
                             "description": "The campaign's creative"},
                       404: {"model": ErrorOut, "description": "No such campaign or no image"}})
def ad_image(campaign_id: str) -> Response:
    """A campaign's creative image (public advertising; checked by content when uploaded)."""
    with session_scope(read_only=True) as session:
        data, content_type = campaigns.read_creative(session, campaign_id=campaign_id)
    return Response(content=data, media_type=content_type,
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"})


@router.get("/offers", response_model=OffersOut, responses=error_responses(422))
def get_offers(
    user: OptionalUser,
    city: Annotated[str | None, CITY_RULE] = None,
    subject: Annotated[str | None, SUBJECT_RULE] = None,
) -> OffersOut:
    """Special offers for this visitor (students and signed-out visitors): a promo code with its banner text."""
    with session_scope(read_only=True) as session:
        return OffersOut(items=offers.offers_for(session, viewer=user, subject=subject, city=city, now=utcnow()))
