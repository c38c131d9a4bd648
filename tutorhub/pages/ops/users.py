"""/admin/users: search accounts; /admin/users/[user_id]: one account, suspend / unsuspend."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import confirm_dialog, download_button, empty_state, gate, link_button, pager, section
from tutorhub.state.ops.users import AdminUsersState as U
from tutorhub.state.ops.users import AdminUserState as D
from tutorhub.state.ops.users import DetailLine, UserListRow

ROLES = [("", "Any role"), ("student", "Students"), ("tutor", "Tutors"), ("guardian", "Guardians"),
         ("admin", "Admins")]
STATUSES = [("", "Any status"), ("active", "Active"), ("suspended", "Suspended")]


def _status_badge(status: rx.Var) -> rx.Component:
    return rx.cond(status == "suspended", rx.badge("suspended", color_scheme="red", high_contrast=True),
                   rx.badge("active", color_scheme="green"))


def _native_select(name: str, options: list[tuple[str, str]], value: rx.Var, label: str) -> rx.Component:
    return rx.el.select(*[rx.el.option(text, value=v) for v, text in options], name=name, default_value=value,
                        aria_label=label, class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface",
                        style={"padding": "0 8px", "min_width": "130px"})


def _search_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(name="q", default_value=U.q, placeholder="Name, email or phone", aria_label="Name, email or phone",
                     max_length=120, flex="2", min_width="200px"),
            rx.input(name="city", default_value=U.city, placeholder="City", aria_label="City", max_length=80,
                     flex="1", min_width="120px"),
            _native_select("role", ROLES, U.role, "Role"),
            _native_select("status", STATUSES, U.user_status, "Status"),
            rx.button(rx.icon("search", size=16), "Search", type="submit"),
            gap="8px", wrap="wrap", width="100%", align="center",
        ),
        on_submit=U.search, width="100%",
    )


def _user_row(row: UserListRow) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.link(row.name, href=row.href, weight="bold", class_name="user-link"),
                rx.text(row.contact, size="1", color=rx.color("gray", 11), truncate=True, max_width="100%"),
                spacing="1", min_width="0", flex="1",
            ),
            rx.badge(row.role, variant="soft"),
            _status_badge(row.status),
            rx.cond(row.open_flags > 0, rx.badge(row.open_flags.to_string() + " open flags", color_scheme="amber")),
            rx.text(rx.cond(row.city != "", row.city, "—"), " · joined ", row.joined, size="1",
                    color=rx.color("gray", 11)),
            gap="8px", wrap="wrap", align="center", width="100%",
        ),
        size="1", width="100%", class_name="user-row",
    )


def users_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Users", rx.text(U.total.to_string(), " accounts match."),
                    rx.hstack(
                        download_button("Download CSV", U.export_href, aria_label="Download these users as CSV",
                                        id="users-csv"),
                        link_button(rx.icon("shield-alert", size=16), "Fraud flags", href="/admin/fraud", variant="soft"),
                        spacing="2", wrap="wrap")),
        _search_form(),
        rx.cond(U.error != "", rx.callout(U.error, icon="triangle-alert", color_scheme="red", width="100%")),
        rx.cond(U.rows.length() > 0, rx.vstack(rx.foreach(U.rows, _user_row), spacing="2", width="100%"),
                empty_state("users", "No accounts match", "Try fewer words or another filter.")),
        pager(U.prev_href, U.next_href, U.page, U.pages),
        spacing="3", width="100%",
    )
    return page(gate(U.status, ready), width="1000px")


def _line(line: DetailLine) -> rx.Component:
    title = rx.cond(line.href != "", rx.link(line.title, href=line.href, weight="medium", size="2"),
                    rx.text(line.title, weight="medium", size="2"))
    return rx.flex(
        rx.vstack(title, rx.text(line.detail, size="1", color=rx.color("gray", 11)), spacing="0", flex="1",
                  min_width="0"),
        rx.cond(line.badge != "", rx.badge(line.badge, color_scheme=line.tone)),
        gap="8px", align="center", width="100%", padding_y="4px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _lines(title: str, lines: rx.Var, empty: str) -> rx.Component:
    return section(title, rx.cond(lines.length() > 0, rx.vstack(rx.foreach(lines, _line), spacing="1", width="100%"),
                                  rx.text(empty, size="2", color=rx.color("gray", 11))))


def _suspend_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Reason (shown to the account holder and kept in the audit log)", html_for="suspend-reason",
                        style={"font_size": "14px", "font_weight": "500"}),
            rx.text_area(id="suspend-reason", name="reason", placeholder="e.g. Forged credential documents",
                         max_length=500, required=True, width="100%"),
            rx.cond(D.errors.contains("reason"), rx.text(D.errors["reason"], color=rx.color("red", 11), size="1")),
            rx.cond(D.form_error != "", rx.callout(D.form_error, icon="triangle-alert", color_scheme="red")),
            rx.text("Suspending logs the account out everywhere at once, cancels its upcoming lessons and class "
                    "seats with full refunds, closes its open enquiries and hides a tutor from search. "
                    "Unsuspending gives access back but does not restore what was cancelled.",
                    size="1", color=rx.color("gray", 11)),
            rx.button(rx.icon("ban", size=16), "Suspend account", type="submit", color_scheme="red",
                      loading=D.working, class_name="suspend-button"),
            spacing="2", width="100%",
        ),
        on_submit=D.suspend, width="100%",
    )


def _actions() -> rx.Component:
    unsuspend = confirm_dialog(
        rx.button(rx.icon("rotate-ccw", size=16), "Unsuspend", variant="soft", loading=D.working),
        "Give this account its access back?",
        "They can log in again. Lessons, seats and enquiries cancelled by the suspension stay cancelled.",
        rx.button("Unsuspend", on_click=D.unsuspend),
    )
    return section(
        "Account access",
        rx.cond(D.is_admin_account,
                rx.text("Admin accounts cannot be suspended here (neither your own nor another admin's); an "
                        "operator removes admin access on the server.", size="2"),
                rx.cond(D.account_status == "suspended", unsuspend, _suspend_form())),
    )


def _profile() -> rx.Component:
    def fact(label: str, value: rx.Var) -> rx.Component:
        return rx.hstack(rx.text(label, size="2", color=rx.color("gray", 11), min_width="90px"),
                         rx.text(rx.cond(value != "", value, "—"), size="2"), width="100%")

    return section(
        "Profile",
        rx.vstack(fact("Email", D.email), fact("Phone", D.phone), fact("Role", D.role), fact("City", D.city),
                  fact("Timezone", D.timezone), fact("Joined", D.joined), fact("Wallet", D.wallet),
                  rx.cond(D.tutor_line != "", fact("Tutor", D.tutor_line)), spacing="1", width="100%"),
    )


def user_page() -> rx.Component:
    ready = rx.vstack(
        rx.link(rx.icon("arrow-left", size=14), " All users", href="/admin/users", size="2"),
        page_header(D.name, rx.hstack(_status_badge(D.account_status), rx.badge(D.role, variant="soft"))),
        rx.grid(_profile(), _actions(), columns=rx.breakpoints(initial="1", md="2"), gap="16px", width="100%"),
        _lines("Fraud flags", D.flags, "No flags."),
        _lines("Lessons", D.lessons, "No lessons yet."),
        _lines("Payments", D.payments, "No payments yet."),
        _lines("Login history", D.logins, "No logins recorded."),
        _lines("Admin actions", D.actions, "No admin has acted on this account."),
        spacing="4", width="100%",
    )
    return page(gate(D.status, ready, what="user"), width="1000px")
