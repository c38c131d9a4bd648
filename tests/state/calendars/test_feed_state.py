"""The account page's calendar feed card: the link appears only when asked for, is the owner's
own, and "Replace link" revokes the previous one; anonymous callers are sent to log in."""

from __future__ import annotations

import pytest

from tests.state.conftest import count, redirects, toasts
from tutorhub.db import session_scope
from tutorhub.models import CalendarFeed
from tutorhub.services.calendars import feeds
from tutorhub.services.errors import NotFound
from tutorhub.state.calendars.feed import CalendarFeedState


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_the_link_is_shown_copied_and_replaced(browser, make_user):
    user = make_user("student", email="feed-owner@example.com")
    browser.login(user.email)
    browser.goto("/account")
    page = browser.state(CalendarFeedState)
    assert page.feed_url == "" and page.feed_status == "hidden"  # nothing reaches the browser unasked
    browser.run(page.show_feed())
    assert page.feed_status == "shown" and page.feed_url.endswith(".ics")
    first = page.feed_url
    with session_scope(read_only=True) as session:
        assert feeds.render_feed(session, token=_token(first)).startswith(b"BEGIN:VCALENDAR")
    events = browser.run(page.regenerate_feed())
    assert page.feed_url != first and toasts(events, "success")
    with session_scope(read_only=True) as session, pytest.raises(NotFound):
        feeds.render_feed(session, token=_token(first))
    page.hide_feed()
    assert page.feed_url == "" and page.feed_status == "hidden"


def test_called_by_a_stranger_nothing_is_created_and_login_is_asked(browser):
    browser.goto("/account")
    page = browser.state(CalendarFeedState)
    for handler in (page.show_feed, page.regenerate_feed):
        events = browser.run(handler())
        assert redirects(events) and redirects(events)[0].startswith("/login")
        assert page.feed_url == "" and page.feed_status == "hidden"
    assert count(CalendarFeed) == 0
