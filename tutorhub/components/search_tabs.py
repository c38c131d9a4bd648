"""The tab strip over the three search pages: tutors (live lessons), group classes, video courses."""

from __future__ import annotations

import reflex as rx

TABS = (("tutors", "Tutors", "/tutors"), ("classes", "Group classes", "/classes"), ("courses", "Video courses", "/courses"))


def search_tabs(active: str) -> rx.Component:
    """Links styled as tabs; the current page's tab carries aria-current="page"."""
    def tab(key: str, label: str, href: str) -> rx.Component:
        on = key == active
        return rx.link(
            label, href=href, underline="none", size="2", weight="medium", id=f"search-tab-{key}",
            custom_attrs={"aria-current": "page"} if on else {},
            padding="6px 14px", border_radius="999px",
            color=rx.color("accent", 12 if on else 11),
            background=rx.color("accent", 4) if on else "transparent",
            border_width="1px", border_style="solid", border_color=rx.color("accent", 7 if on else 5),
        )

    return rx.el.nav(rx.flex(*[tab(*t) for t in TABS], gap="8px", wrap="wrap"), aria_label="What to search",
                     margin_bottom="12px")
