"""/teach/courses/[course_id]: the tutor's course builder — chapters (move buttons), uploads with live progress,
publish, and the course's figures with a per-chapter completion chart."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import labelled_upload
from tutorhub.components.forms import select_field, text_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.money_ui import bar_chart
from tutorhub.components.ui import gate, link_button
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.courses.builder import BuilderChapter
from tutorhub.state.courses.builder import CourseBuilderState as S


def _edit(row: BuilderChapter) -> rx.Component:
    sid = row.id.to_string()
    return rx.popover.root(
        rx.popover.trigger(rx.button("Edit", size="1", variant="soft", aria_label="Edit " + row.label)),
        rx.popover.content(rx.form(rx.vstack(
            rx.el.input(type="hidden", name="chapter_id", value=sid),
            rx.el.label("Title", html_for="edit-title-" + sid, class_name="rt-Text rt-r-size-2"),
            rx.input(name="title", id="edit-title-" + sid, default_value=row.title, width="100%"),
            rx.el.label("Notes (Markdown)", html_for="edit-notes-" + sid, class_name="rt-Text rt-r-size-2"),
            rx.text_area(name="notes_md", id="edit-notes-" + sid, default_value=row.notes_md, rows="6", width="100%"),
            rx.el.label(rx.checkbox(name="preview", default_checked=row.preview, aria_label="Free preview"),
                        rx.text("Free preview", size="2"),
                        display="flex", gap="6px", align_items="center"),
            rx.popover.close(rx.button("Save", type="submit", size="2")),
            spacing="2", width="100%"), on_submit=S.edit_chapter, reset_on_submit=False), width="360px"),
    )


def _details() -> rx.Component:
    """The course's own fields, editable at any time (a popover, so its defaults are read when it opens)."""
    e = S.details_errors
    return rx.popover.root(
        rx.popover.trigger(rx.button("Edit details", variant="soft", id="edit-course-details")),
        rx.popover.content(rx.form(rx.vstack(
            rx.heading("Course details", size="3", as_="h2"),
            text_field("Title", "title", errors=e, default_value=S.title, field_id="details-title"),
            rx.grid(
                text_field("Subject", "subject", errors=e, default_value=S.subject, field_id="details-subject"),
                text_field("Grade", "grade", errors=e, default_value=S.grade, hint="optional",
                           field_id="details-grade"),
                text_field("Price", "price", errors=e, default_value=S.price_input, input_mode="decimal",
                           hint="0 for a free course", field_id="details-price"),
                select_field("Currency", "currency", [(c, c) for c in CURRENCIES], errors=e,
                             default_value=S.currency),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            textarea_field("Description", "description", errors=e, rows="3", default_value=S.description),
            rx.text("Students who already enrolled keep the price they paid and their progress.", size="1",
                    color=rx.color("gray", 11)),
            rx.button("Save details", type="submit", id="save-course-details"),
            spacing="3", width="100%"), on_submit=S.save_details, reset_on_submit=False),
            width="min(480px, 94vw)"),
    )


def _chapter(row: BuilderChapter) -> rx.Component:
    sid = row.id.to_string()
    return rx.card(rx.vstack(
        rx.hstack(
            rx.text(row.label, weight="bold", size="3", flex="1"),
            rx.cond(row.preview, rx.badge("Free preview", color_scheme="green", variant="soft"), rx.fragment()),
            rx.badge(row.video, color_scheme=rx.cond(row.ready, "green", "gray"), variant="outline"),
            _edit(row),
            rx.icon_button(rx.icon("arrow-up", size=16), size="1", variant="soft", disabled=row.first,
                           on_click=S.move(row.id, "up"), aria_label="Move " + row.label + " up"),
            rx.icon_button(rx.icon("arrow-down", size=16), size="1", variant="soft", disabled=row.last,
                           on_click=S.move(row.id, "down"), aria_label="Move " + row.label + " down"),
            width="100%", align="center", wrap="wrap", spacing="2",
        ),
        rx.hstack(
            rx.el.label("Video file for " + row.label, html_for="video-file-" + sid, class_name="rt-r-size-1",
                        style={"position": "absolute", "left": "-9999px"}),
            rx.el.input(type="file", accept="video/mp4,video/webm", id="video-file-" + sid, name="video"),
            rx.button("Upload", size="2", on_click=S.upload(row.id), id="upload-" + sid),
            width="100%", align="center", wrap="wrap", spacing="2",
        ),
        rx.el.progress(value="0", max="100", id="upload-bar-" + sid, style={"width": "100%"},
                       aria_label="Upload progress of " + row.label),
        rx.text("", id="upload-status-" + sid, size="2", aria_live="polite", color=rx.color("gray", 11)),
        spacing="2", width="100%"), width="100%", class_name="builder-chapter", draggable=True,
        custom_attrs={"data-chapter": sid}, cursor="grab")


def _add_chapter() -> rx.Component:
    e = S.chapter_errors
    return rx.card(rx.form(rx.vstack(
        rx.heading("Add a chapter", size="3", as_="h2"),
        rx.cond(S.chapter_message != "", rx.text(S.chapter_message, color=rx.color("red", 11), size="2"),
                rx.fragment()),
        text_field("Chapter title", "title", errors=e, field_id="chapter-title"),
        textarea_field("Notes (Markdown)", "notes_md", errors=e, rows="4",
                       hint="Headings, lists, links, bold — shown to enrolled students under the video."),
        rx.el.label(rx.checkbox(name="preview", aria_label="Free preview"),
                    rx.text("Free preview (anyone signed in can watch it)", size="2"),
                    display="flex", gap="6px", align_items="center"),
        rx.button("Add chapter", type="submit", id="add-chapter"),
        spacing="3", width="100%"), on_submit=S.add_chapter, reset_on_submit=False), width="100%")


COVER_UPLOAD = "course-cover"


def _cover() -> rx.Component:
    return rx.card(rx.hstack(
        rx.cond(S.has_cover, rx.image(src="/api/v1/courses/" + S.course_id.to_string() + "/cover", alt="Course cover",
                                      width="120px", height="68px", object_fit="cover", border_radius="6px"),
                rx.box(width="120px", height="68px", background=rx.color("gray", 4), border_radius="6px")),
        rx.vstack(
            labelled_upload(
                rx.button("Choose a cover image", variant="soft", size="2", type="button"),
                id=COVER_UPLOAD, accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"],
                                         "image/webp": [".webp"]},
                max_files=1, multiple=False, on_drop=S.upload_cover(rx.upload_files(upload_id=COVER_UPLOAD)),
                on_drop_rejected=S.reject_cover, label="Upload a cover image: PNG, JPEG or WebP",
            ),
            rx.cond(S.cover_error != "", rx.text(S.cover_error, color=rx.color("red", 11), size="2", role="alert"),
                    rx.text("PNG, JPEG or WebP; shown on the course page.", size="1", color=rx.color("gray", 11))),
            spacing="1"),
        spacing="4", align="center", wrap="wrap"), width="100%")


