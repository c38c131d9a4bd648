"""Lead-market helpers: lead credits granted straight through the ledger, and a standard enquiry."""

from __future__ import annotations

from typing import Any

from tests.support.booking import NOW
from tutorhub.services.billing import lead_credits
from tutorhub.services.money import ledger


def give_lead_credits(db, tutor_user_id: int, quantity: int, *, key: str = "test") -> None:
    """Grant lead credits as a completed purchase would (Dr issuance / Cr the tutor), and commit."""
    ledger.post(db, kind="lead_grant", idempotency_key=f"test:leads:{tutor_user_id}:{key}",
                lines=[ledger.Line(lead_credits.ISSUANCE, quantity, lead_credits.UNIT),
                       ledger.Line(lead_credits.lead_account(tutor_user_id), -quantity, lead_credits.UNIT)],
                user_id=tutor_user_id, memo="test grant", now=NOW)
    db.commit()


def enquiry_data(**overrides: Any) -> dict[str, Any]:
    """Maths, high school, online, up to €40/h, 60 minutes, Monday–Friday 16:00–20:00 UTC."""
    data: dict[str, Any] = {
        "subject": "Maths", "grade": "10", "mode": "online", "budget_max_minor": 4000, "currency": "EUR",
        "duration_min": 60, "message": "Help with algebra before exams, please.",
        "windows": [{"weekday": d, "start": "16:00", "end": "20:00"} for d in range(5)], "timezone": "UTC",
    }
    data.update(overrides)
    return data
