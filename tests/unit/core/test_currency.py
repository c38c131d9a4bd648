"""The one currency table (services/currency.py): what validation accepts, how amounts are typed,
shown and printed on receipts."""

from __future__ import annotations

import pytest

from tutorhub.services import currency
from tutorhub.services.currency import (
    CURRENCIES,
    MoneyInputError,
    exponent,
    format_money,
    format_with_code,
    minor_to_major_text,
    parse_major_units,
)
from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import validate_currency


def test_validation_accepts_exactly_the_table():
    for code in CURRENCIES:
        assert validate_currency(code.lower()) == code
    with pytest.raises(InvalidInput):
        validate_currency("KRW")
    assert set(CURRENCIES) == set(currency._TABLE)


@pytest.mark.parametrize(("minor", "code", "shown"), [
    (2550, "EUR", "€25.50"), (3000, "EUR", "€30"), (123456789, "USD", "$1,234,567.89"),
    (5000, "JPY", "¥5,000"), (1999, "AED", "AED 19.99"), (100, "XYZ", "XYZ 1"),
])
def test_format_money_uses_the_symbol_and_exponent_of_the_table(minor, code, shown):
    assert format_money(minor, code) == shown


@pytest.mark.parametrize(("minor", "code", "shown"), [
    (2500, "EUR", "25.00 EUR"), (-2505, "USD", "-25.05 USD"), (10**17 + 1, "INR", "1,000,000,000,000,000.01 INR"),
    (5000, "JPY", "5,000 JPY"), (-7, "JPY", "-7 JPY"),
])
def test_receipt_amounts_keep_every_decimal_without_float_rounding(minor, code, shown):
    assert format_with_code(minor, code) == shown


def test_typed_amounts_follow_the_exponent():
    assert exponent("jpy") == 0 and exponent("EUR") == 2 and exponent("") == 2
    assert parse_major_units("25.5", "EUR") == 2550
    assert parse_major_units("1,200", "JPY") == 1200
    with pytest.raises(MoneyInputError, match="whole amount"):
        parse_major_units("12.5", "JPY")
    assert minor_to_major_text(2550, "EUR") == "25.50" and minor_to_major_text(1200, "JPY") == "1200"
