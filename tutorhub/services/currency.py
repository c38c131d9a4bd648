"""Money as users type and read it: major-unit strings in, integer minor units out, and back.

Pure Python (no Reflex import) so states and tests share it. Amounts never pass through a float:
the typed text is parsed with `Decimal` and must have at most as many decimals as the currency.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 minor-unit exponents for the currencies TutorHub accepts (validation.CURRENCIES).
_EXPONENTS = {"JPY": 0}
_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "AUD": "A$",
    "CAD": "C$",
    "SGD": "S$",
    "AED": "AED ",
    "JPY": "¥",
}
MAX_MAJOR = Decimal(100_000)


class MoneyInputError(ValueError):
    """The typed amount is not a valid price; `str(exc)` is a message for the field."""


def exponent(currency: str) -> int:
    return _EXPONENTS.get((currency or "").upper(), 2)


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
    symbol = _SYMBOLS.get((currency or "").upper(), f"{currency} ")
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.{places}f}"
    return f"{symbol}{text}"


def format_rate(minor: int, currency: str) -> str:
    """A price per hour for display, or an em dash when unset."""
    return f"{format_money(minor, currency)}/h" if minor > 0 else "—"
