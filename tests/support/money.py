"""Test helpers for money: fund a wallet through a real (sandbox-clearing) ledger top-up."""

from __future__ import annotations

from datetime import UTC, datetime

from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line

_counter = {"n": 0}


def fund_wallet(db, user_id: int, amount_minor: int = 1_000_000, currency: str = "EUR", *, commit: bool = False) -> None:
    """Credit a student's wallet as a captured sandbox top-up would (Dr clearing / Cr wallet)."""
    _counter["n"] += 1
    ledger.post(
        db, kind="topup", idempotency_key=f"test-topup:{user_id}:{currency}:{_counter['n']}:{id(db)}",
        lines=[Line("gateway:sandbox:clearing", amount_minor, currency), Line(f"student:{user_id}:wallet", -amount_minor, currency)],
        user_id=user_id, now=datetime.now(UTC),
    )
    if commit:
        db.commit()
