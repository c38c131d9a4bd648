"""Stripe Connect Express accounts for tutors' payouts: create, hosted onboarding (Account Links),
read back, and the status rule shared with the `account.updated` webhook.

Status (ours) from Stripe's account object, first rule that holds:
- verified: `payouts_enabled` and the account can receive transfers (`capabilities.transfers`
  active, or `charges_enabled` for accounts that also take charges);
- pending: `details_submitted` is false (a new account is "disabled" until onboarding: not the tutor's fault);
- restricted: `requirements.disabled_reason` is set, or something is `past_due`;
- pending: anything else (Stripe still verifying).

A mixin of StripeGateway: it uses the gateway's client and its error mapping (`_call`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutorhub.integrations.payments.base import AccountHolder, ConnectedAccount

_KEPT = ("charges_enabled", "payouts_enabled", "details_submitted", "country", "default_currency")


def stripe_account_status(account: Mapping[str, Any]) -> tuple[str, str]:
    """(pending | verified | restricted, what Stripe still needs in words) for an account object."""
    requirements = account.get("requirements") or {}
    due = [str(x) for x in (requirements.get("past_due") or []) + (requirements.get("currently_due") or [])]
    detail = ("Stripe needs: " + ", ".join(sorted(set(due)))[:250]) if due else ""
    capabilities = account.get("capabilities") or {}
    transfers = capabilities.get("transfers") if isinstance(capabilities, Mapping) else None
    if account.get("payouts_enabled") and (transfers == "active" or account.get("charges_enabled")):
        return "verified", ""
    if not account.get("details_submitted"):
        return "pending", "Finish the onboarding on Stripe."
    if requirements.get("disabled_reason") or requirements.get("past_due"):
        reason = str(requirements.get("disabled_reason") or "information past due")
        return "restricted", (detail or f"Stripe restricted the account ({reason}).")[:300]
    if not due:
        return "pending", "Stripe is verifying the details."
    return "pending", detail or "Finish the onboarding on Stripe."


def _connected(account: Mapping[str, Any]) -> ConnectedAccount:
    status, detail = stripe_account_status(account)
    return ConnectedAccount(account_ref=str(account["id"]), status=status, detail=detail,
                            raw={k: account.get(k) for k in _KEPT if k in account})


class StripeConnectAccounts:
    """Express accounts (Stripe hosts the identity and bank details; TutorHub stores only the id)."""

    _client: Any

    def _call(self, method: Any, params: Any, idempotency_key: str | None) -> Any:  # pragma: no cover - StripeGateway's
        raise NotImplementedError

    def open_payout_account(self, holder: AccountHolder, *, idempotency_key: str) -> ConnectedAccount:
        params = {
            "type": "express",
            "email": holder.email,
            "business_type": "individual",
            "capabilities": {"transfers": {"requested": True}},
            "business_profile": {"product_description": "Tutoring lessons sold on TutorHub"},
            "metadata": {"tutorhub_user_id": str(holder.user_id)},
        }
        account = self._call(self._client.v1.accounts.create, params, f"account:{idempotency_key}")
        return _connected(account.to_dict() if hasattr(account, "to_dict") else account)

    def onboarding_url(self, *, account_ref: str, return_url: str, refresh_url: str) -> str | None:
        params = {"account": account_ref, "return_url": return_url, "refresh_url": refresh_url,
                  "type": "account_onboarding"}
        link = self._call(self._client.v1.account_links.create, params, None)
        return str(link["url"])

    def fetch_payout_account(self, *, account_ref: str, product_ref: str) -> ConnectedAccount:
        account = self._call(lambda p, options: self._client.v1.accounts.retrieve(account_ref, p, options), {}, None)
        return _connected(account.to_dict() if hasattr(account, "to_dict") else account)
