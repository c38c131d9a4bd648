"""The /messages page on a live hint: new messages show once and in order, the open thread is
marked read, and the conversation list stays exactly what re-reading it gives — kept from the
shown messages when the hints concern the open thread only, re-read otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.chat import make_pair
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.state.messaging.messages import ChatState


@pytest.fixture
def pair(db, make_user):
    return make_pair(db, make_user)


def _page(browser, email: str, query: str = "") -> ChatState:
    browser.login(email)
    browser.goto("/messages" + query)
    browser.run(browser.app.load_viewer())
    page = browser.state(ChatState)
    browser.run(page.load())
    return page


def _send(db, actor, cid, body, at=None):
    out = chat_messages.send_message(db, actor=actor, conversation_id=cid, body=body, now=at)
    db.commit()
    return out


def _hint(cid: int, kind: str = "message") -> list[tuple[str, dict]]:
    return [("user:1", {"type": kind, "conversation_id": cid})]


def _live(browser, page, batch) -> None:
    """What the watcher does with a batch: pull the new messages, then the bookkeeping."""
    browser.run(page._pull_new())
    browser.run(page._after_live(batch))


def _reread(browser, page) -> list:
    kept = list(page.conversations)
    browser.run(page._reload_list())
    return kept


def test_a_message_arriving_in_the_open_thread_shows_once_in_order_and_the_row_stays_exact(
        browser, db, make_user, pair):
    other = make_pair(db, make_user, student=pair.student)
    _send(db, other.tutor, other.conversation_id, "older, elsewhere", NOW - timedelta(hours=1))
    _send(db, pair.tutor, pair.conversation_id, "first", NOW)
    page = _page(browser, pair.student.email, f"?c={pair.conversation_id}")
    assert [m.body for m in page.messages] == ["first"]
    assert [c.id for c in page.conversations] == [pair.conversation_id, other.conversation_id]
    for i, body in enumerate(["second", "third " + "x" * 100]):
        sent = _send(db, pair.tutor, pair.conversation_id, body, NOW + timedelta(minutes=i + 1))
        _live(browser, page, _hint(pair.conversation_id))
        _live(browser, page, _hint(pair.conversation_id))  # the same hint twice: nothing shows twice
        assert page._read_upto == sent.id and page._row_upto == sent.id  # kept from the shown message
        assert _reread(browser, page) == page.conversations  # identical to what a re-read gives
    assert [m.body for m in page.messages] == ["first", "second", "third " + "x" * 100]
    assert [m.id for m in page.messages] == sorted(m.id for m in page.messages)
    row = page.conversations[0]
    assert row.unread == 0 and row.preview.startswith("third x") and row.preview.endswith("…")
    # Read receipts: the marker is where the page is; only the other conversation is unread.
    assert chat_conversations.unread_counts(db, pair.student) == {other.conversation_id: 1}


def test_a_hint_about_another_conversation_re_reads_the_list(browser, db, make_user, pair):
    other = make_pair(db, make_user, student=pair.student)
    _send(db, pair.tutor, pair.conversation_id, "open one", NOW)
    page = _page(browser, pair.student.email, f"?c={pair.conversation_id}")
    _send(db, other.tutor, other.conversation_id, "from elsewhere", NOW + timedelta(minutes=1))
    _live(browser, page, _hint(other.conversation_id))
    assert [(c.id, c.unread, c.preview) for c in page.conversations] == [
        (other.conversation_id, 1, "from elsewhere"), (pair.conversation_id, 0, "open one")]
    assert [m.body for m in page.messages] == ["open one"]  # the open thread did not take it
    # Now a message in the open thread while its row is not on top: re-read too (the order moves).
    _send(db, pair.tutor, pair.conversation_id, "back on top", NOW + timedelta(minutes=2))
    _live(browser, page, _hint(pair.conversation_id))
    assert [(c.id, c.unread) for c in page.conversations] == [(pair.conversation_id, 0), (other.conversation_id, 1)]
    assert _reread(browser, page) == page.conversations


def test_a_read_made_in_another_tab_and_a_resync_re_read_the_list(browser, new_browser, db, make_user, pair):
    other = make_pair(db, make_user, student=pair.student)
    _send(db, other.tutor, other.conversation_id, "unread elsewhere", NOW - timedelta(minutes=1))
    _send(db, pair.tutor, pair.conversation_id, "open one", NOW)
    page = _page(browser, pair.student.email, f"?c={pair.conversation_id}")
    assert [c.unread for c in page.conversations] == [0, 1]
    chat_messages.mark_read(db, actor=pair.student, conversation_id=other.conversation_id)  # the other tab
    db.commit()
    _live(browser, page, _hint(other.conversation_id, "read"))
    assert [c.unread for c in page.conversations] == [0, 0]
    _send(db, other.tutor, other.conversation_id, "while away", NOW + timedelta(minutes=1))
    _live(browser, page, [("", {"type": "resync"})])
    assert [(c.id, c.unread) for c in page.conversations] == [(other.conversation_id, 1), (pair.conversation_id, 0)]


def test_a_thread_that_went_away_is_not_marked_and_the_list_is_re_read(browser, db, pair):
    _send(db, pair.tutor, pair.conversation_id, "hello", NOW)
    page = _page(browser, pair.student.email, f"?c={pair.conversation_id}")
    _send(db, pair.tutor, pair.conversation_id, "and bye", NOW + timedelta(minutes=1))
    browser.run(page._pull_new())
    chat_conversations.remove_member(db, pair.conversation_id, pair.student.id)
    db.commit()
    browser.run(page._after_live(_hint(pair.conversation_id)))
    assert page.conversations == []  # re-read: no longer theirs
