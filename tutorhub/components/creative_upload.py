"""The campaign image drop zone, the same on the new-campaign form and a campaign's page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.components.chat_thread import labelled_upload
from tutorhub.settings import get_settings

IMAGE_TYPES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}


def creative_upload(*, label: str, upload_id: str, on_drop: Any, on_drop_rejected: Any, padding: str) -> rx.Component:
    """One PNG, JPEG or WebP image up to the upload limit; the state checks it by its content."""
    limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
    return labelled_upload(
        rx.text(f"Drop a PNG, JPEG or WebP image here or click to choose (up to {limit_mb} MB)", size="2"),
        label=label, id=upload_id, accept=IMAGE_TYPES, max_files=1, multiple=False,
        max_size=limit_mb * 1024 * 1024, on_drop=on_drop, on_drop_rejected=on_drop_rejected,
        border=f"2px dashed {rx.color('accent', 7)}", border_radius="var(--radius-4)", padding=padding,
        width="100%", cursor="pointer",
    )
