"""The sandbox's connected accounts: opening one completes at once and it is verified, so the
offline demo (`make run`) can pay tutors without Stripe or Razorpay. The account id is derived from
the idempotency key, so opening twice gives the same account (as a provider's idempotency would)."""

from __future__ import annotations

import hashlib

from tutorhub.integrations.payments.base import AccountHolder, ConnectedAccount


def sandbox_account_ref(idempotency_key: str) -> str:
    return "sbx_acct_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


class SandboxConnectAccounts:
    def open_payout_account(self, holder: AccountHolder, *, idempotency_key: str) -> ConnectedAccount:
        return ConnectedAccount(account_ref=sandbox_account_ref(idempotency_key), status="verified",
                                raw={"sandbox": True})

    def onboarding_url(self, *, account_ref: str, return_url: str, refresh_url: str) -> str | None:
        return None  # nothing to finish: the sandbox verifies at once

    def fetch_payout_account(self, *, account_ref: str, product_ref: str) -> ConnectedAccount:
        return ConnectedAccount(account_ref=account_ref, status="verified", raw={"sandbox": True})
