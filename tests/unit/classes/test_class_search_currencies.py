"""Class search compares seat prices across currencies: the ceiling is in the viewer's display
currency, every class's price is converted (one bound per currency), none is silently dropped."""

from __future__ import annotations

import pytest

from tests.support.booking import NOW
from tests.support.classes import published_class
from tutorhub.services.classes import queries
from tutorhub.services.errors import InvalidInput


def test_a_ceiling_in_one_currency_finds_cheaper_classes_in_others(env):
    eur = published_class(env.db, env.tutor, NOW, price_minor=8000, currency="EUR")      # ≈ $86.96
    inr = published_class(env.db, env.tutor, NOW, price_minor=500_000, currency="INR",
                          first_start_local="2027-03-09T10:00")   # ≈ $60.10
    usd = published_class(env.db, env.tutor, NOW, price_minor=9000, currency="USD",
                          first_start_local="2027-03-09T12:00")

    def found(limit, display="USD"):
        page = queries.search_classes(env.db, max_price_minor=limit, display_currency=display, now=NOW)
        return {c.id for c in page.items}

    assert found(8700) == {eur, inr}
    assert found(8695) == {inr}
    assert found(None) == {eur, inr, usd}
    assert found(8000, "EUR") == {eur, inr}  # €80 ≥ €80 and ₹5,000 ≈ €55.29; $90 ≈ €82.80 is over


@pytest.mark.parametrize("bad", ["DOGE", "E" * 300, 5])
def test_a_bad_display_currency_is_a_field_error(env, bad):
    published_class(env.db, env.tutor, NOW)
    with pytest.raises(InvalidInput):
        queries.search_classes(env.db, max_price_minor=100, display_currency=bad, now=NOW)
