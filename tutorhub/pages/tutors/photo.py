"""The tutor's profile photo on their own profile page: the current photo (or initials), a picker that
uploads at once, and Remove. The photo is public, and the section says so before anything is chosen."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import labelled_upload
from tutorhub.components.forms import form_message
from tutorhub.components.tutor_card import avatar
from tutorhub.components.ui import confirm_dialog, section
from tutorhub.services.tutors.photos import MAX_PHOTO_BYTES, MIN_SIDE
from tutorhub.state.tutors.profile import TutorProfileState as S

UPLOAD_ID = "profile-photo"
ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}
LIMIT_MB = MAX_PHOTO_BYTES // (1024 * 1024)


def photo_section() -> rx.Component:
    picker = labelled_upload(
        rx.button(
            rx.icon("camera", size=16, aria_hidden="true"),
            rx.cond(S.photo_url != "", "Change photo", "Upload a photo"),
            variant="soft",
            size="2",
            type="button",
        ),
        label=f"Upload a profile photo: JPEG, PNG or WebP, up to {LIMIT_MB} MB",
        id=UPLOAD_ID,
        accept=ACCEPT,
        max_files=1,
        multiple=False,
        max_size=MAX_PHOTO_BYTES,
        on_drop=S.upload_photo(rx.upload_files(upload_id=UPLOAD_ID)),
        on_drop_rejected=S.reject_photo,
        border="none",
        padding="0",
        width="auto",
    )
    remove = confirm_dialog(
        rx.button(rx.icon("trash-2", size=14), "Remove", variant="soft", color_scheme="red", high_contrast=True,
                  size="2"),
        "Remove your photo?",
        rx.text("Students will see your initials instead."),
        rx.button("Remove", color_scheme="red", high_contrast=True, on_click=S.remove_photo),
    )
    return section(
        "Photo",
        rx.flex(
            rx.box(avatar(S.photo_initials, size="8", photo=S.photo_url), id="own-photo"),
            rx.vstack(
                rx.hstack(picker, rx.cond(S.photo_url != "", remove, rx.fragment()), spacing="2", wrap="wrap"),
                rx.text(
                    f"A clear, friendly photo of your face. JPEG, PNG or WebP, up to {LIMIT_MB} MB, at least "
                    f"{MIN_SIDE}×{MIN_SIDE} pixels; we crop it to a square.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                form_message(S.photo_error),
                spacing="2",
                align="start",
            ),
            gap="16px",
            align="center",
            wrap="wrap",
        ),
        description="Your photo is public: it appears on your profile, in search results and on the home "
        "page. We remove its hidden details (such as where it was taken) before showing it.",
    )
