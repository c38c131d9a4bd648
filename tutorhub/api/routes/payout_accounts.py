"""A tutor's payout accounts over HTTP: list, connect (Stripe's hosted onboarding link, or a
Razorpay linked account opened with the bank details in the body, or the sandbox's at once), and
refresh the status from the provider. Only the signed-in tutor's own accounts: no id in any path."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.services.money import payout_accounts
from tutorhub.services.money.payout_accounts import ConnectOut, PayoutAccountOut, PayoutAccountsOut

router = APIRouter(prefix="/api/v1", tags=["money"])
_READ = error_responses(401, 403)
_WRITE = error_responses(401, 403, 409, 422, e409="The provider refused or could not be reached, or no account yet")
Gateway = Literal["stripe", "razorpay", "sandbox"]


class ConnectIn(StrictIn):
    """Stripe and the sandbox need only `gateway`; Razorpay also the bank account and address."""

    gateway: Gateway
    phone: str | None = Field(default=None, max_length=20)
    bank_account_number: str | None = Field(default=None, max_length=18)
    bank_ifsc: str | None = Field(default=None, max_length=11)
    street: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=6)


@router.get("/tutors/me/payout-accounts", response_model=PayoutAccountsOut, responses=_READ)
def my_payout_accounts(user: CurrentUser) -> PayoutAccountsOut:
    with session_scope(read_only=True) as session:
        return payout_accounts.my_payout_accounts(session, actor=user)


@router.post("/tutors/me/payout-accounts", response_model=ConnectOut, status_code=201, responses=_WRITE)
def connect_payout_account(user: CurrentUser, data: ConnectIn) -> ConnectOut:
    """Open (or continue) the account; follow `onboarding_url` when it is not null (Stripe)."""
    details = data.model_dump(exclude={"gateway"}, exclude_none=True)
    with session_scope() as session:
        return payout_accounts.connect_payout_account(session, actor=user, gateway=data.gateway, details=details)


@router.post("/tutors/me/payout-accounts/{gateway}/refresh", response_model=PayoutAccountOut, responses=_WRITE)
def refresh_payout_account(user: CurrentUser, gateway: Annotated[Gateway, Path()]) -> PayoutAccountOut:
    with session_scope() as session:
        return payout_accounts.refresh_payout_account(session, actor=user, gateway=gateway)
