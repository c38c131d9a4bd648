"""Page arithmetic shared by every paged list (payments, payouts, bookings, reviews, search, the
verification queue, admin logins).

One place, so that every list agrees on what "page 0", a bool or a huge page size means and on
how many pages an empty list has (one, so pagers always show "Page 1 of 1").
"""

from __future__ import annotations

from typing import Any


def page_number(value: Any, default: int, maximum: int) -> int:
    """A page / page-size argument from any caller: an int clamped to 1..maximum, else the default."""
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return max(1, min(value, maximum))


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill at `per_page` a page (at least one)."""
    return max(1, -(-total // per_page))
