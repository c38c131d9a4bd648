"""The chat thread UI (messages page and in-lesson chat): history with "Load earlier", message
bubbles (newest at the bottom), attachments, and the composer with a live character counter."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.components.forms import form_message
from tutorhub.components.ui import link_button
from tutorhub.settings import get_settings
from tutorhub.state.messaging.chat_thread import MAX_BODY, MessageRow

ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"],
          "application/pdf": [".pdf"]}
# Enter sends the message, Shift+Enter makes a new line (and Enter while an input method is still
# composing a character does neither). Static code: no user data is interpolated.
ENTER_SENDS = rx.Var(
    "(e) => { if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) "
    "{ e.preventDefault(); e.currentTarget.form?.requestSubmit(); } }"
)


def labelled_upload(*children: rx.Component, label: str, **props: Any) -> rx.Component:
    """`rx.upload` whose hidden file input carries the accessible name (axe: an unlabelled input
    otherwise; the dropzone <div> itself may not take an aria-label)."""
    upload = rx.upload(*children, **props)
    zone = upload.children[0]
    for child in zone.children:
        if getattr(child, "tag", None) == "input":
            child.custom_attrs["aria-label"] = label
    return upload


def _attachment(row: MessageRow) -> rx.Component:
    return rx.cond(
        row.file_url != "",
        rx.cond(
            row.file_image,
            rx.link(
                rx.image(src=row.file_url, alt=row.file_name, max_width="240px", max_height="240px",
                         border_radius="8px", loading="lazy"),
                href=row.file_url, is_external=True,
            ),
            rx.link(
                rx.hstack(rx.icon("file-text", size=16), rx.text(row.file_name, " (", row.file_size, ")", size="2"),
                          spacing="1", align="center"),
                href=row.file_url, is_external=True, class_name="chat-file",
            ),
        ),
        rx.fragment(),
    )


def _bubble(row: MessageRow) -> rx.Component:
    return rx.flex(
        rx.box(
            rx.text(row.sender, " · ", row.at, size="1", color=rx.color("gray", 11)),
            rx.cond(row.body != "", rx.text(row.body, size="2", white_space="pre-wrap", word_break="break-word",
                                             class_name="chat-body"), rx.fragment()),
            _attachment(row),
            background=rx.cond(row.mine, rx.color("accent", 4), rx.color("gray", 3)),
            border_radius="12px",
            padding="8px 12px",
            max_width="80%",
        ),
        justify=rx.cond(row.mine, "end", "start"),
        width="100%",
        class_name=rx.cond(row.mine, "chat-message mine", "chat-message theirs"),
        custom_attrs={"data-id": row.id},
    )


def _history(S: Any, height: str) -> rx.Component:
    return rx.auto_scroll(
        rx.vstack(
            rx.cond(
                S.next_before > 0,
                rx.center(rx.button("Load earlier", variant="soft", size="1", on_click=S.load_earlier,
                                    loading=S.loading_earlier, id="chat-load-earlier"), width="100%"),
                rx.fragment(),
            ),
            rx.cond(
                S.messages.length() > 0,
                rx.foreach(S.messages, _bubble),
                rx.center(rx.text("No messages yet — say hello.", size="2", color=rx.color("gray", 11)),
                          padding_y="24px", width="100%"),
            ),
            spacing="2",
            width="100%",
            padding="8px",
        ),
        height=height,
        width="100%",
        id="chat-messages",
        tab_index=0,  # a scrollable region keyboard users can reach and scroll (axe: scrollable-region-focusable)
        role="log",
        aria_live="polite",
        aria_label="Messages",
    )


def _composer(S: Any, upload_id: str) -> rx.Component:
    limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
    return rx.form(
        rx.vstack(
            rx.el.input(type="hidden", name="client_id", value=S.composer_id),
            rx.text_area(
                # Uncontrolled, keyed by the composer id: a send empties it once (a new key), and a
                # late keystroke echo can never put the sent text back.
                key=S.composer_id,
                default_value=S.draft,
                on_change=S.set_draft.debounce(150),
                custom_attrs={"onKeyDown": ENTER_SENDS},
                placeholder="Write a message…",
                name="body",
                id="chat-input",
                rows="2",
                width="100%",
                aria_label="Message",
                aria_invalid=S.draft_error != "",
                max_length=MAX_BODY + 1000,
            ),
            rx.flex(
                rx.text(S.draft_count, size="1", color=rx.cond(S.draft_too_long, rx.color("red", 11),
                                                                 rx.color("gray", 11)), id="chat-counter"),
                rx.text("Enter sends · Shift+Enter for a new line", size="1", color=rx.color("gray", 11),
                        display=rx.breakpoints(initial="none", sm="block")),
                rx.spacer(),
                labelled_upload(
                    rx.button(rx.icon("paperclip", size=16), "Attach", type="button", variant="soft", size="2"),
                    label=f"Attach an image or PDF (up to {limit_mb} MB)",
                    id=upload_id,
                    accept=ACCEPT,
                    max_files=1,
                    multiple=False,
                    max_size=limit_mb * 1024 * 1024,
                    on_drop=S.upload_attachment(rx.upload_files(upload_id=upload_id)),
                    on_drop_rejected=S.reject_files,
                    no_drag=True,
                    border="none",
                    padding="0",
                ),
                rx.button(rx.icon("send", size=16), "Send", type="submit", loading=S.sending, size="2",
                          id="chat-send", disabled=S.draft_too_long | S.sending),
                gap="8px",
                align="center",
                width="100%",
            ),
            form_message(S.draft_error),
            form_message(S.upload_error),
            spacing="2",
            width="100%",
        ),
        on_submit=S.send_message,
        reset_on_submit=False,
        width="100%",
    )


def thread_panel(S: Any, *, upload_id: str, height: str = "55vh", header: rx.Component | None = None) -> rx.Component:
    """The open thread of state `S` (a ChatThreadMixin state)."""
    return rx.vstack(
        header if header is not None else rx.fragment(),
        _history(S, height),
        _composer(S, upload_id),
        spacing="3",
        width="100%",
    )


def thread_card(S: Any, *title: Any, upload_id: str, card_id: str) -> rx.Component:
    """A conversation embedded in another page (a lesson, a class session's room), live, with a link to
    it in Messages. Loaded when it mounts; shown only when the state found a thread for the viewer."""
    header = rx.hstack(
        rx.heading(*title, size="4", as_="h2"),
        rx.spacer(),
        link_button("Open in Messages", href="/messages?c=" + S.thread_id.to_string(), variant="ghost", size="1"),
        align="center",
        width="100%",
    )
    return rx.box(
        rx.cond(
            S.thread_status == "ready",
            rx.card(thread_panel(S, upload_id=upload_id, height="320px", header=header), width="100%", id=card_id),
            rx.fragment(),
        ),
        on_mount=S.load,
        width="100%",
    )
