"""Admin: ad campaigns and advertisers (/admin/ads) — the campaign list with its figures, a create
form (with its creative image), advertisers with their prepaid balances and the "record a
prepayment" form.

The create form's image: choosing a file uploads it at once and checks it (campaigns.check_creative:
admins only, by content, size-limited); it is kept in this tab's backend state until "Create
campaign", which creates the campaign and stores the image (campaigns.set_creative) in one
transaction — a campaign is never created with a refused image, nor an image left without one.

Money is typed in major units and parsed here without floats; times are typed in the admin's own
timezone and sent to the service as UTC instants. Everything else is validated by services/growth.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut
from tutorhub.services.currency import MoneyInputError, parse_major_units
from tutorhub.services.errors import DomainError
from tutorhub.services.growth import advertisers, campaigns
from tutorhub.services.growth.advertisers import AdvertiserOut
from tutorhub.services.growth.campaigns import CampaignOut
from tutorhub.settings import get_settings
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.money.views import money

STATUS_COLORS = {"ACTIVE": "green", "PAUSED": "amber", "DRAFT": "gray", "COMPLETED": "blue"}


@dataclasses.dataclass
class CampaignRow:
    id: int = 0
    title: str = ""
    kind: str = ""
    advertiser: str = ""
    status: str = ""
    color: str = "gray"
    impressions: int = 0
    clicks: int = 0
    ctr: str = ""
    spend: str = ""
    window: str = ""
    warning: str = ""


@dataclasses.dataclass
class AdvertiserRow:
    id: str = ""
    name: str = ""
    balance: str = ""


def local_time(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%d %b %Y %H:%M")


def campaign_row(c: CampaignOut, zone: str) -> CampaignRow:
    warning = "" if c.funded or c.status == "COMPLETED" else "No prepaid balance: not served"
    if c.status == "ACTIVE" and c.spend_minor >= c.budget_minor:
        warning = "Budget spent: completes at the next 02:00 UTC run"
    return CampaignRow(
        id=c.id, title=c.title, kind="Sponsored tutor" if c.kind == "sponsored_tutor" else "Banner",
        advertiser=c.advertiser_name, status=c.status, color=STATUS_COLORS.get(c.status, "gray"),
        impressions=c.impressions, clicks=c.clicks, ctr=f"{c.ctr_percent:.2f}%",
        spend=f"{money(c.spend_minor, c.currency)} of {money(c.budget_minor, c.currency)}",
        window=f"{local_time(c.starts_at, zone)} – {local_time(c.ends_at, zone)}", warning=warning,
    )


def advertiser_row(a: AdvertiserOut) -> AdvertiserRow:
    balance = ", ".join(money(v, k) for k, v in sorted(a.balances.items()) if v) or "nothing prepaid"
    return AdvertiserRow(id=str(a.id), name=a.name, balance=balance)


def to_utc_text(value: str, zone: str, field: str, errors: dict[str, str]) -> str:
    """A datetime-local value ("2026-12-01T09:00") in the admin's zone → an ISO UTC instant."""
    try:
        local = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        errors[field] = "choose a date and time"
        return ""
    return local.isoformat()


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()][:40]


def money_field(form: Any, field: str, currency: str, errors: dict[str, str]) -> int | None:
    try:
        return parse_major_units(form_text(form, field, 40), currency or "USD", required=True)
    except MoneyInputError as exc:
        errors[field] = str(exc)
        return None


