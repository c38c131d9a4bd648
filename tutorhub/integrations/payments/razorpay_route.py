"""Razorpay Route linked accounts for tutors' payouts (INR): the tutor's details go to Razorpay in
one go — the linked account (`POST /v2/accounts`, type "route"), the Route product configuration
(`POST /v2/accounts/{id}/products`) and its settlement bank account (`PATCH …/products/{pid}`).
Razorpay has no hosted onboarding page for linked accounts, so there is no link to follow.

Status (ours) from the Route product's `activation_status`: activated → verified;
needs_clarification / suspended → restricted (with Razorpay's requirements listed);
requested / under_review / anything else → pending. Transfers then go to the account id (acc_…).

A mixin of RazorpayGateway: it uses the gateway's client and its error mapping (`_call`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutorhub.integrations.payments.base import AccountHolder, ConnectedAccount, GatewayRefused

_RESTRICTED = {"needs_clarification", "suspended"}


def route_status(product: Mapping[str, Any]) -> tuple[str, str]:
    """(pending | verified | restricted, what Razorpay still needs) for a Route product configuration."""
    activation = str(product.get("activation_status") or "")
    needs = [str(r.get("field_reference") or r.get("reason_code") or "") for r in product.get("requirements") or []
             if isinstance(r, Mapping)]
    detail = ("Razorpay needs: " + ", ".join(sorted({n for n in needs if n})))[:300] if any(needs) else ""
    if activation == "activated":
        return "verified", ""
    if activation in _RESTRICTED:
        return "restricted", detail or f"Razorpay marked the account {activation.replace('_', ' ')}."
    return "pending", detail or "Razorpay is reviewing the account."


class RazorpayRouteAccounts:
    _client: Any

    def _call(self, fn: Any, *args: Any) -> Any:  # pragma: no cover - RazorpayGateway's
        raise NotImplementedError

    def open_payout_account(self, holder: AccountHolder, *, idempotency_key: str) -> ConnectedAccount:
        if not (holder.bank_account_number and holder.bank_ifsc and holder.phone):
            raise GatewayRefused("Razorpay needs a phone number and the bank account number and IFSC.")
        account = self._call(self._client.account.create, {
            "email": holder.email,
            "phone": holder.phone,
            "type": "route",
            "reference_id": idempotency_key[:20],
            "legal_business_name": holder.name,
            "business_type": "individual",
            "contact_name": holder.name,
            "profile": {"category": "education", "subcategory": "coaching", "addresses": {"registered": {
                "street1": holder.street, "street2": holder.street, "city": holder.city, "state": holder.state,
                "postal_code": holder.postal_code, "country": "IN"}}},
            "notes": {"tutorhub_user_id": str(holder.user_id)},
        })
        account_ref = str(account["id"])
        product = self._call(self._client.product.requestProductConfiguration, account_ref,
                             {"product_name": "route", "tnc_accepted": True})
        product = self._call(self._client.product.edit, account_ref, str(product["id"]), {
            "settlements": {"account_number": holder.bank_account_number, "ifsc_code": holder.bank_ifsc,
                            "beneficiary_name": holder.name},
            "tnc_accepted": True,
        })
        return _connected(account_ref, product)

    def onboarding_url(self, *, account_ref: str, return_url: str, refresh_url: str) -> str | None:
        return None

    def fetch_payout_account(self, *, account_ref: str, product_ref: str) -> ConnectedAccount:
        return _connected(account_ref, self._call(self._client.product.fetch, account_ref, product_ref))


def _connected(account_ref: str, product: Mapping[str, Any]) -> ConnectedAccount:
    status, detail = route_status(product)
    return ConnectedAccount(account_ref=account_ref, status=status, detail=detail, product_ref=str(product.get("id") or ""),
                            raw={"activation_status": product.get("activation_status")})
