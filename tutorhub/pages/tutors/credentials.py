"""Credential documents on the tutor's profile page: upload zone and the list with view/delete."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import labelled_upload
from tutorhub.components.forms import form_message
from tutorhub.components.ui import confirm_dialog, link_button, section
from tutorhub.settings import get_settings
from tutorhub.state.tutors.profile import TutorProfileState as S
from tutorhub.state.tutors.views import DocumentView

UPLOAD_ID = "credentials"
ACCEPT = {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}


def _document_row(doc: DocumentView) -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.cond(
                doc.is_image,
                rx.icon("image", size=20, color=rx.color("accent", 10)),
                rx.icon("file-text", size=20, color=rx.color("accent", 10)),
            ),
            rx.vstack(
                rx.text(doc.name, size="2", weight="medium", class_name="document-name"),
                rx.text(doc.kind, " · ", doc.size, " · ", doc.uploaded, size="1", color=rx.color("gray", 11)),
                spacing="0",
                min_width="0",
            ),
            spacing="3",
            align="center",
            min_width="0",
            flex="1",
        ),
        rx.hstack(
            link_button(
                rx.icon("external-link", size=14), "View", href=doc.url, external=True, variant="soft", size="2"
            ),
            confirm_dialog(
                rx.button(rx.icon("trash-2", size=14), "Delete", variant="soft", color_scheme="red", high_contrast=True, size="2"),
                "Delete this document?",
                rx.text("“", doc.name, "” will be removed. If your profile is approved it goes back to review."),
                rx.button("Delete", color_scheme="red", high_contrast=True, on_click=S.delete_credential(doc.id)),
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
        gap="12px",
        wrap="wrap",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def credentials_section() -> rx.Component:
    limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
    return section(
        "Credentials",
        labelled_upload(
            rx.vstack(
                rx.icon("upload", size=24, color=rx.color("accent", 10)),
                rx.text("Drop a file here or click to choose", weight="medium", size="2"),
                rx.text(
                    f"Degree, certificate or ID — PDF, JPEG or PNG, up to {limit_mb} MB",
                    size="1",
                    color=rx.color("gray", 11),
                    text_align="center",
                ),
                align="center",
                spacing="1",
            ),
            label=f"Upload a credential: PDF, JPEG or PNG, up to {limit_mb} MB",
            id=UPLOAD_ID,
            accept=ACCEPT,
            max_files=1,
            multiple=False,
            max_size=limit_mb * 1024 * 1024,
            on_drop=S.upload_credential(rx.upload_files(upload_id=UPLOAD_ID)),
            on_drop_rejected=S.reject_files,
            border=f"2px dashed {rx.color('accent', 7)}",
            border_radius="var(--radius-4)",
            padding="24px",
            width="100%",
            cursor="pointer",
            background=rx.color("accent", 2),
            aria_label="Upload a credential document",
        ),
        form_message(S.upload_error),
        rx.cond(
            S.documents.length() > 0,
            rx.vstack(rx.foreach(S.documents, _document_row), spacing="0", width="100%"),
            rx.text("No documents uploaded yet.", size="2", color=rx.color("gray", 11)),
        ),
        description="Documents are private: only you and TutorHub's reviewers can open them. Changing the "
        "credentials of an approved profile sends it back to review.",
    )
