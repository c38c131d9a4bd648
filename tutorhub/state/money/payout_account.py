"""What the earnings page shows of the tutor's payout accounts (plain rows, no ORM objects)."""

from __future__ import annotations

import dataclasses

from tutorhub.services.money.payout_accounts import PayoutAccountOut

ACCOUNT_STATUS = {"verified": ("Verified", "green"), "pending": ("Pending", "amber"), "restricted": ("Restricted", "red")}
CONNECT_LABELS = {"stripe": "Connect with Stripe", "razorpay": "Connect a Razorpay account (INR)",
                  "sandbox": "Connect a demo account (sandbox)"}


@dataclasses.dataclass
class PayoutAccountRow:
    gateway: str = ""
    label: str = ""
    account: str = ""
    status: str = ""
    status_label: str = ""
    color: str = "gray"
    detail: str = ""


@dataclasses.dataclass
class ConnectOption:
    gateway: str = ""
    label: str = ""


def account_row(a: PayoutAccountOut) -> PayoutAccountRow:
    label, color = ACCOUNT_STATUS.get(a.status, (a.status.capitalize(), "gray"))
    return PayoutAccountRow(gateway=a.gateway, label=a.gateway_label, account=a.account_ref, status=a.status,
                            status_label=label, color=color, detail=a.detail)


def connect_options(gateways: list[str], accounts: list[PayoutAccountOut]) -> list[ConnectOption]:
    """Gateways the tutor can still connect (or finish connecting): all configured but verified ones."""
    done = {a.gateway for a in accounts if a.status == "verified"}
    return [ConnectOption(gateway=g, label=CONNECT_LABELS.get(g, g)) for g in gateways if g not in done and g != "razorpay"]
