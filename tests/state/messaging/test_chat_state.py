"""Chat states: the /messages page, the in-lesson chat, the navigation badge and "Message tutor" —
driven like a browser tab, with a stranger test for every handler."""

from __future__ import annotations

import pytest
from reflex_base.utils.format import json_dumps
from sqlmodel import col

from tests.state.conftest import chained, count, redirects
from tests.support.booking_world import day_ahead, make_world
from tests.support.chat import GIF, PNG, make_pair
from tutorhub.models import ChatAttachment, ChatMessage, Role
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.state.messaging.chat_badge import ChatBadgeState, TutorChatLinkState
from tutorhub.state.messaging.lesson_chat import LessonChatState
from tutorhub.state.messaging.messages import ChatState


class FakeUpload:
    def __init__(self, data: bytes, name: str = "photo.png") -> None:
        self.data, self.name = data, name

    async def read(self, n: int = -1) -> bytes:
        return self.data if n < 0 else self.data[:n]


@pytest.fixture
def pair(db, make_user):
    return make_pair(db, make_user)


LOADED: dict[int, list] = {}


def _messages_page(browser, email: str | None = None, query: str = "") -> ChatState:
    if email:
        browser.login(email)
    browser.goto("/messages" + query)
    browser.run(browser.app.load_viewer())
    page = browser.state(ChatState)
    LOADED[id(page)] = browser.run(page.load())
    return page


def loaded_events(page) -> list:
    return LOADED[id(page)]


def _bodies(page) -> list[str]:
    return [m.body for m in page.messages]


def test_a_student_opens_a_conversation_sends_and_the_tutor_sees_it_unread(browser, new_browser, db, pair):
    chat_messages.send_message(db, actor=pair.tutor, conversation_id=pair.conversation_id, body="Welcome!")
    db.commit()
    page = _messages_page(browser, pair.student.email)
    assert page.chat_status == "ready" and "watch_chat" in chained(loaded_events(page))
    [row] = page.conversations
    assert (row.title, row.role, row.unread, row.preview) == (pair.tutor.full_name, "Tutor", 1, "Welcome!")
    browser.run(page.open_conversation(pair.conversation_id))
    assert page.thread_status == "ready" and page.thread_title == pair.tutor.full_name
    assert _bodies(page) == ["Welcome!"] and page.messages[0].mine is False
    assert page.conversations[0].unread == 0  # opening marked it read
    page.set_draft("Hello, see you Monday")
    assert page.draft_count == f"21 / {chat_messages.MAX_BODY}"
    composer = page.composer_id
    browser.run(page.send_message({"body": "Hello, see you Monday", "client_id": composer}))
    assert _bodies(page) == ["Welcome!", "Hello, see you Monday"] and page.draft == "" and page.messages[1].mine
    assert page.composer_id != composer  # a new key: the box empties once
    page.set_draft("Hello, see you Monday")  # a keystroke's late echo does not put the text back
    assert page.draft == ""
    # The same submit again (Enter pressed twice, a double click) stores no second message.
    browser.run(page.send_message({"body": "Hello, see you Monday", "client_id": composer}))
    assert _bodies(page) == ["Welcome!", "Hello, see you Monday"]
    assert count(ChatMessage) == 2
    tutor_tab = new_browser()
    tutor_tab.login(pair.tutor.email)
    badge = tutor_tab.state(ChatBadgeState)
    assert "watch_badge" in chained(tutor_tab.run(badge.load_badge()))
    assert badge.chat_unread == 1


def test_messages_query_parameter_opens_the_thread_and_live_refresh_merges_new_messages(
        browser, new_browser, db, pair):
    page = _messages_page(browser, pair.student.email, f"?c={pair.conversation_id}")
    assert page.thread_status == "ready" and page.thread_id == pair.conversation_id and page.messages == []
    chat_messages.send_message(db, actor=pair.tutor, conversation_id=pair.conversation_id, body="Are you there?")
    db.commit()
    browser.run(page._on_live())  # what the background watcher does on a hint
    assert _bodies(page) == ["Are you there?"] and page.conversations[0].unread == 0


