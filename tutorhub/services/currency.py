"""Currencies and money as users type and read it: the one table of accepted currencies (code,
symbol, minor-unit exponent), major-unit strings in, integer minor units out, and back.

Pure Python (no Reflex import) so states and tests share it. Amounts never pass through a float:
the typed text is parsed with `Decimal` and must have at most as many decimals as the currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


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
    return known.exponent if known else 2


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
