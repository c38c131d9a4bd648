"""Chat attachments: sniffed types, size limit, private storage, participant-only downloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW
from tests.support.chat import GIF, JPEG, PDF, PNG, WEBP, make_pair
from tutorhub.models import ChatAttachment, Role
from tutorhub.services.errors import InvalidInput, NotAuthenticated, NotFound, RateLimited
from tutorhub.services.messaging import attachments as chat_attachments
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.settings import get_settings, reset_settings


def _stored_files() -> set[str]:
    root = get_settings().storage_dir / "chat"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(("data", "content_type"), [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (PDF, "application/pdf"),
])
def test_images_and_pdfs_are_stored_privately_and_readable_by_participants(db, pair, data, content_type):
    out = chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                           filename="../notes/photo.bin", data=data, body=" caption ")
    db.commit()
    assert out.body == "caption" and out.attachment is not None
    assert out.attachment.content_type == content_type and out.attachment.name == ".._notes_photo.bin"
    assert out.attachment.url == f"/api/v1/conversations/{pair.conversation_id}/attachments/{out.attachment.id}"
    row = db.exec(select(ChatAttachment)).one()
    assert (get_settings().storage_dir / row.storage_key).read_bytes() == data
    assert "assets" not in row.storage_key and row.storage_key.startswith(f"chat/{pair.conversation_id}/")
    for reader in (pair.student, pair.tutor):
        meta, body = chat_attachments.read_attachment(db, actor=reader, conversation_id=pair.conversation_id,
                                                      attachment_id=out.attachment.id)
        assert body == data and meta.content_type == content_type
    [listed] = chat_messages.list_messages(db, actor=pair.tutor, conversation_id=pair.conversation_id).messages
    assert listed.attachment == out.attachment
    assert chat_conversations.list_conversations(db, actor=pair.tutor)[0].last_message == "caption"


def test_an_attachment_without_caption_previews_as_attachment(db, pair):
    chat_attachments.send_attachment(db, actor=pair.tutor, conversation_id=pair.conversation_id, filename="a.pdf",
                                     data=PDF)
    db.commit()
    assert chat_conversations.list_conversations(db, actor=pair.student)[0].last_message == "📎 Attachment"


@pytest.mark.parametrize("data", [GIF, b"MZ\x90\x00 executable", b"just text", b"", "text not bytes", None,
                                  b"RIFF\x00\x00\x00\x00WAVE"])
def test_other_types_and_empty_files_are_refused_and_nothing_is_stored(db, pair, data):
    before = _stored_files()
    with pytest.raises(InvalidInput) as err:
        chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                         filename="x.png", data=data)
    assert "file" in err.value.fields
    db.rollback()
    assert _stored_files() == before and db.exec(select(ChatAttachment)).all() == []


def test_files_over_the_size_limit_are_refused(db, pair, monkeypatch):
    monkeypatch.setenv("TUTORHUB_MAX_UPLOAD_MB", "1")
    reset_settings()
    try:
        with pytest.raises(InvalidInput) as err:
            chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                             filename="big.pdf", data=PDF + b"0" * (1024 * 1024))
        assert err.value.fields["file"] == "must be at most 1 MB"
        ok = chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                              filename="fits.pdf", data=PDF + b"0" * (1024 * 1024 - len(PDF)))
        assert ok.attachment is not None
    finally:
        monkeypatch.delenv("TUTORHUB_MAX_UPLOAD_MB")
        reset_settings()


def test_strangers_cannot_send_or_download_attachments(db, make_user, pair):
    out = chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                           filename="a.png", data=PNG)
    db.commit()
    other = make_pair(db, make_user)  # a conversation the stranger IS in
    for stranger in (other.student, other.tutor, make_user(Role.ADMIN)):
        with pytest.raises(NotFound):
            chat_attachments.read_attachment(db, actor=stranger, conversation_id=pair.conversation_id,
                                             attachment_id=out.attachment.id)
        with pytest.raises(NotFound):
            chat_attachments.send_attachment(db, actor=stranger, conversation_id=pair.conversation_id,
                                             filename="a.png", data=PNG)
    # Their own conversation id with somebody else's attachment id: still not found.
    with pytest.raises(NotFound):
        chat_attachments.read_attachment(db, actor=other.student, conversation_id=other.conversation_id,
                                         attachment_id=out.attachment.id)
    with pytest.raises(NotAuthenticated):
        chat_attachments.read_attachment(db, actor=None, conversation_id=pair.conversation_id,
                                         attachment_id=out.attachment.id)
    for bad in ("x", -5, 10**40):
        with pytest.raises(NotFound):
            chat_attachments.read_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                             attachment_id=bad)


def test_a_rate_limited_attachment_leaves_no_file_behind(db, pair):
    for i in range(20):
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body=f"m{i}", now=NOW)
    db.commit()
    before = _stored_files()
    with pytest.raises(RateLimited):
        chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                         filename="a.png", data=PNG, now=NOW + timedelta(seconds=1))
    db.rollback()
    assert _stored_files() == before
