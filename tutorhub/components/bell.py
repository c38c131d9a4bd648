"""The notification bell in the navigation: unread count badge and a dropdown of the newest items."""

from __future__ import annotations

import reflex as rx

from tutorhub.state.messaging.notifications import BellState, NoteRow


def _bell_item(row: NoteRow) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.cond(row.read, rx.box(width="8px"), rx.box(width="8px", height="8px", border_radius="999px",
                                                           background=rx.color("accent", 9), aria_label="unread")),
            rx.vstack(
                rx.text(row.title, size="2", weight=rx.cond(row.read, "regular", "bold"), truncate=True,
                        max_width="260px"),
                rx.text(row.when, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            spacing="2",
            align="center",
        ),
        on_click=BellState.open_item(row.id),
        cursor="pointer",
        padding="8px",
        border_radius="6px",
        _hover={"background": rx.color("gray", 3)},
        width="100%",
        role="button",
        class_name="bell-item",
    )


def bell() -> rx.Component:
    """Shown to signed-in users only; loads (and starts watching) on mount."""
    return rx.box(rx.cond(
        BellState.signed_in,
        rx.popover.root(
            # The trigger is the button itself: Radix puts aria-expanded on it, which a wrapping
            # <div> may not carry (axe: aria-allowed-attr).
            rx.popover.trigger(
                rx.icon_button(
                    rx.icon("bell", size=18, aria_hidden="true"),
                    rx.cond(
                        BellState.bell_unread > 0,
                        rx.badge(rx.cond(BellState.bell_unread > 99, "99+", BellState.bell_unread.to_string()),
                                 color_scheme="red", high_contrast=True, radius="full", size="1", position="absolute", top="-6px",
                                 right="-8px", id="bell-count", aria_hidden="true"),
                        rx.fragment(),
                    ),
                    variant="ghost", color_scheme="gray", size="2", position="relative", overflow="visible",
                    aria_label=rx.cond(BellState.bell_unread > 0,
                                       "Notifications, " + BellState.bell_unread.to_string() + " unread",
                                       "Notifications"),
                    id="bell-button",
                ),
            ),
            rx.popover.content(
                rx.vstack(
                    rx.hstack(
                        rx.text("Notifications", weight="bold", size="3"),
                        rx.spacer(),
                        rx.cond(BellState.bell_unread > 0,
                                rx.button("Mark all read", size="1", variant="soft", on_click=BellState.mark_all_read),
                                rx.fragment()),
                        width="100%",
                        align="center",
                    ),
                    rx.cond(
                        BellState.bell_items.length() > 0,
                        rx.vstack(rx.foreach(BellState.bell_items, _bell_item), spacing="0", width="100%"),
                        rx.text("Nothing yet.", size="2", color=rx.color("gray", 11), padding_y="8px"),
                    ),
                    rx.separator(),
                    rx.hstack(
                        rx.link("See all", href="/notifications", size="2"),
                        rx.spacer(),
                        rx.link("Preferences", href="/settings/notifications", size="2"),
                        width="100%",
                    ),
                    spacing="2",
                    width="300px",
                ),
                align="end",
            ),
        ),
        rx.fragment(),
    ), on_mount=BellState.load_bell, display="contents")
