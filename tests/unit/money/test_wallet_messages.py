"""A wallet that cannot pay says which balance can pay what (services/money/wallet_messages.py),
through the one place every wallet spend is checked (ledger.post with never_negative)."""

from __future__ import annotations

import pytest

from tests.support.booking import NOW
from tests.support.credits import catalogue
from tests.support.money import fund_wallet
from tutorhub.models import Role
from tutorhub.services.billing import purchases
from tutorhub.services.money import ledger
from tutorhub.services.money.wallet_messages import shortfall_message


def test_a_euro_balance_cannot_pay_a_dollar_pack_and_says_so(db, make_user):
    catalogue(db, make_user)  # pack hour5: $60
    student = make_user(Role.STUDENT)
    fund_wallet(db, student.id, 25_000, "EUR", commit=True)
    with pytest.raises(ledger.InsufficientFunds) as caught:
        purchases.buy_pack(db, actor=student, pack_code="hour5", method="wallet", now=NOW)
    assert caught.value.status_code == 402
    assert caught.value.message == "Your € balance (€250) can't pay a $ price — pay by card or top up in $."
    db.rollback()
    assert ledger.balances(db, f"student:{student.id}:wallet") == {"EUR": 25_000}  # nothing spent


def test_a_short_balance_in_the_right_currency_says_how_short(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    fund_wallet(db, student.id, 3_400, "USD", commit=True)
    with pytest.raises(ledger.InsufficientFunds) as caught:
        purchases.buy_pack(db, actor=student, pack_code="hour5", method="wallet", now=NOW)
    assert caught.value.message == "Your $ balance ($34) is $26 short of this $ price — pay by card or top up in $."


@pytest.mark.parametrize(("currency", "needed", "balances", "expected"), [
    ("USD", 3400, {}, "Your wallet has no $ balance — pay by card or top up in $."),
    ("INR", 90000, {"USD": 0}, "Your wallet has no ₹ balance — pay by card or top up in ₹."),
    ("USD", 3400, {"EUR": 100, "GBP": 500}, "Your € and £ balances can't pay a $ price — pay by card or top up in $."),
    ("AUD", 100, {"EUR": 100}, "Your € balance (€1) can't pay a AUD price — pay by card or top up in AUD."),
])
def test_shortfall_messages(currency, needed, balances, expected):
    assert shortfall_message(currency, needed, balances) == expected