class AdminAdsState(AppState):
    status: str = "loading"
    campaigns: list[CampaignRow] = []
    advertisers: list[AdvertiserRow] = []
    campaign_errors: dict[str, str] = {}
    advertiser_errors: dict[str, str] = {}
    prepay_errors: dict[str, str] = {}
    message: str = ""
    busy: str = ""
    form_key: int = 0
    zone: str = "UTC"
    new_image_name: str = ""
    new_image_error: str = ""
    _new_image: bytes = b""

    def _forget(self) -> None:
        self.campaigns, self.advertisers = [], []

    async def _fetch(self) -> Any:
        def unit(session: Session, actor: UserOut | None) -> tuple[list[CampaignOut], list[AdvertiserOut], str]:
            return (campaigns.list_campaigns(session, actor=actor), advertisers.list_advertisers(session, actor=actor),
                    self._zone_for(actor))

        ok, found = await read_for_page(self, unit, forget=self._forget)
        if not ok:
            return found
        rows, people, self.zone = found
        self.campaigns = [campaign_row(c, self.zone) for c in rows]
        self.advertisers = [advertiser_row(a) for a in people]
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.busy, self.message = "loading", "", ""
        self.campaign_errors, self.advertiser_errors, self.prepay_errors = {}, {}, {}
        self.drop_image()
        return await self._fetch()

    async def choose_image(self, files: list[rx.UploadFile]):
        """The create form's image: checked now (admins only), stored with the campaign on create."""
        self.drop_image()
        upload = files[0] if isinstance(files, list) and files else None
        if upload is None or not hasattr(upload, "read"):
            self.new_image_error = "Choose a PNG, JPEG or WebP image."
            return
        data = await upload.read(get_settings().max_upload_bytes + 1)
        try:
            await self._db(lambda s, actor: campaigns.check_creative(actor=actor, data=data), read_only=True)
        except DomainError as exc:
            self.new_image_error = next(iter(exc.fields.values()), exc.message)
            return
        self._new_image = data
        self.new_image_name = (str(getattr(upload, "name", "") or getattr(upload, "filename", "") or "image"))[:120]

    def drop_image(self):
        """Forget the create form's chosen image."""
        self._new_image, self.new_image_name, self.new_image_error = b"", "", ""

    def reject_image(self, rejections: list[dict]):
        """The browser refused the file before upload (wrong type or too large)."""
        self.drop_image()
        self.new_image_error = "Upload a PNG, JPEG or WebP image within the size limit."

    async def _save(self, what: str, call: Any, done: str):
        self.busy = what
        yield
        try:
            await self._db(call)
        except DomainError as exc:
            self.busy = ""
            errors, message = form_failure(exc)
            setattr(self, f"{what}_errors", errors or {"form": message})
            return
        self.busy = ""
        self.form_key += 1
        yield rx.toast.success(done)
        yield await self._fetch()

    async def create_campaign(self, form: Any):
        if self.busy:
            return
        currency = form_text(form, "currency", 3).upper()
        errors: dict[str, str] = {}
        pricing = form_text(form, "pricing", 3)
        data: dict[str, Any] = {
            "kind": form_text(form, "kind", 24), "title": form_text(form, "title", 200),
            "body": form_text(form, "body", 400), "link_url": form_text(form, "link_url", 600),
            "advertiser_id": form_text(form, "advertiser_id", 12) or None, "currency": currency,
            "target": {"cities": split_list(form_text(form, "cities", 2000)),
                       "subjects": split_list(form_text(form, "subjects", 2000)),
                       "grades": split_list(form_text(form, "grades", 500))},
            "starts_at": to_utc_text(form_text(form, "starts_at", 20), self.zone, "starts_at", errors),
            "ends_at": to_utc_text(form_text(form, "ends_at", 20), self.zone, "ends_at", errors),
            "budget_minor": money_field(form, "budget", currency, errors),
            "status": "DRAFT" if form_text(form, "draft", 5) else "ACTIVE",
        }
        tutor = form_text(form, "tutor_id", 12).strip()
        if tutor:
            data["tutor_id"] = tutor
        price = money_field(form, "price", currency, errors)
        data["cpc_minor" if pricing == "cpc" else "cpm_minor"] = price
        self.campaign_errors = errors
        if errors:
            return
        now, image = utcnow(), self._new_image

        def create(s: Session, actor: UserOut | None) -> CampaignOut:
            made = campaigns.create_campaign(s, actor=actor, data=data, now=now)
            return campaigns.set_creative(s, actor=actor, campaign_id=made.id, data=image, now=now) if image else made

        async for event in self._save("campaign", create, "Campaign created."):
            yield event
        if not self.campaign_errors:
            self.drop_image()

    async def create_advertiser(self, form: Any):
        if self.busy:
            return
        data = {"name": form_text(form, "name", 200), "contact_email": form_text(form, "contact_email", 300)}
        now = utcnow()
        async for event in self._save("advertiser", lambda s, actor: advertisers.create_advertiser(
                s, actor=actor, data=data, now=now), "Advertiser added."):
            yield event

    async def record_prepayment(self, form: Any):
        if self.busy:
            return
        currency = form_text(form, "currency", 3).upper()
        errors: dict[str, str] = {}
        amount = money_field(form, "amount", currency, errors)
        self.prepay_errors = errors
        if errors:
            return
        data = {"amount_minor": amount, "currency": currency, "reference": form_text(form, "reference", 100)}
        advertiser_id = form_text(form, "advertiser_id", 12)
        now = utcnow()
        async for event in self._save("prepay", lambda s, actor: advertisers.record_prepayment(
                s, actor=actor, advertiser_id=advertiser_id, data=data, now=now), "Prepayment recorded."):
            yield event
