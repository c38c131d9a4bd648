"""Test helpers for money: fund a wallet through a real (sandbox-clearing) ledger top-up."""

from __future__ import annotations

from datetime import UTC, datetime

from tutorhub.models import PayoutAccount
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


def give_payout_account(db, user_id: int, gateway: str = "sandbox", *, status: str = "verified", commit: bool = False) -> str:
    """A tutor's connected payout account as the provider's onboarding leaves it (the flows that
    open one through Stripe / Razorpay / the sandbox are tests/unit/money/test_payout_accounts.py)."""
    ref = {"stripe": "acct_", "razorpay": "acc_"}.get(gateway, "sbx_acct_") + f"test{user_id}"
    db.add(PayoutAccount(user_id=user_id, gateway=gateway, account_ref=ref, status=status))
    db.flush()
    if commit:
        db.commit()
    return ref
