"""Conversion between currencies (services/currency.py): integer minor units, each currency's own
exponent, one documented rounding (half away from zero), clear errors, and the sign-up guess."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tutorhub.services.currency import (
    Rates,
    UnknownCurrency,
    approx_text,
    convert_minor,
    default_rates,
    effective_display_currency,
    exact_exponent,
    guess_display_currency,
    max_source_minor,
)

RATES = Rates({"USD": Decimal(1), "EUR": Decimal("0.92"), "INR": Decimal("83.2"), "JPY": Decimal("151.5"),
               "KWD": Decimal("0.307"), "GBP": Decimal("0.79")})


@pytest.mark.parametrize(("minor", "source", "target", "expected"), [
    (2500, "USD", "EUR", 2300),        # $25.00 → €23.00
    (2500, "USD", "USD", 2500),        # same currency: unchanged
    (100000, "INR", "USD", 1202),      # ₹1,000 → $12.019… → $12.02
    (1000, "JPY", "USD", 660),         # ¥1,000 (no minor unit) → $6.6007 → $6.60
    (2500, "USD", "JPY", 3788),        # $25 → ¥3,787.5 → ¥3,788 (half away from zero)
    (1000, "USD", "KWD", 3070),        # $10 → KWD 3.070 (three decimals: 3070 fils)
    (3070, "KWD", "USD", 1000),
    (0, "EUR", "INR", 0),
    (-2500, "USD", "EUR", -2300),      # refunds: symmetric rounding
])
def test_convert_minor(minor, source, target, expected):
    assert convert_minor(minor, source, target, RATES) == expected


def test_rounding_is_half_away_from_zero_at_the_target_minor_unit():
    rates = Rates({"USD": Decimal(1), "EUR": Decimal("0.5")})
    assert convert_minor(1, "USD", "EUR", rates) == 1      # 0.5 cent → 1 cent
    assert convert_minor(3, "USD", "EUR", rates) == 2      # 1.5 → 2
    assert convert_minor(-1, "USD", "EUR", rates) == -1


def test_minor_unit_exponents():
    assert exact_exponent("JPY") == 0 and exact_exponent("usd") == 2 and exact_exponent("KWD") == 3


@pytest.mark.parametrize("code", ["XYZ", "", "DOGE"])
def test_unknown_currency_is_a_clear_error(code):
    with pytest.raises(UnknownCurrency, match="XYZ|DOGE|empty|''"):
        convert_minor(100, "USD", code, RATES)
    with pytest.raises(UnknownCurrency):
        convert_minor(100, code, "USD", RATES)


def test_a_currency_without_a_rate_is_a_clear_error():
    with pytest.raises(UnknownCurrency, match="AUD"):
        convert_minor(100, "USD", "AUD", RATES)  # AUD has an exponent but no rate in this table


@pytest.mark.parametrize(("limit", "display", "source"), [
    (3000, "EUR", "INR"), (3000, "EUR", "USD"), (1000, "USD", "JPY"), (500, "JPY", "USD"), (999, "GBP", "KWD"),
    (1, "USD", "INR"), (7, "JPY", "EUR"),
])
def test_max_source_minor_agrees_exactly_with_convert(limit, display, source):
    bound = max_source_minor(limit, display, source, RATES)
    assert convert_minor(bound, source, display, RATES) <= limit
    assert convert_minor(bound + 1, source, display, RATES) > limit


def test_approx_text_shows_the_viewers_currency_beside_the_own_price():
    assert approx_text(90000, "INR", "EUR", RATES) == "≈ €9.95 (₹900)"
    assert approx_text(2500, "USD", "USD", RATES) == "$25"
    assert approx_text(2500, "USD", "EUR", RATES, suffix="/h") == "≈ €23/h ($25/h)"
    assert approx_text(2500, "USD", "AUD", RATES) == "$25"  # no rate: the own price only, never a guess


def test_default_rates_cover_every_accepted_currency():
    from tutorhub.services.currency import CURRENCIES

    rates = default_rates()
    for code in CURRENCIES:
        assert convert_minor(100, "USD", code, rates) > 0


@pytest.mark.parametrize(("locale", "zone", "expected"), [
    ("en-IN", "UTC", "INR"), ("en_GB", "", "GBP"), ("de-DE", "America/New_York", "EUR"),
    ("", "Europe/Paris", "EUR"), ("", "Europe/London", "GBP"), ("", "Asia/Kolkata", "INR"),
    ("", "Australia/Sydney", "AUD"), ("", "Asia/Tokyo", "JPY"), ("en", "America/Chicago", "USD"),
    ("", "Europe/Zurich", "USD"), ("x" * 500, "y" * 500, "USD"), (None, None, "USD"),
])
def test_guess_display_currency(locale, zone, expected):
    assert guess_display_currency(locale, zone) == expected


def test_effective_display_currency_prefers_the_choice():
    assert effective_display_currency("gbp", "Asia/Kolkata") == "GBP"
    assert effective_display_currency("", "Asia/Kolkata") == "INR"
    assert effective_display_currency("KWD", "Europe/Berlin") == "EUR"  # not an accepted display currency
