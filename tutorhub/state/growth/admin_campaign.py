"""Admin: one campaign (/admin/ads/[campaign_id]) — its figures, impressions / clicks / CTR / spend
per day as charts, pause / resume, a few edits, and the creative image upload."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.currency import exponent
from tutorhub.services.errors import DomainError, NotFound
from tutorhub.services.growth import campaign_stats, campaigns
from tutorhub.services.growth.campaigns import CampaignOut
from tutorhub.settings import get_settings
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.growth.admin_ads import STATUS_COLORS, local_time, money_field
from tutorhub.state.money.views import chart_point, money


class AdminCampaignState(AppState):
    status: str = "loading"
    campaign_id: int = 0
    title: str = ""
    body: str = ""
    kind: str = ""
    state: str = ""
    color: str = "gray"
    reason: str = ""
    advertiser: str = ""
    window: str = ""
    targeting: str = ""
    pricing: str = ""
    impressions: int = 0
    clicks: int = 0
    ctr: str = ""
    spend: str = ""
    budget: str = ""
    budget_input: str = ""
    image_url: str = ""
    funded: bool = True
    traffic: list[dict[str, Any]] = []  # per day: a = impressions, b = clicks
    spending: list[dict[str, Any]] = []  # per day: a = spend (major units), b = CTR %
    errors: dict[str, str] = {}
    upload_error: str = ""
    busy: bool = False
    form_key: int = 0
    _currency: str = "USD"

    def _forget(self) -> None:
        self.title, self.traffic, self.spending = "", [], []

    def _show(self, c: CampaignOut, zone: str) -> None:
        self.campaign_id, self.title, self.body, self._currency = c.id, c.title, c.body, c.currency
        self.kind = "Sponsored tutor profile" if c.kind == "sponsored_tutor" else "Banner"
        self.state, self.color, self.reason = c.status, STATUS_COLORS.get(c.status, "gray"), c.completed_reason
        self.advertiser, self.window = c.advertiser_name, f"{local_time(c.starts_at, zone)} – {local_time(c.ends_at, zone)}"
        parts = [f"{name}: {', '.join(values)}" for name, values in c.target.items() if values]
        self.targeting = "; ".join(parts) or "Everyone"
        unit = "per 1000 impressions" if c.pricing == "cpm" else "per click"
        self.pricing = f"{money(c.price_minor, c.currency)} {unit}"
        self.impressions, self.clicks, self.ctr = c.impressions, c.clicks, f"{c.ctr_percent:.2f}%"
        self.spend, self.budget = money(c.spend_minor, c.currency), money(c.budget_minor, c.currency)
        self.budget_input = f"{c.budget_minor / 10 ** exponent(c.currency):.{exponent(c.currency)}f}"
        self.image_url, self.funded = c.image_url or "", c.funded

    async def load(self):
        self.status, self.errors, self.upload_error, self.busy = "loading", {}, "", False
        wanted, now = self._route_tail(), utcnow()

        def unit(session, actor):
            return (campaigns.get_campaign(session, actor=actor, campaign_id=wanted),
                    campaign_stats.campaign_series(session, actor=actor, campaign_id=wanted, now=now),
                    self._zone_for(actor))

        try:
            ok, found = await read_for_page(self, unit, forget=self._forget)
        except NotFound:
            self.status = "notfound"
            return None
        if not ok:
            return found
        campaign, days, zone = found
        self._show(campaign, zone)
        scale = 10 ** exponent(campaign.currency)
        self.traffic = [chart_point(label=d.day.strftime("%d %b"), a=d.impressions, b=d.clicks) for d in days]
        self.spending = [chart_point(label=d.day.strftime("%d %b"), a=d.spend_minor / scale, b=d.ctr_percent)
                         for d in days]
        self.form_key += 1
        self.status = "ready"
        return None

    async def _change(self, call: Any, done: str):
        if self.busy:
            return
        self.busy = True
        yield
        try:
            await self._db(call)
        except DomainError as exc:
            self.busy = False
            self.errors, message = form_failure(exc)
            yield rx.toast.error(message)
            return
        self.busy = False
        yield rx.toast.success(done)
        yield await self.load()

    async def pause(self):
        cid, now = self.campaign_id, utcnow()
        async for event in self._change(lambda s, actor: campaigns.change_status(
                s, actor=actor, campaign_id=cid, move="pause", now=now), "Campaign paused."):
            yield event

    async def resume(self):
        cid, now = self.campaign_id, utcnow()
        async for event in self._change(lambda s, actor: campaigns.change_status(
                s, actor=actor, campaign_id=cid, move="resume", now=now), "Campaign running."):
            yield event

    async def save(self, form: Any):
        errors: dict[str, str] = {}
        budget = money_field(form, "budget", self._currency, errors)
        self.errors = errors
        if errors:
            return
        data = {"title": form_text(form, "title", 200), "body": form_text(form, "body", 400), "budget_minor": budget}
        cid, now = self.campaign_id, utcnow()
        async for event in self._change(lambda s, actor: campaigns.update_campaign(
                s, actor=actor, campaign_id=cid, data=data, now=now), "Campaign saved."):
            yield event

    async def upload_image(self, files: list[rx.UploadFile]):
        self.upload_error = ""
        upload = files[0] if isinstance(files, list) and files else None
        if upload is None or not hasattr(upload, "read"):
            self.upload_error = "Choose a PNG, JPEG or WebP image."
            return None
        data = await upload.read(get_settings().max_upload_bytes + 1)
        cid, now = self.campaign_id, utcnow()
        try:
            await self._db(lambda s, actor: campaigns.set_creative(s, actor=actor, campaign_id=cid, data=data, now=now))
        except DomainError as exc:
            self.upload_error = next(iter(exc.fields.values()), exc.message)
            return None
        reloaded = await self.load()
        return [rx.toast.success("Image uploaded."), *([reloaded] if reloaded else [])]

    def reject_files(self, rejections: list[dict]):
        """The browser refused the file before upload (wrong type or too large)."""
        self.upload_error = "Upload a PNG, JPEG or WebP image within the size limit."