def _figures() -> rx.Component:
    def figure(label: str, value: rx.Var) -> rx.Component:
        return rx.card(rx.vstack(rx.text(label, size="1", color=rx.color("gray", 11)),
                                 rx.text(value, size="5", weight="bold"), spacing="1"))

    return rx.vstack(
        rx.heading("Sales and completion", size="4", as_="h2"),
        rx.grid(figure("Enrolled", S.enrolments.to_string()), figure("Sales", S.sales),
                figure("Past the refund window", S.released), figure("Refunded", S.refunded.to_string()),
                columns=rx.breakpoints(initial="2", md="4"), spacing="3", width="100%"),
        rx.cond(S.completion.length() > 0,
                bar_chart(S.completion, [("percent", "Completed (% of enrolled)", "#3e63dd")],
                          label="Share of enrolled students who completed each chapter"),
                rx.fragment()),
        spacing="3", width="100%",
    )


def _ready() -> rx.Component:
    return rx.vstack(
        page_header(S.title, S.price + " · " + S.course_status,
                    rx.hstack(
                        link_button("View course page", href="/courses/" + S.course_id.to_string(), variant="soft"),
                        _details(),
                        rx.cond(S.course_status == "DRAFT",
                                rx.button("Publish", on_click=S.publish, id="publish-course"), rx.fragment()),
                        spacing="2", wrap="wrap")),
        rx.cond(S.message != "", rx.callout(S.message, color_scheme="red", icon="triangle_alert"), rx.fragment()),
        _cover(),
        rx.cond(S.chapters.length() > 1,
                rx.text("Drag a chapter onto another to move it there, or use the arrows.", size="1",
                        color=rx.color("gray", 11)), rx.fragment()),
        rx.vstack(rx.foreach(S.chapters, _chapter), spacing="3", width="100%", id="builder-chapters",
                  custom_attrs={"data-course": S.course_id.to_string()}),
        _add_chapter(),
        _figures(),
        rx.el.button("Refresh", id="course-refresh", on_click=S.refresh, hidden=True, aria_hidden="true"),
        spacing="4", width="100%", padding_bottom="40px",
    )


def builder_page() -> rx.Component:
    return page(rx.script(src="/courses.js"), gate(S.status, _ready(), what="course"))
