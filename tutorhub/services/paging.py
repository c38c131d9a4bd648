"""Page arithmetic shared by every paged list (payments, payouts, bookings, reviews, search, the
verification queue, admin logins).

One place, so that every list agrees on what "page 0", a bool or a huge page size means and on
how many pages an empty list has (one, so pagers always show "Page 1 of 1").
"""

from __future__ import annotations

import re
from typing import Any

_DIGITS = re.compile(r"[0-9]{1,6}")


def page_number(value: Any, default: int = 1, maximum: int = 99_999, *, text_ok: bool = False) -> int:
    """A page / page-size argument: an int clamped to 1..maximum, anything else the default.

    With `text_ok` (a `?page=` value from a URL) a string of ASCII digits counts too. ASCII only:
    str.isdigit() also accepts '²' (int() then raises), and a 5,000-digit value passes isdigit()
    but exceeds int()'s digit limit: both would crash a page load.
    """
    if text_ok and isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return max(1, min(value, maximum))


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill at `per_page` a page (at least one)."""
    return max(1, -(-total // per_page))
