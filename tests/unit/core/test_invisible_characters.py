"""Bidi controls and invisible format characters (services/validation.py): refused or stripped in
every text people see — names, headlines, chat messages, file names — while ordinary accented,
CJK and emoji text (ZWJ sequences, flags) passes unchanged. Before: "invoice\u202egpj.exe" was
stored as is and displayed as "invoiceexe.jpg"."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.support.chat import PDF, PNG, make_pair
from tutorhub.models import Role
from tutorhub.services.accounts import passwords
from tutorhub.services.errors import InvalidInput
from tutorhub.services.messaging import attachments as chat_attachments
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.validation import clean_text

RLO = "\u202e"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]
INVISIBLE = ["\u200b", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\ufeff", "\u00ad", "\u180e", "\u206a",
             "\ufff9", "\U000e0001"]
ORDINARY = [
    "Zoë Ångström-Müller", "José Núñez", "王小明", "さくら", "김민준", "Ελένη", "Дмитрий",
    "محمد الأحمد", "שרה לוי", "می\u200cخواهم",  # ZWNJ inside a Persian word
    "Coder 👩\u200d💻", "Family 👨\u200d👩\u200d👧", "Pride 🏳️\u200d🌈", "Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "किताब क्\u200dष",  # ZWJ in Devanagari
]


@pytest.mark.parametrize("ch", BIDI)
def test_bidi_controls_are_refused_with_a_field_error(ch):
    with pytest.raises(InvalidInput) as bad:
        clean_text(f"invoice{ch}gpj.exe", "name", max_len=100)
    assert "direction-control" in bad.value.fields["name"]


@pytest.mark.parametrize("ch", INVISIBLE)
def test_invisible_format_characters_are_stripped(ch):
    assert clean_text(f"{ch}pay{ch}pal{ch}", "name", max_len=100) == "paypal"
    assert clean_text(f"line one{ch}\nline two", "body", max_len=100, multiline=True) == "line one\nline two"


def test_joiners_are_kept_only_between_visible_characters():
    assert clean_text("\u200dAnna\u200d", "name", max_len=50) == "Anna"
    assert clean_text("a \u200d b", "name", max_len=50) == "a b"
    assert clean_text("a\u200d\u200db", "name", max_len=50) == "ab"
    assert clean_text("\U000e0067\U000e0062 tags without a flag", "name", max_len=50) == "tags without a flag"


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_passes_unchanged(text):
    assert clean_text(text, "name", max_len=200) == text


def test_a_name_with_a_direction_override_is_refused_at_sign_up(db):
    with pytest.raises(InvalidInput) as bad:
        passwords.register(db, email="spoof@example.com", password=PASSWORD, full_name=f"Admin {RLO}troppuS",
                           role=Role.STUDENT, timezone="UTC")
    assert "full_name" in bad.value.fields
    db.rollback()
    user = passwords.register(db, email="zoe@example.com", password=PASSWORD, full_name="Zoë\u200b 王 👩\u200d💻",
                              role=Role.STUDENT, timezone="UTC")
    assert user.full_name == "Zoë 王 👩\u200d💻"


def test_a_headline_with_a_direction_override_is_refused(db, make_user):
    tutor = make_user(Role.TUTOR)
    with pytest.raises(InvalidInput) as bad:
        tutor_profiles.update_own_profile(db, actor=tutor, data={"headline": f"Maths {RLO}ffo %05"})
    assert "headline" in bad.value.fields
    db.rollback()
    out = tutor_profiles.update_own_profile(db, actor=tutor, data={"headline": "\ufeffMathématiques 数学 🧮"})
    assert out.headline == "Mathématiques 数学 🧮"


def test_chat_messages_and_file_names_with_a_direction_override_are_refused(db, make_user):
    pair = make_pair(db, make_user)
    with pytest.raises(InvalidInput) as body:
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id,
                                   body=f"pay here: {RLO}moc.evil")
    assert "body" in body.value.fields
    db.rollback()
    with pytest.raises(InvalidInput) as name:
        chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                         filename=f"invoice{RLO}gnp.exe", data=PNG)
    assert "filename" in name.value.fields
    db.rollback()
    sent = chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id,
                                      body="Merci\u200b ! 谢谢 🙏")
    assert sent.body == "Merci ! 谢谢 🙏"
    file = chat_attachments.send_attachment(db, actor=pair.student, conversation_id=pair.conversation_id,
                                            filename="\u200bnotes-été.png", data=PNG)
    assert file.attachment is not None and file.attachment.name == "notes-été.png"


def test_a_credential_file_name_with_a_direction_override_is_refused(db, make_user):
    tutor = make_user(Role.TUTOR)
    with pytest.raises(InvalidInput) as bad:
        tutor_profiles.upload_credential(db, actor=tutor, filename=f"diploma{RLO}fdp.exe", data=PDF)
    assert "filename" in bad.value.fields
    db.rollback()
    doc = tutor_profiles.upload_credential(db, actor=tutor, filename="Diplôme\u2060 2024.pdf", data=PDF)
    assert doc.original_name == "Diplôme 2024.pdf"
