"""Demo data for display currencies: every demo user already has one guessed from their timezone at
sign-up (student1 Bengaluru → INR, student2 Berlin → EUR, student3 New York → USD, tutors by their
city); the admin sets one rate through the real use case, so /admin/rates and /admin/audit show an
admin change beside the shipped defaults."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.services.actor import to_user_out
from tutorhub.services.money.exchange_rates import set_rate


def seed_currency_demo(session: Session, *, now: datetime, admin_email: str) -> dict[str, int]:
    admin = session.exec(select(User).where(col(User.email) == admin_email)).one()
    admin.display_currency = "USD"
    session.add(admin)
    set_rate(session, actor=to_user_out(admin), code="INR", rate="83.5", now=now)
    return {"rates_set": 1}
