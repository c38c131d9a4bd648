"""Ad campaigns as admins manage them: create, edit, pause / resume, the creative image, and reading
them back with their figures.

Lifecycle: a new campaign is ACTIVE (served between `starts_at` and `ends_at` while its budget and
its advertiser's prepaid balance last) unless saved as a DRAFT; an admin pauses (PAUSED) and resumes
(ACTIVE) it; the 02:00 UTC job completes it (COMPLETED, for good) once its budget is spent or its end
has passed (services/growth/reconcile.py). Every change is in the admin audit log.

`advertiser_id` may be left out (the JSON contract of issue 17 has no such field): the campaign then
belongs to the first active advertiser, or to a "House ads" advertiser created for it when there is
none, which spends nothing until an admin records a prepayment for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.integrations.storage import get_storage
from tutorhub.models import AdCampaign, Advertiser, CampaignKind, CampaignStatus, Role
from tutorhub.services.accounts import audit
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.growth.advertisers import get_advertiser_row, prepaid_balance
from tutorhub.services.growth.campaign_input import clean_campaign
from tutorhub.services.uploads import check_upload, sniff_image_or_document_type
from tutorhub.services.validation import clean_id

HOUSE_ADVERTISER = "House ads"
EDITABLE = ("kind", "title", "body", "link_url", "tutor_id", "target_cities", "target_subjects", "target_grades",
            "starts_at", "ends_at", "budget_minor", "currency", "pricing", "price_minor")


class CampaignOut(BaseModel):
    id: int
    advertiser_id: int
    advertiser_name: str
    kind: str
    title: str
    body: str
    link_url: str
    tutor_id: int | None
    target: dict[str, list[str]]
    starts_at: datetime
    ends_at: datetime
    currency: str
    budget_minor: int
    pricing: str
    price_minor: int
    status: str
    completed_reason: str
    impressions: int
    clicks: int
    spend_minor: int
    ctr_percent: float
    image_url: str | None
    funded: bool  # the advertiser's prepaid balance in this currency is above zero


def image_url(campaign: AdCampaign) -> str | None:
    return f"/api/v1/ads/{campaign.id}/image" if campaign.image_key else None


def ctr_percent(impressions: int, clicks: int) -> float:
    """Clicks per impression in percent, two decimals (display only, never money)."""
    return round(100.0 * clicks / impressions, 2) if impressions else 0.0


def campaign_out(session: Session, row: AdCampaign) -> CampaignOut:
    assert row.id is not None
    advertiser = session.get(Advertiser, row.advertiser_id)
    return CampaignOut(
        id=row.id, advertiser_id=row.advertiser_id, advertiser_name=advertiser.name if advertiser else "",
        kind=row.kind, title=row.title, body=row.body, link_url=row.link_url, tutor_id=row.tutor_id,
        target={"cities": list(row.target_cities), "subjects": list(row.target_subjects),
                "grades": list(row.target_grades)},
        starts_at=row.starts_at, ends_at=row.ends_at, currency=row.currency, budget_minor=row.budget_minor,
        pricing=row.pricing, price_minor=row.price_minor, status=row.status, completed_reason=row.completed_reason,
        impressions=row.impressions, clicks=row.clicks, spend_minor=row.spend_minor,
        ctr_percent=ctr_percent(row.impressions, row.clicks), image_url=image_url(row),
        funded=prepaid_balance(session, row.advertiser_id, row.currency) > 0,
    )


def get_campaign_row(session: Session, campaign_id: Any) -> AdCampaign:
    row = session.get(AdCampaign, clean_id(campaign_id, "No such campaign."))
    if row is None:
        raise NotFound("No such campaign.")
    return row


def _advertiser_for(session: Session, value: Any, now: datetime) -> int:
    if value is not None and value != "":
        return get_advertiser_row(session, value).id or 0
    found = session.exec(select(Advertiser).where(col(Advertiser.active)).order_by(col(Advertiser.id))).first()
    if found is None:
        found = Advertiser(name=HOUSE_ADVERTISER, created_at=now)
        session.add(found)
        session.flush()
    return found.id or 0


def create_campaign(session: Session, *, actor: UserOut | None, data: Any, now: datetime) -> CampaignOut:
    admin = require_role(actor, Role.ADMIN)
    values = clean_campaign(session, data, now=now)
    advertiser_id = _advertiser_for(session, data.get("advertiser_id"), now)
    row = AdCampaign(advertiser_id=advertiser_id, created_at=now, updated_at=now,
                     status=values["status"], **{k: values[k] for k in EDITABLE})
    if row.kind == CampaignKind.BANNER:
        row.tutor_id = None
    session.add(row)
    session.flush()
    audit.record_admin_action(session, actor_id=admin.id, action="campaign.create", target_kind="campaign",
                              target_id=row.id, after={k: values[k] for k in EDITABLE}, now=now)
    return campaign_out(session, row)


def update_campaign(session: Session, *, actor: UserOut | None, campaign_id: Any, data: Any,
                    now: datetime) -> CampaignOut:
    """Edit a campaign that is not completed; the budget cannot go below what was already spent."""
    admin = require_role(actor, Role.ADMIN)
    row = get_campaign_row(session, campaign_id)
    if row.status == CampaignStatus.COMPLETED:
        raise Conflict("A completed campaign cannot be changed.")
    merged = {"kind": row.kind, "title": row.title, "body": row.body, "link_url": row.link_url,
              "tutor_id": row.tutor_id, "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat(),
              "budget_minor": row.budget_minor, "currency": row.currency, "status": CampaignStatus.ACTIVE,
              "target": {"cities": row.target_cities, "subjects": row.target_subjects, "grades": row.target_grades}}
    if isinstance(data, dict):
        merged.update({k: v for k, v in data.items() if k in merged or k in ("cpm_minor", "cpc_minor")})
        if "cpm_minor" not in data and "cpc_minor" not in data:
            merged[f"{row.pricing}_minor"] = row.price_minor
    values = clean_campaign(session, merged, now=now)
    if values["budget_minor"] < row.spend_minor:
        raise Conflict("The budget cannot be lower than what the campaign has already spent.")
    if row.spend_minor and values["currency"] != row.currency:
        raise Conflict("The currency cannot change once the campaign has spent money.")
    before = {k: getattr(row, k) for k in EDITABLE}
    for key in EDITABLE:
        setattr(row, key, values[key])
    if row.kind == CampaignKind.BANNER:
        row.tutor_id = None
    row.updated_at = now
    session.add(row)
    changed_before, changed_after = audit.changed_fields(before, {k: getattr(row, k) for k in EDITABLE})
    audit.record_admin_action(session, actor_id=admin.id, action="campaign.update", target_kind="campaign",
                              target_id=row.id, before=changed_before, after=changed_after, now=now)
    return campaign_out(session, row)


_MOVES = {"pause": ((CampaignStatus.ACTIVE,), CampaignStatus.PAUSED),
          "resume": ((CampaignStatus.PAUSED, CampaignStatus.DRAFT), CampaignStatus.ACTIVE)}


def change_status(session: Session, *, actor: UserOut | None, campaign_id: Any, move: str,
                  now: datetime) -> CampaignOut:
    """Pause an active campaign, or start (resume) a paused or draft one."""
    admin = require_role(actor, Role.ADMIN)
    row = get_campaign_row(session, campaign_id)
    if move not in _MOVES:
        raise NotFound("No such action.")
    allowed, target = _MOVES[move]
    if row.status not in allowed:
        raise Conflict(f"A {row.status.lower()} campaign cannot be {'paused' if move == 'pause' else 'started'}.")
    before = row.status
    row.status, row.updated_at = target, now
    session.add(row)
    audit.record_admin_action(session, actor_id=admin.id, action=f"campaign.{move}", target_kind="campaign",
                              target_id=row.id, before={"status": before}, after={"status": target}, now=now)
    return campaign_out(session, row)


def get_campaign(session: Session, *, actor: UserOut | None, campaign_id: Any) -> CampaignOut:
    require_role(actor, Role.ADMIN)
    return campaign_out(session, get_campaign_row(session, campaign_id))


def list_campaigns(session: Session, *, actor: UserOut | None, status: Any = "") -> list[CampaignOut]:
    require_role(actor, Role.ADMIN)
    query = select(AdCampaign).order_by(col(AdCampaign.id).desc()).limit(200)
    if isinstance(status, str) and status.upper() in CampaignStatus.ALL:
        query = query.where(AdCampaign.status == status.upper())
    return [campaign_out(session, r) for r in session.exec(query).all()]


def _sniff_image(data: bytes) -> tuple[str, str] | None:
    found = sniff_image_or_document_type(data)
    return found if found and found[0].startswith("image/") else None


def check_creative(*, actor: UserOut | None, data: Any) -> tuple[str, str]:
    """Whether `data` is acceptable as a campaign's image (admins only): a PNG, JPEG or WebP image,
    decided by its bytes, within the upload size limit → (content type, extension); InvalidInput if not.
    The create form checks a chosen image with it before the campaign exists; set_creative stores it."""
    require_role(actor, Role.ADMIN)
    return check_upload(data, sniff=_sniff_image, allowed="a PNG, JPEG or WebP image")


def set_creative(session: Session, *, actor: UserOut | None, campaign_id: Any, data: Any,
                 now: datetime) -> CampaignOut:
    """Store the campaign's image (PNG, JPEG or WebP, decided by its bytes; size-limited)."""
    admin = require_role(actor, Role.ADMIN)
    row = get_campaign_row(session, campaign_id)
    content_type, ext = check_creative(actor=admin, data=data)
    key = f"ads/campaign-{row.id}-{int(now.timestamp())}.{ext}".replace(".", "_")
    get_storage().save(key, bytes(data))
    row.image_key, row.image_type, row.updated_at = key, content_type, now
    session.add(row)
    audit.record_admin_action(session, actor_id=admin.id, action="campaign.creative", target_kind="campaign",
                              target_id=row.id, after={"image_type": content_type, "bytes": len(data)}, now=now)
    return campaign_out(session, row)


def read_creative(session: Session, *, campaign_id: Any) -> tuple[bytes, str]:
    """A campaign's image, for anyone (creatives are public advertising); NotFound when there is none."""
    row = get_campaign_row(session, campaign_id)
    if not row.image_key or row.status == CampaignStatus.DRAFT:
        raise NotFound("No such image.")
    try:
        return get_storage().read(row.image_key), row.image_type
    except (OSError, ValueError):
        raise NotFound("No such image.") from None
