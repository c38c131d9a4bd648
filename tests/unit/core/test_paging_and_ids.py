"""The shared input helpers every paged list and id lookup relies on (services/paging.py,
validation.clean_id / check_fields)."""

from __future__ import annotations

import pytest

from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.paging import page_count, page_number
from tutorhub.services.validation import check_fields, clean_id, clean_int


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (0, 1), (-5, 1), (10**9, 100), (True, 7), ("2", 7), (None, 7)])
def test_page_number_clamps_ints_and_falls_back_to_the_default(value, expected):
    assert page_number(value, 7, 100) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2", 2), ("0", 1), ("000012", 12), ("123456", 99_999), ("1234567", 1), ("²", 1), ("①", 1), ("9" * 5000, 1),
    ("-3", 1), ("2x", 1), (" 2", 1), (None, 1), (4, 4),
])
def test_page_number_from_a_url_takes_ascii_digits_only(value, expected):
    """The states' `?page=` path: odd text is page 1, never a crash."""
    assert page_number(value, text_ok=True) == expected


@pytest.mark.parametrize(("total", "per_page", "pages"), [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2), (25, 25, 1)])
def test_page_count_is_at_least_one(total, per_page, pages):
    assert page_count(total, per_page) == pages


def test_clean_id_turns_any_bad_id_into_not_found():
    assert clean_id(5, "gone") == 5
    assert clean_id(" 12 ", "gone") == 12
    for bad in (0, -1, True, None, "x", "1.5", 2**62 + 1, [1]):
        with pytest.raises(NotFound, match="gone"):
            clean_id(bad, "gone")


def test_clean_id_without_text_takes_only_real_ints():
    assert clean_id(2**31 - 1, "gone", maximum=2**31 - 1, text_ok=False) == 2**31 - 1
    for bad in ("5", 5.0, True, 2**31):
        with pytest.raises(NotFound):
            clean_id(bad, "gone", maximum=2**31 - 1, text_ok=False)


def test_check_fields_reports_every_failed_field_at_once():
    assert check_fields((("a", lambda: 1), ("b", lambda: "x"))) == {"a": 1, "b": "x"}
    with pytest.raises(InvalidInput) as caught:
        check_fields((
            ("a", lambda: clean_int("no", "a")),
            ("b", lambda: 2),
            ("c", lambda: clean_int(-1, "c", minimum=0, maximum=3)),
        ))
    assert caught.value.fields == {"a": "must be a whole number", "c": "must be between 0 and 3"}