def test_a_live_read_made_for_another_thread_is_not_merged_into_the_open_one(browser, db, make_user, pair):
    """The watcher reads outside the state lock; if the tab opened another conversation meanwhile,
    what it read must not land in that thread (it reads the open thread afresh instead)."""
    other = make_pair(db, make_user, student=pair.student)
    chat_messages.send_message(db, actor=pair.tutor, conversation_id=pair.conversation_id, body="for thread one")
    chat_messages.send_message(db, actor=other.tutor, conversation_id=other.conversation_id, body="for thread two")
    db.commit()
    page = _messages_page(browser, pair.student.email, f"?c={pair.conversation_id}")
    assert _bodies(page) == ["for thread one"]
    page.messages = []  # as if the hint came before the page showed it
    box: list = []

    async def fetch() -> None:
        box.append(await page._fetch_new())  # the watcher's read, for thread one

    browser.run(fetch())
    [fetched] = box
    assert fetched[0] == pair.conversation_id and [m.body for m in fetched[2]] == ["for thread one"]
    browser.run(page.open_conversation(other.conversation_id))  # the tab switched meanwhile
    browser.run(page._apply_new(fetched))
    assert page.thread_id == other.conversation_id and _bodies(page) == ["for thread two"]


def test_composer_validation_is_inline_and_nothing_is_sent(browser, pair):
    page = _messages_page(browser, pair.student.email, f"?c={pair.conversation_id}")
    browser.run(page.send_message({"body": "   "}))
    assert page.draft_error == "Write a message first."
    page.set_draft("x" * 4001)
    assert page.draft_too_long and "at most 4000" in page.draft_error
    browser.run(page.send_message({"body": "x" * 4001}))
    assert "at most 4000" in page.draft_error
    page.set_draft(12345)  # not text: treated as empty
    assert page.draft == ""
    assert count(ChatMessage) == 0


def test_load_earlier_prepends_the_previous_page(browser, db, pair):
    for i in range(35):
        chat_messages.send_message(db, actor=pair.tutor if i % 2 else pair.student, conversation_id=pair.conversation_id,
                          body=f"m{i}")
        db.commit()
    page = _messages_page(browser, pair.student.email, f"?c={pair.conversation_id}")
    assert _bodies(page) == [f"m{i}" for i in range(5, 35)] and page.next_before > 0
    browser.run(page.load_earlier())
    assert _bodies(page) == [f"m{i}" for i in range(35)] and page.next_before == 0


def test_attachments_upload_through_the_handler_and_bad_files_get_an_inline_error(browser, pair):
    page = _messages_page(browser, pair.student.email, f"?c={pair.conversation_id}")
    browser.run(page.upload_attachment([FakeUpload(PNG)]))
    assert page.upload_error == "" and page.messages[-1].file_image and page.messages[-1].file_name == "photo.png"
    assert page.messages[-1].file_url.startswith(f"/api/v1/conversations/{pair.conversation_id}/attachments/")
    browser.run(page.upload_attachment([FakeUpload(GIF, "anim.gif")]))
    assert "JPEG, PNG or WebP image or a PDF" in page.upload_error
    page.reject_files([{}])
    assert "at most" in page.upload_error
    assert count(ChatAttachment) == 1


def test_anonymous_visitors_are_sent_to_login(browser, pair):
    page = _messages_page(browser)
    assert redirects(loaded_events(page)) == ["/login?next=%2Fmessages"]
    assert page.conversations == []


@pytest.mark.parametrize("who", ["other_student", "other_tutor", "admin"])
def test_strangers_get_nothing_from_any_handler(new_browser, db, make_user, pair, who):
    chat_messages.send_message(db, actor=pair.tutor, conversation_id=pair.conversation_id, body="secret plan")
    db.commit()
    stranger = {"other_student": make_user(Role.STUDENT), "other_tutor": make_user(Role.TUTOR),
                "admin": make_user(Role.ADMIN)}[who]
    tab = new_browser()
    page = _messages_page(tab, stranger.email, f"?c={pair.conversation_id}")
    assert page.thread_status == "notfound" and page.messages == [] and page.conversations == []
    tab.run(page.open_conversation(pair.conversation_id))
    assert page.thread_status == "notfound" and page.thread_title == ""
    # Even with the conversation id forced into the tab's vars, every handler is refused by the service.
    page.thread_id, page.next_before = pair.conversation_id, 999
    tab.run(page.send_message({"body": "let me in"}))
    assert page.messages == [] and page.thread_status == "notfound"
    page.thread_id = pair.conversation_id
    tab.run(page.upload_attachment([FakeUpload(PNG)]))
    page.thread_id, page.next_before = pair.conversation_id, 999
    tab.run(page.load_earlier())
    assert page.messages == []
    assert "secret plan" not in json_dumps(tab.root.dict())
    assert count(ChatMessage) == 1 and count(ChatAttachment) == 0
    assert count(ChatMessage, col(ChatMessage.sender_id) == stranger.id) == 0


