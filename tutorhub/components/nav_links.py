"""The navigation entries, as data: one `Nav` line per entry and role (components/layout.py
renders them). Entries with a `menu` are gathered into one dropdown of that name, in the order the
menu first appears, so the desktop bar stays on one line from 992 to 1440 px whatever a domain
adds; `ACCOUNT` entries go under the signed-in user's own menu, beside "Log out"."""

from __future__ import annotations

from typing import NamedTuple

ACCOUNT = "Account"  # the user's own menu (their name), which also holds "Log out"


class Nav(NamedTuple):
    """One navigation entry; `menu` names the dropdown it sits in ("" = directly in the bar)."""

    label: str
    href: str
    menu: str = ""


# One line per entry, per role; anonymous visitors get the "" list.
NAV_LINKS: dict[str, list[Nav]] = {
    "": [Nav("Find tutors", "/tutors"), Nav("Classes", "/classes"), Nav("Courses", "/courses"),
         Nav("Become a tutor", "/signup")],
    "student": [
        Nav("Home", "/home"),
        Nav("Find tutors", "/tutors"),
        Nav("My lessons", "/lessons"),
        Nav("Messages", "/messages"),
        Nav("Wallet", "/wallet"),
        Nav("Group classes", "/classes", "Learn"),
        Nav("Video courses", "/courses", "Learn"),
        Nav("My enquiries", "/enquiries", "Learn"),
        Nav("Study plans", "/plans", "Learn"),
        Nav("Homework", "/homework", "Learn"),
        Nav("Progress", "/progress", "Learn"),
        Nav("Guardians", "/guardian", ACCOUNT),
        Nav("My learning profile", "/onboarding/student", ACCOUNT),
        Nav("My times", "/student/times", ACCOUNT),
        Nav("Notification settings", "/settings/notifications", ACCOUNT),
        Nav("Account and security", "/account", ACCOUNT),
    ],
    "tutor": [
        Nav("Home", "/home"),
        Nav("My lessons", "/lessons"),
        Nav("Messages", "/messages"),
        Nav("Earnings", "/earnings"),
        Nav("Leads", "/leads"),
        Nav("My tutor profile", "/tutor/profile", "Teaching"),
        Nav("Availability", "/tutor/availability", "Teaching"),
        Nav("Group classes", "/classes", "Teaching"),
        Nav("Video courses", "/courses", "Teaching"),
        Nav("Homework", "/homework", "Teaching"),
        Nav("Study plans", "/plans", "Teaching"),
        Nav("Find tutors", "/tutors", "Teaching"),
        Nav("Notification settings", "/settings/notifications", ACCOUNT),
        Nav("Account and security", "/account", ACCOUNT),
    ],
    "guardian": [
        Nav("My children", "/guardian"),
        Nav("Wallet", "/wallet"),  # pays for the children's lessons; refunds come back here
        Nav("Study plans", "/plans"),
        Nav("Homework", "/homework"),
        Nav("Find tutors", "/tutors"),
        Nav("Notification settings", "/settings/notifications", ACCOUNT),
        Nav("Account and security", "/account", ACCOUNT),
    ],
    "admin": [
        Nav("Users", "/admin/users", "People"),
        Nav("Verification", "/admin/verification", "People"),
        Nav("Flagged tutors", "/admin/flags", "People"),
        Nav("Login log", "/admin/logins", "People"),
        Nav("Fraud flags", "/admin/fraud", "People"),
        Nav("Bookings", "/admin/bookings", "Lessons"),
        Nav("Disputes", "/admin/disputes", "Lessons"),
        Nav("Dashboard", "/admin/metrics", "Money"),
        Nav("Finance", "/admin/finance", "Money"),
        Nav("Payouts", "/admin/payouts", "Money"),
        Nav("Reconciliation", "/admin/reconciliation", "Money"),
        Nav("Catalogue", "/admin/catalog", "Money"),
        Nav("Ad campaigns", "/admin/ads", "Money"),
        Nav("Special offers", "/admin/offers", "Money"),
        Nav("Exchange rates", "/admin/rates", "Money"),
        Nav("Jobs", "/admin/jobs", "System"),
        Nav("Platform settings", "/admin/settings", "System"),
        Nav("Outbox", "/admin/outbox", "System"),
        Nav("Audit log", "/admin/audit", "System"),
        Nav("Messages", "/messages"),
        Nav("Notification settings", "/settings/notifications", ACCOUNT),
        Nav("Account and security", "/account", ACCOUNT),
    ],
}


def nav_groups(role: str) -> list[tuple[str, list[Nav]]]:
    """The role's entries as bar items: ("", [entry]) for a plain link, (menu, entries) for a
    dropdown, in first-appearance order; the ACCOUNT menu is left out (it is the user menu)."""
    items: list[tuple[str, list[Nav]]] = []
    menus: dict[str, list[Nav]] = {}
    for entry in NAV_LINKS[role]:
        if entry.menu == ACCOUNT:
            continue
        if not entry.menu:
            items.append(("", [entry]))
        elif entry.menu in menus:
            menus[entry.menu].append(entry)
        else:
            menus[entry.menu] = [entry]
            items.append((entry.menu, menus[entry.menu]))
    return items


def account_links(role: str) -> list[Nav]:
    return [entry for entry in NAV_LINKS[role] if entry.menu == ACCOUNT]
