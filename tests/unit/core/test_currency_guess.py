"""The sign-up / first-visit guess of a display currency from the browser (services/currency.py):
the locale's region first, then the timezone's country, then USD; browser values are hints only."""

from __future__ import annotations

import zoneinfo

import pytest

from tutorhub.services.currency import (
    CURRENCIES,
    clean_locale,
    country_currency,
    guess_display_currency,
    locale_region,
    zone_country,
)


@pytest.mark.parametrize(("locale", "expected"), [
    ("de-DE", "EUR"), ("en-IN", "INR"), ("en-GB", "GBP"), ("en-AU", "AUD"), ("en-SG", "SGD"),
    ("fr-CA", "CAD"), ("ar-AE", "AED"), ("ja-JP", "JPY"), ("en-US", "USD"), ("es-ES", "EUR"),
    ("en-IE", "EUR"), ("en_GB.UTF-8", "GBP"), ("zh-Hans-SG", "SGD"), ("en-UK", "GBP"),
])
def test_the_locale_region_decides_first(locale, expected):
    assert guess_display_currency(locale, "America/Chicago") == expected


@pytest.mark.parametrize(("locale", "zone", "expected"), [
    ("de", "Europe/Berlin", "EUR"),            # no region in the locale: the zone's country
    ("en", "Asia/Kolkata", "INR"),
    ("en", "Asia/Calcutta", "INR"),            # the old name browsers still report
    ("es-419", "Europe/Madrid", "EUR"),        # a UN M.49 region is no country
    ("de-CH", "Europe/Berlin", "EUR"),         # CHF is not accepted: the next hint
    ("de-CH", "Europe/Zurich", "USD"),         # nothing accepted: USD
    ("zh-TW", "Asia/Taipei", "USD"),
    ("", "Australia/Perth", "AUD"),
    ("", "Asia/Singapore", "SGD"),
    ("", "America/Toronto", "CAD"),
    ("", "UTC", "USD"),
    ("", "", "USD"),
])
def test_the_timezone_is_the_fallback_then_usd(locale, zone, expected):
    assert guess_display_currency(locale, zone) == expected


@pytest.mark.parametrize("junk", [None, 42, ["de-DE"], {"x": 1}, "<script>alert(1)</script>", "de-DE;drop",
                                  "x" * 5000, "de-" + "D" * 40, "-DE", "1234-DE"])
def test_junk_hints_are_ignored(junk):
    assert clean_locale(junk) == "" and locale_region(junk) == ""
    assert guess_display_currency(junk, junk) == "USD"
    assert guess_display_currency(junk, "Europe/Paris") == "EUR"


def test_clean_locale_normalises_posix_tags():
    assert clean_locale(" en_GB.UTF-8 ") == "en-GB"
    assert clean_locale("sr-Latn-RS@latin") == "sr-Latn-RS"
    assert locale_region("sr-Latn-RS") == "RS" and locale_region("en") == ""


def test_every_accepted_currency_is_reachable_and_every_zone_gives_an_accepted_one():
    """The library tables agree with ours: each accepted currency is some country's, and no IANA
    zone ever yields a currency TutorHub cannot show."""
    reached = {country_currency(c) for c in ("US", "DE", "GB", "IN", "AU", "CA", "SG", "AE", "JP")}
    assert reached == set(CURRENCIES)
    assert zone_country("Europe/Berlin") == "DE" and zone_country("America/New_York") == "US"
    for zone in zoneinfo.available_timezones():
        assert guess_display_currency("", zone) in CURRENCIES
