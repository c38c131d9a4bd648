"""What a student is told when the wallet cannot pay: which balance can pay what, instead of a bare
"Not enough balance". Wallet balances are kept per currency and a price is charged in its own
currency (never converted), so a €250 balance cannot pay a $34 pack — the message says so and
offers the two ways out (card, or a top-up in the price's currency)."""

from __future__ import annotations

from tutorhub.services.currency import CURRENCIES, format_money

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥"}


def _sign(code: str) -> str:
    """'$' / '€' for the common ones, else the code ('AUD')."""
    return _SYMBOLS.get(code, code)


def shortfall_message(currency: str, needed: int, balances: dict[str, int]) -> str:
    """`needed` more of `currency` than the wallet holds in it would be spent; `balances` are the
    wallet's balances by currency (after nothing was spent)."""
    have = balances.get(currency, 0)
    price = _sign(currency)
    others = [(c, v) for c, v in sorted(balances.items()) if c != currency and v > 0 and c in CURRENCIES]
    if have > 0:
        return (f"Your {price} balance ({format_money(have, currency)}) is {format_money(needed, currency)} short "
                f"of this {price} price — pay by card or top up in {price}.")
    if others:
        code, value = others[0]
        held = f"Your {_sign(code)} balance ({format_money(value, code)})"
        if len(others) > 1:
            held = "Your " + " and ".join(f"{_sign(c)}" for c, _ in others) + " balances"
        return f"{held} can't pay a {price} price — pay by card or top up in {price}."
    return f"Your wallet has no {price} balance — pay by card or top up in {price}."
