"""Search compares prices across currencies: the ceiling is in the viewer's display currency and
every tutor's rate is converted at the admin's rates — nobody is silently dropped for charging in
another currency, and price order is by converted price."""

from __future__ import annotations

import pytest

from tutorhub.services.money.exchange_rates import set_rate
from tutorhub.services.tutors import search


@pytest.fixture
def world(db, make_approved_tutor):
    """€35, $20, £40, ₹900 and ¥3000 an hour (default rates: $20 ≈ €18.40, ₹900 ≈ €9.95, £40 ≈ €46.58,
    ¥3000 ≈ €18.22)."""
    made = {
        "eur": make_approved_tutor(hourly_rate=3500, currency="EUR"),
        "usd": make_approved_tutor(hourly_rate=2000, currency="USD"),
        "gbp": make_approved_tutor(hourly_rate=4000, currency="GBP"),
        "inr": make_approved_tutor(hourly_rate=90000, currency="INR"),
        "jpy": make_approved_tutor(hourly_rate=3000, currency="JPY"),
    }
    return {k: v[1] for k, v in made.items()}


def names(world, page):
    back = {v: k for k, v in world.items()}
    return [back[c.id] for c in page.items]


def test_a_euro_ceiling_finds_cheaper_dollar_rupee_and_yen_tutors(db, world):
    page = search.search_tutors(db, max_rate=3000, display_currency="EUR")
    assert set(names(world, page)) == {"usd", "inr", "jpy"}


def test_the_ceiling_is_exact_at_the_converted_price(db, world):
    # $20 shows as €18.40: a €18.40 ceiling keeps it, €18.39 does not.
    assert "usd" in names(world, search.search_tutors(db, max_rate=1840, display_currency="EUR"))
    assert "usd" not in names(world, search.search_tutors(db, max_rate=1839, display_currency="EUR"))


def test_no_ceiling_and_any_currency_never_narrows(db, world):
    assert len(search.search_tutors(db, display_currency="INR").items) == 5
    assert len(search.search_tutors(db, max_rate=10_000_000, display_currency="INR").items) == 5


def test_sort_by_price_uses_converted_prices(db, world):
    page = search.search_tutors(db, sort="price", display_currency="EUR")
    assert names(world, page) == ["inr", "jpy", "usd", "eur", "gbp"]
    shown = {c.currency: c.hourly_rate_display for c in page.items}
    assert shown == {"INR": 995, "JPY": 1822, "USD": 1840, "EUR": 3500, "GBP": 4658}
    assert all(c.display_currency == "EUR" for c in page.items)


def test_an_admin_rate_change_moves_the_filter(db, world, make_user):
    admin = make_user("admin")
    set_rate(db, actor=admin, code="INR", rate="20")  # ₹900 is now $45 ≈ €41.40
    db.commit()
    assert "inr" not in names(world, search.search_tutors(db, max_rate=3000, display_currency="EUR"))


def test_an_explicit_currency_filter_still_narrows(db, world):
    page = search.search_tutors(db, currency="USD", max_rate=2500, display_currency="EUR")
    assert names(world, page) == ["usd"]
    assert search.search_tutors(db, currency="USD", max_rate=1800, display_currency="EUR").items == []


def test_bad_display_currency_is_a_field_error(db, world):
    from tutorhub.services.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        search.search_tutors(db, max_rate=100, display_currency="DOGE")
    assert "display_currency" in caught.value.fields
