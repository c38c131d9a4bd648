"""Checking a campaign as an admin typed it (form or JSON): every field's problem reported at once.

Targeting lists are normalized like search input (cities title-cased, subjects and grades to the
catalogue's slugs), so a campaign for "maths" matches a search for "Mathematics". An empty list
targets everyone. Times are ISO 8601; a time without an offset, or a bare date, is taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, select

from tutorhub.models import CampaignKind, CampaignStatus, Pricing, TutorProfile, TutorStatus
from tutorhub.services.catalog import normalize_city, normalize_grade, normalize_subject
from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import (
    check_fields,
    clean_int,
    clean_text,
    fail,
    fail_fields,
    validate_currency,
    validate_url,
)

MAX_TARGETS = 30
MAX_BUDGET_MINOR = 10**10
MAX_PRICE_MINOR = 10**8
KIND_ALIASES = {"banner": CampaignKind.BANNER, "sponsored_tutor": CampaignKind.SPONSORED_TUTOR,
                "sponsored": CampaignKind.SPONSORED_TUTOR, "sponsored_profile": CampaignKind.SPONSORED_TUTOR}


def parse_instant(value: Any, field: str) -> datetime:
    """An aware UTC instant from ISO text (a date alone is midnight UTC; no offset means UTC)."""
    text = clean_text(value, field, max_len=40, required=True)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise fail(field, "must be a date-time like 2026-12-01T00:00:00Z") from None
        parsed = datetime(day.year, day.month, day.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 2000 <= parsed.year <= 2200:
        raise fail(field, "must be between the years 2000 and 2200")
    return parsed.astimezone(UTC)


def _targets(value: Any, field: str, normalize: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise fail(field, "must be a list")
    if len(value) > MAX_TARGETS:
        raise fail(field, f"must have at most {MAX_TARGETS} entries")
    out: list[str] = []
    for item in value:
        try:
            cleaned = normalize(item, field)
        except InvalidInput as exc:
            raise fail(field, f"has an invalid entry: {next(iter(exc.fields.values()), exc.message)}") from None
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out


def _kind(value: Any) -> str:
    text = clean_text(value, "kind", max_len=24, required=True).lower()
    if text not in KIND_ALIASES:
        raise fail("kind", "must be 'banner' or 'sponsored_tutor'")
    return KIND_ALIASES[text]


def _pricing(data: dict[str, Any]) -> tuple[str, int]:
    has_cpm, has_cpc = data.get("cpm_minor") is not None, data.get("cpc_minor") is not None
    if has_cpm == has_cpc:
        raise fail("cpm_minor", "give either cpm_minor (per 1000 impressions) or cpc_minor (per click)")
    if has_cpm:
        return Pricing.CPM, clean_int(data["cpm_minor"], "cpm_minor", minimum=1, maximum=MAX_PRICE_MINOR)
    return Pricing.CPC, clean_int(data["cpc_minor"], "cpc_minor", minimum=1, maximum=MAX_PRICE_MINOR)


def _tutor(session: Session, value: Any) -> int:
    tutor_id = clean_int(value, "tutor_id", minimum=1, maximum=2**62)
    profile = session.exec(select(TutorProfile).where(TutorProfile.user_id == tutor_id)).first()
    if profile is None or profile.status != TutorStatus.APPROVED:
        raise fail("tutor_id", "must be an approved tutor")
    return tutor_id


def clean_campaign(session: Session, data: Any, *, now: datetime) -> dict[str, Any]:
    """The campaign's stored values; InvalidInput naming every bad field."""
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    target = data.get("target") or {}
    if not isinstance(target, dict):
        raise fail("target", "must be an object with cities, subjects and grades")
    values = check_fields([
        ("kind", lambda: _kind(data.get("kind"))),
        ("title", lambda: clean_text(data.get("title"), "title", max_len=120, required=True)),
        ("body", lambda: clean_text(data.get("body"), "body", max_len=300)),
        ("link_url", lambda: validate_url(data.get("link_url"), "link_url")),
        ("target_cities", lambda: _targets(target.get("cities"), "target.cities", normalize_city)),
        ("target_subjects", lambda: _targets(target.get("subjects"), "target.subjects", normalize_subject)),
        ("target_grades", lambda: _targets(target.get("grades"), "target.grades", normalize_grade)),
        ("starts_at", lambda: parse_instant(data.get("starts_at"), "starts_at")),
        ("ends_at", lambda: parse_instant(data.get("ends_at"), "ends_at")),
        ("budget_minor", lambda: clean_int(data.get("budget_minor"), "budget_minor", minimum=1,
                                           maximum=MAX_BUDGET_MINOR)),
        ("currency", lambda: validate_currency(data.get("currency"))),
        ("pricing", lambda: _pricing(data)),
        ("tutor_id", lambda: _tutor(session, data.get("tutor_id")) if data.get("tutor_id") is not None else None),
        ("status", lambda: _initial_status(data.get("status"))),
    ])
    errors: dict[str, str] = {}
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = "must be after starts_at"
    elif values["ends_at"] <= now:
        errors["ends_at"] = "must be in the future"
    if values["kind"] == CampaignKind.SPONSORED_TUTOR and values["tutor_id"] is None:
        errors["tutor_id"] = "is required for a sponsored tutor profile"
    if errors:
        raise fail_fields(errors)
    values["pricing"], values["price_minor"] = values["pricing"]
    return values


def _initial_status(value: Any) -> str:
    """New campaigns run at once (ACTIVE) unless saved as a DRAFT."""
    if value is None or value == "":
        return CampaignStatus.ACTIVE
    text = clean_text(value, "status", max_len=16).upper()
    if text not in (CampaignStatus.ACTIVE, CampaignStatus.DRAFT):
        raise fail("status", "must be ACTIVE or DRAFT")
    return text
