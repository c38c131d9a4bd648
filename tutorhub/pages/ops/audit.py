"""/admin/audit: every admin action (who, what, when, before → after, why), newest first."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, pager
from tutorhub.state.ops.audit import AdminAuditState as A
from tutorhub.state.ops.audit import AuditRow


def _row(row: AuditRow) -> rx.Component:
    target = rx.cond(row.target_href != "", rx.link(row.target, href=row.target_href, size="2"),
                     rx.text(row.target, size="2"))
    return rx.card(
        rx.vstack(
            rx.flex(rx.code(row.action), target, rx.spacer(),
                    rx.text(row.when, " · ", row.actor, size="1", color=rx.color("gray", 11)),
                    gap="8px", wrap="wrap", align="center", width="100%"),
            rx.cond(row.reason != "", rx.text("Reason: ", row.reason, size="2")),
            rx.cond(row.change != "", rx.text(row.change, size="1", color=rx.color("gray", 11))),
            spacing="1", width="100%",
        ),
        size="1", width="100%", class_name="audit-row",
    )


def audit_page() -> rx.Component:
    filters = rx.form(
        rx.flex(
            rx.input(name="action", default_value=A.action, placeholder="Action (e.g. user.)", aria_label="Action",
                     max_length=64, flex="1", min_width="160px"),
            rx.input(name="target_kind", default_value=A.target_kind, placeholder="Target kind (e.g. user)",
                     aria_label="Target kind", max_length=32, flex="1", min_width="140px"),
            rx.input(name="target_id", default_value=A.target_id, placeholder="Target id", aria_label="Target id",
                     max_length=64, width="120px"),
            rx.button(rx.icon("filter", size=16), "Filter", type="submit"),
            gap="8px", wrap="wrap", width="100%",
        ),
        on_submit=A.search, width="100%",
    )
    ready = rx.vstack(
        page_header("Audit log", rx.text(A.total.to_string(), " admin actions, newest first.")),
        filters,
        rx.cond(A.rows.length() > 0, rx.vstack(rx.foreach(A.rows, _row), spacing="2", width="100%"),
                empty_state("scroll-text", "No admin actions", "Nothing matches this filter yet.")),
        pager(A.prev_href, A.next_href, A.page, A.pages),
        spacing="3", width="100%",
    )
    return page(gate(A.status, ready), width="1000px")