def test_admins_open_support_conversations_from_the_messages_page(browser, new_browser, pair, make_user):
    admin = make_user(Role.ADMIN)
    page = _messages_page(browser, admin.email)
    browser.run(page.open_support({"email": "nobody@example.com"}))
    assert page.support_error == "no user with this address"
    browser.run(page.open_support({"email": pair.student.email}))
    assert page.thread_status == "ready" and page.thread_title == pair.student.full_name
    browser.run(page.send_message({"body": "Hi, this is support"}))
    user_page = _messages_page(new_browser(), pair.student.email)
    assert {r.title for r in user_page.conversations} == {"TutorHub support", pair.tutor.full_name}
    # A student cannot open support conversations.
    user_tab = new_browser()
    student_page = _messages_page(user_tab, pair.student.email)
    user_tab.run(student_page.open_support({"email": pair.tutor.email}))
    assert student_page.support_error == "You do not have access to this."


def test_the_lesson_page_embeds_the_pairs_conversation_for_its_parties_only(new_browser, db, make_user,
                                                                            make_approved_tutor):
    world = make_world(db, make_user, make_approved_tutor)
    lesson = world.book(day_ahead(2))

    def lesson_chat(email):
        tab = new_browser()
        tab.login(email)
        tab.goto(f"/lessons/{lesson.id}", route="/lessons/[booking_id]")
        state = tab.state(LessonChatState)
        events = tab.run(state.load())
        return tab, state, events

    tab, student, events = lesson_chat(world.student.email)
    assert student.thread_status == "ready" and student.thread_title == world.tutor.full_name
    assert "watch_chat" in chained(events)
    tab.run(student.send_message({"body": "Joining in 5"}))
    _, tutor, _ = lesson_chat(world.tutor.email)
    assert [m.body for m in tutor.messages] == ["Joining in 5"]
    for email in (world.other_student.email, world.other_tutor.email, world.admin.email):
        _, stranger, events = lesson_chat(email)
        assert stranger.thread_status == "none" and stranger.messages == [] and chained(events) == []


def test_message_tutor_shows_for_a_student_with_a_conversation_only(new_browser, db, make_user, make_approved_tutor):
    world = make_world(db, make_user, make_approved_tutor)
    world.book(day_ahead(2))

    def link(email=None):
        tab = new_browser()
        if email:
            tab.login(email)
        tab.goto(f"/tutors/{world.tutor_id}", route="/tutors/[tutor_id]")
        state = tab.state(TutorChatLinkState)
        tab.run(state.load())
        return state.chat_with_tutor

    assert link(world.student.email) > 0
    assert link(world.other_student.email) == 0 and link(world.tutor.email) == 0 and link() == 0


def test_the_badge_is_zero_and_unwatched_for_anonymous_visitors(browser):
    badge = browser.state(ChatBadgeState)
    assert browser.run(badge.load_badge()) == [] and badge.chat_unread == 0


def test_live_refresh_after_a_long_burst_restarts_from_the_newest_page(browser, db, pair):
    chat_messages.send_message(db, actor=pair.tutor, conversation_id=pair.conversation_id, body="first")
    db.commit()
    page = _messages_page(browser, pair.student.email, f"?c={pair.conversation_id}")
    assert _bodies(page) == ["first"]
    for i in range(38):  # more than a page arrives before the tab refreshes (two senders: under the limit)
        chat_messages.send_message(db, actor=pair.tutor if i % 2 else pair.student, conversation_id=pair.conversation_id,
                          body=f"n{i}")
        db.commit()
    browser.run(page._on_live())
    assert _bodies(page) == [f"n{i}" for i in range(8, 38)] and page.next_before > 0  # no gap, older on demand
    browser.run(page.load_earlier())
    assert _bodies(page) == ["first"] + [f"n{i}" for i in range(38)] and page.next_before == 0
