"""Demo payout accounts: tutor1 … tutor5 have a verified sandbox account (so "Request payout"
works offline at once); tutor6 has earnings but none, so a newcomer also sees "Connect a payout
account". Opened through the same service as the earnings page. Only when payouts go through the sandbox gateway."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.services.actor import to_user_out
from tutorhub.services.money.payout_accounts import connect_payout_account, payout_gateways

DEMO_CONNECTED_TUTORS = 5  # tutor1 … tutor5; tutor6 is the one without an account
log = logging.getLogger(__name__)


def seed_payout_accounts_demo(session: Session, *, now: datetime) -> int:
    """How many demo tutors got a verified sandbox payout account."""
    if "sandbox" not in payout_gateways(session):
        log.info("demo: no sandbox gateway, so no demo payout accounts")
        return 0
    made = 0
    for i in range(1, DEMO_CONNECTED_TUTORS + 1):
        user = session.exec(select(User).where(col(User.email) == f"tutor{i}@tutorhub.test")).first()
        if user is not None:
            connect_payout_account(session, actor=to_user_out(user), gateway="sandbox", now=now)
            made += 1
    return made
