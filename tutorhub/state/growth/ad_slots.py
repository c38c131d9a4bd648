"""The ad slot and the offers banner on the home, search and wallet pages.

Serving counts impressions, so it runs once per page load (on_load), for this browser's visitor:
the signed-in user, else the connection's IP + user agent (services/growth/visitors.py). Click tokens
stay in a backend-only var: the browser sends only the campaign id it clicked, and the state
passes the token that came with that ad to the click service, then follows where the click leads.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.errors import DomainError
from tutorhub.services.growth import offers, serving
from tutorhub.services.growth.offers import SpecialOfferOut
from tutorhub.services.growth.serving import AdItem
from tutorhub.state.base import AppState


@dataclasses.dataclass
class AdView:
    campaign_id: int = 0
    kind: str = ""
    title: str = ""
    body: str = ""
    image_url: str = ""
    sponsored: bool = False  # a sponsored tutor profile (labelled "Sponsored")


@dataclasses.dataclass
class OfferView:
    code: str = ""
    text: str = ""
    discount: str = ""


def ad_view(item: AdItem) -> AdView:
    return AdView(campaign_id=item.campaign_id, kind=item.kind, title=item.title, body=item.body,
                  image_url=item.image_url or "", sponsored=item.kind == "sponsored_tutor")


def offer_view(item: SpecialOfferOut) -> OfferView:
    return OfferView(code=item.promo_code, text=item.banner_text, discount=item.discount_text)


def _param(query: Any, key: str, limit: int) -> str:
    value = query.get(key, "") if hasattr(query, "get") else ""
    return str(value)[:limit].strip() if value and str(value) != "any" else ""


class AdSlotState(AppState):
    ads: list[AdView] = []
    offers: list[OfferView] = []
    # Set once the page's ads and offers have been fetched (even if there are none): the search page
    # shows them and its results in the same frame, so nothing already painted is pushed down.
    ads_ready: bool = False
    _tokens: dict[int, str] = {}

    async def _fill(self, placement: str | None, where: dict[str, str]) -> None:
        ip, ua, now = self._client_ip(), self._user_agent(), utcnow()

        def unit(session, actor):
            found = offers.offers_for(session, viewer=actor, subject=where.get("subject"), city=where.get("city"),
                                      now=now)
            if placement is None:
                return [], found
            return serving.serve_ads(session, viewer=actor, placement=placement, ip=ip, user_agent=ua, now=now,
                                     **where), found

        items, found = [], []
        try:
            items, found = await self._db(unit)
        except DomainError:  # a filter the search page itself reports; no ads then
            pass
        finally:
            self.ads_ready = True  # never hold the results back, whatever happened
        self.ads = [ad_view(i) for i in items]
        self.offers = [offer_view(o) for o in found]
        self._tokens = {i.campaign_id: i.click_token for i in items}

    async def load_home(self):
        await self._fill("home", {})

    async def load_search(self):
        query = self.router.url.query_parameters
        await self._fill("search", {k: _param(query, k, 80) for k in ("city", "subject", "grade")})

    async def load_offers(self):
        await self._fill(None, {})

    async def click(self, campaign_id: Any):
        """Count the click (the service checks the token and the visitor), then go where it leads."""
        if isinstance(campaign_id, bool) or not isinstance(campaign_id, int) or campaign_id not in self._tokens:
            return None
        token = self._tokens[campaign_id]
        ip, ua, now = self._client_ip(), self._user_agent(), utcnow()
        try:
            out = await self._db(lambda s, actor: serving.record_click(
                s, viewer=actor, campaign_id=campaign_id, click_token=token, ip=ip, user_agent=ua, now=now))
        except DomainError:
            return rx.toast.info("This ad has expired; reload the page.")
        if out.url.startswith(("http://", "https://")):
            return rx.redirect(out.url, is_external=True)
        return rx.redirect(out.url)
