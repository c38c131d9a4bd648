"""The navigation is data (components/layout.py): every entry points at a registered page, the
admin pages are all reachable, and the desktop bar stays short enough to fit one line at 992 px."""

from __future__ import annotations

import pytest

from tutorhub.components.nav_links import ACCOUNT, NAV_LINKS, account_links, nav_groups
from tutorhub.tutorhub import PAGES

ROUTES = {route for route, *_ in PAGES}
MAX_BAR_ITEMS = 6  # links and menus side by side, besides the brand, the bell and the user menu


@pytest.mark.parametrize("role", list(NAV_LINKS))
def test_every_entry_is_a_registered_page_and_the_bar_is_short(role):
    assert {entry.href for entry in NAV_LINKS[role]} <= ROUTES
    bar = nav_groups(role)
    assert len(bar) <= MAX_BAR_ITEMS
    assert sum(len(label) for label, entries in bar for label in [label or entries[0].label]) <= 60


def test_admin_pages_are_all_in_the_admin_menus():
    admin_routes = {r for r in ROUTES if r.startswith("/admin/") and "[" not in r}
    assert {e.href for e in NAV_LINKS["admin"]} >= admin_routes
    menus = dict(nav_groups("admin"))
    assert {e.label for e in menus["Money"]} >= {"Payouts", "Catalogue", "Finance"}
    assert "Disputes" in {e.label for e in menus["Lessons"]}


def test_menus_keep_their_entries_together_in_first_appearance_order():
    bar = nav_groups("tutor")
    assert [name or entries[0].label for name, entries in bar][:2] == ["Home", "My lessons"]
    teaching = dict(bar)["Teaching"]
    assert [e.href for e in teaching][:2] == ["/tutor/profile", "/tutor/availability"]
    assert all(e.menu == ACCOUNT for e in account_links("student"))
    assert ACCOUNT not in dict(bar)


def test_signed_in_users_have_a_home_entry():
    for role in ("student", "tutor"):
        assert NAV_LINKS[role][0].href == "/home"
