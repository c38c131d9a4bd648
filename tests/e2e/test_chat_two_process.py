"""Chat across two app processes (REFLEX_REDIS_URL set, one PostgreSQL database): a message sent
through process A's API arrives in the open thread of a browser connected to process B, without a
reload, and B's navigation badge counts it; the answer typed on B is readable through A.

Skipped with the reason when PostgreSQL or Redis are not reachable (see replicas.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
from tests.e2e.replicas import TwoApps
from tests.e2e.test_live_two_process import chromium_browser_any, contexts_on  # noqa: F401  (fixtures)
from tests.e2e.test_scheduling import _login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # two replicas behind Redis: `make test-slow`

LIVE_TIMEOUT = 10_000


def test_a_chat_message_sent_through_a_arrives_through_b(two_apps: TwoApps, contexts_on):  # noqa: F811
    on_a = contexts_on(two_apps.a)
    tutor_id = one_slot_tutor(on_a.request, "replica-chat-tutor@example.com")
    headers = student(on_a.request, "replica-chat-student@example.com", "Rita Replica")
    book_via_api(on_a.request, headers, tutor_id, slot_start(target_day()))
    conversation_id = on_a.request.get("/api/v1/conversations", headers=headers).json()["items"][0]["id"]

    reader = contexts_on(two_apps.b).new_page()
    _login(reader, "replica-chat-student@example.com")
    reader.goto(f"/messages?c={conversation_id}")
    expect(reader.locator("#thread-title")).to_have_text("Bruno Berlin")
    mark_page(reader)

    tutor_headers = bearer(on_a.request, "replica-chat-tutor@example.com")
    sent = on_a.request.post(f"/api/v1/conversations/{conversation_id}/messages", headers=tutor_headers,
                             data={"body": "Hello from replica A"})
    assert sent.status == 201, sent.text()
    expect(reader.locator(".chat-message.theirs")).to_contain_text("Hello from replica A", timeout=LIVE_TIMEOUT)
    assert page_was_not_reloaded(reader)

    reader.locator("#chat-input").fill("Got it on replica B")
    reader.locator("#chat-send").click()
    expect(reader.locator(".chat-message.mine")).to_contain_text("Got it on replica B")
    history = on_a.request.get(f"/api/v1/conversations/{conversation_id}/messages", headers=tutor_headers).json()
    assert [m["body"] for m in history["messages"]] == ["Hello from replica A", "Got it on replica B"]

    # A second message while B shows another page: the navigation badge counts it live.
    reader.goto("/lessons")
    mark_page(reader)
    on_a.request.post(f"/api/v1/conversations/{conversation_id}/messages", headers=tutor_headers,
                      data={"body": "One more thing"})
    expect(reader.locator(".chat-unread-badge").first).to_have_text("1", timeout=LIVE_TIMEOUT)
    assert page_was_not_reloaded(reader)
