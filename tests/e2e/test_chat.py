"""Live chat in two real browsers: a student and a tutor whose first booking created their
conversation. A message sent by one appears in the other's open thread without a reload, the
unread badges (navigation and conversation list) update live, history and the composer work, and
the phone layout goes list → thread → back. A stranger opening the conversation's URL gets
"Conversation not found"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import (
    bearer,
    book_via_api,
    mark_page,
    one_slot_tutor,
    page_was_not_reloaded,
    slot_start,
    student,
    target_day,
)
from tests.e2e.test_scheduling import _login

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT = 10_000


def _open_messages(page, conversation_id: int | None = None) -> None:
    page.goto("/messages" + (f"?c={conversation_id}" if conversation_id else ""))
    expect(page.locator("#conversation-list")).to_be_visible()


def _conversation_id(request, headers) -> int:
    listing = request.get("/api/v1/conversations", headers=headers)
    assert listing.ok, listing.text()
    [row] = listing.json()["items"]
    return row["id"]


def test_student_and_tutor_chat_live_with_unread_badges(new_context):
    setup = new_context(DESKTOP)
    tutor_id = one_slot_tutor(setup.request, "chat-tutor@example.com")
    headers = student(setup.request, "chat-student@example.com", "Cara Chat")
    book_via_api(setup.request, headers, tutor_id, slot_start(target_day()))
    conversation_id = _conversation_id(setup.request, headers)

    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(tutor, "chat-tutor@example.com")
    _open_messages(tutor)
    row = tutor.locator(".conversation-row").first
    expect(row).to_contain_text("Cara Chat")
    mark_page(tutor)

    pupil = new_context(DESKTOP, timezone_id="America/New_York").new_page()
    _login(pupil, "chat-student@example.com")
    _open_messages(pupil)
    pupil.locator(".conversation-row").first.click()
    expect(pupil.locator("#thread-title")).to_have_text("Bruno Berlin")
    composer = pupil.locator("#chat-input")
    composer.fill("Hi Bruno, can we cover titrations?")
    expect(pupil.locator("#chat-counter")).to_have_text(re.compile(r"^34 / 4000$"))
    pupil.locator("#chat-send").click()
    expect(pupil.locator(".chat-message.mine")).to_contain_text("Hi Bruno, can we cover titrations?")
    expect(composer).to_have_value("")

    # The tutor's open page updates without a reload: list badge, navigation badge, preview.
    expect(row.locator(".conversation-unread")).to_have_text("1", timeout=LIVE_TIMEOUT)
    expect(tutor.locator(".chat-unread-badge").first).to_have_text("1", timeout=LIVE_TIMEOUT)
    expect(row).to_contain_text("titrations")
    assert page_was_not_reloaded(tutor)

    row.click()
    expect(tutor.locator(".chat-message.theirs")).to_contain_text("titrations")
    expect(row.locator(".conversation-unread")).to_have_count(0)
    expect(tutor.locator(".chat-unread-badge")).to_have_count(0, timeout=LIVE_TIMEOUT)

    # The tutor answers; it appears live in the student's open thread.
    mark_page(pupil)
    tutor.locator("#chat-input").fill("Sure — bring your lab notes.")
    tutor.locator("#chat-send").click()
    expect(pupil.locator(".chat-message.theirs")).to_contain_text("bring your lab notes", timeout=LIVE_TIMEOUT)
    assert page_was_not_reloaded(pupil)
    shot(pupil, "chat-thread")

    # Over-long text: counter turns red, Send is disabled, nothing is sent.
    composer.fill("x" * 4001)
    expect(pupil.locator("#chat-send")).to_be_disabled()
    expect(pupil.get_by_role("alert")).to_contain_text("at most 4000 characters")
    expect(pupil.locator(".chat-message")).to_have_count(2)

    # A stranger who guesses the conversation's URL learns nothing.
    stranger_request = new_context(DESKTOP).request
    student(stranger_request, "chat-stranger@example.com", "Nosy Parker")
    stranger = new_context(DESKTOP).new_page()
    _login(stranger, "chat-stranger@example.com")
    _open_messages(stranger, conversation_id)
    expect(stranger.get_by_text("Conversation not found")).to_be_visible()
    expect(stranger.locator(".chat-message")).to_have_count(0)


def test_phone_layout_goes_from_the_list_to_the_thread_and_back(new_context):
    setup = new_context(DESKTOP)
    tutor_id = one_slot_tutor(setup.request, "chat-phone-tutor@example.com")
    headers = student(setup.request, "chat-phone-student@example.com", "Pia Phone")
    book_via_api(setup.request, headers, tutor_id, slot_start(target_day()))
    conversation_id = _conversation_id(setup.request, headers)
    tutor_headers = bearer(setup.request, "chat-phone-tutor@example.com")
    for i in range(35):  # more than one page of history, from both sides (each under the flood limit)
        sent = setup.request.post(f"/api/v1/conversations/{conversation_id}/messages",
                                  headers=headers if i % 2 else tutor_headers, data={"body": f"note {i}"})
        assert sent.status == 201, sent.text()
    phone = new_context(PHONE).new_page()
    _login(phone, "chat-phone-student@example.com")
    _open_messages(phone)
    expect(phone.locator(".conversation-row .conversation-unread")).to_have_text("1")  # their own replies marked the earlier ones read
    phone.locator(".conversation-row").first.click()
    expect(phone.locator("#thread-title")).to_be_visible()
    expect(phone.locator("#conversation-list")).to_be_hidden()
    expect(phone.locator(".chat-message")).to_have_count(30)
    expect(phone.locator(".chat-message").last).to_contain_text("note 34")
    phone.locator("#chat-load-earlier").click()
    expect(phone.locator(".chat-message")).to_have_count(35)
    expect(phone.locator(".chat-message").first).to_contain_text("note 0")
    expect(phone.locator("#chat-load-earlier")).to_have_count(0)
    shot(phone, "chat-phone-thread")
    phone.get_by_role("button", name="Back to conversations").click()
    expect(phone.locator("#conversation-list")).to_be_visible()
