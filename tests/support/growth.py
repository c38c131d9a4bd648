"""Builders for the growth tests: a funded advertiser and campaign input as an admin would send it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.growth import advertisers

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # a fixed clock: tests never read the wall clock
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def funded_advertiser(db: Session, admin: UserOut, amount_minor: int = 100_000, currency: str = "USD",
                      name: str = "Pearson Learning") -> int:
    """A committed advertiser with `amount_minor` prepaid; returns its id."""
    out = advertisers.create_advertiser(db, actor=admin, data={"name": name}, now=NOW - timedelta(days=30))
    if amount_minor:
        advertisers.record_prepayment(db, actor=admin, advertiser_id=out.id, now=NOW - timedelta(days=30),
                                      data={"amount_minor": amount_minor, "currency": currency, "reference": "INV-1"})
    db.commit()
    return out.id


def campaign_input(**overrides: Any) -> dict[str, Any]:
    """A valid banner campaign (Berlin, mathematics, high school; CPM 2.00 USD, budget 50.00)."""
    data: dict[str, Any] = {
        "kind": "banner",
        "title": "Exam prep books — 20% off",
        "target": {"cities": ["Berlin"], "subjects": ["mathematics"], "grades": ["high"]},
        "starts_at": (NOW - timedelta(days=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=10)).isoformat(),
        "budget_minor": 5000,
        "currency": "USD",
        "cpm_minor": 200,
    }
    data.update(overrides)
    return data
