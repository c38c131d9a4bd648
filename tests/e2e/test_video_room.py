"""Video rooms with real WebRTC (issue 19): headless Chromiums with fake camera and microphone join a
lesson's room through the real Janus and each receives the other's video (RTCPeerConnection.getStats():
inbound video with framesDecoded > 0 from every other participant); a class session's room with four
participants; strangers and out-of-window callers are refused at the API; with Janus stopped the room
falls back to the meeting link and says so.

Janus is started here on the ports the app was told (tests/e2e/conftest.py JANUS_PORTS), with the
config the app writes and the secrets derived from the app's key. Every participant is its own
Chromium process. Lessons start two minutes after the real clock (the join window opens 10 minutes
before), so the test does not depend on the hour."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import APP_ENV, CHROMIUM, CHROMIUM_ARGS, DESKTOP, JANUS_PORTS, PHONE
from tests.e2e.live_support import bearer
from tests.e2e.test_scheduling import _login
from tests.e2e.video_support import FRAMES_JS, app_db, approved_tutor, class_session, lesson, user
from tests.support.janus import janus_server

pytestmark = pytest.mark.e2e

MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]
FRAMES_TIMEOUT = 90


@pytest.fixture(scope="module")
def janus(app_url):
    with janus_server({"TUTORHUB_SECRET_KEY": APP_ENV["TUTORHUB_SECRET_KEY"]},
                      http_port=JANUS_PORTS["http"], admin_port=JANUS_PORTS["admin"]) as running:
        yield running


@pytest.fixture(scope="module")
def playwright_driver(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def chromiums(playwright_driver):
    """chromiums(n) -> n separate Chromium processes with fake media devices."""
    launched = []

    def _launch(n: int):
        for _ in range(n):
            launched.append(playwright_driver.chromium.launch(executable_path=str(CHROMIUM),
                                                              args=CHROMIUM_ARGS + MEDIA_ARGS))
        return launched[-n:]

    yield _launch
    for browser in launched:
        browser.close()


def _join(browser, app_url: str, email: str, path: str, viewport=DESKTOP, *, in_app: bool = False):
    context = browser.new_context(base_url=app_url, viewport=viewport, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    _login(page, email)
    if in_app:  # from the lessons list inside the app: that document's Permissions-Policy has no camera
        page.goto("/lessons")
        page.locator(f'a[href="{path}"]').first.click()
        page.wait_for_url(f"**{path}")
    else:
        page.goto(path)  # a full load: the room page's Permissions-Policy allows the camera
    page.locator("#open-room").click()
    # Slow on a loaded machine (several Chromiums encoding and decoding on two cores): generous waits.
    expect(page.locator("#video-room .vr-status")).to_contain_text("Check your camera", timeout=60_000)
    expect(page.locator("#vr-camera option").first).to_be_attached(timeout=30_000)
    page.locator("#vr-join").click()
    expect(page.locator("#video-room .vr-status")).to_contain_text("You are in the room", timeout=60_000)
    return page


def _wait_for_frames(pages, others: int) -> list[list[int]]:
    deadline = time.monotonic() + FRAMES_TIMEOUT
    seen: list[list[int]] = []
    while time.monotonic() < deadline:
        seen = [page.evaluate(FRAMES_JS) for page in pages]
        if all(len(f) == others and all(n > 0 for n in f) for f in seen):
            return seen
        time.sleep(1)
    raise AssertionError(f"not every participant decoded every other's video: {seen}")


def test_two_chromiums_see_each_other_in_a_lesson(app_url, janus, chromiums):
    db = app_db()
    tutor, tutor_id = approved_tutor(db, "video-tutor@example.com")
    student = user(db, "video-student@example.com", "Vera Video")
    bid = lesson(db, student, tutor_id)
    tutor_browser, student_browser = chromiums(2)

    tutor_page = _join(tutor_browser, app_url, "video-tutor@example.com", f"/lessons/{bid}")
    student_page = _join(student_browser, app_url, "video-student@example.com", f"/lessons/{bid}", viewport=PHONE,
                         in_app=True)
    frames = _wait_for_frames([tutor_page, student_page], others=1)
    assert all(f[0] > 0 for f in frames), frames
    expect(tutor_page.locator("#vr-people li")).to_have_count(2)
    expect(tutor_page.locator("#vr-people")).to_contain_text("Vera")

    # Mute and camera toggles, then the attendance the page reported (the tutor's view of it).
    tutor_page.locator("#vr-mute").click()
    expect(tutor_page.locator("#vr-mute")).to_have_attribute("aria-pressed", "true")
    tutor_page.locator("#vr-cam").click()
    expect(tutor_page.locator("#vr-cam")).to_have_attribute("aria-pressed", "true")
    request = tutor_page.context.request
    headers = bearer(request, "video-tutor@example.com")
    attendance = request.get(f"/api/v1/bookings/{bid}/attendance", headers=headers).json()
    assert {a["role"]: len(a["stays"]) for a in attendance} == {"student": 1, "tutor": 1}
    student_page.locator("#vr-leave").click()
    expect(student_page.locator("#vr-join")).to_be_enabled()
    expect(tutor_page.locator("#vr-people li")).to_have_count(1)
    deadline = time.monotonic() + 15  # the page reports leaving in the background
    while time.monotonic() < deadline:
        left = request.get(f"/api/v1/bookings/{bid}/attendance", headers=headers).json()
        closed = [a["stays"][0]["left_at"] is not None for a in left if a["role"] == "student"]
        if closed == [True]:
            break
        time.sleep(0.5)
    assert closed == [True], left


def test_strangers_and_out_of_window_callers_cannot_join(app_url, janus, playwright_driver):
    db = app_db()
    _, tutor_id = approved_tutor(db, "window-tutor@example.com")
    student = user(db, "window-student@example.com", "Wanda Window")
    user(db, "window-stranger@example.com", "Stan Stranger")
    now_id = lesson(db, student, tutor_id)
    later_id = lesson(db, student, tutor_id, start=datetime.now(UTC) + timedelta(days=2))
    request = playwright_driver.request.new_context(base_url=app_url)
    stranger = bearer(request, "window-stranger@example.com")
    pupil = bearer(request, "window-student@example.com")
    assert request.get(f"/api/v1/bookings/{now_id}/room", headers=stranger).status == 404
    assert request.get(f"/api/v1/bookings/{now_id}/room").status == 401
    early = request.get(f"/api/v1/bookings/{later_id}/room", headers=pupil)
    assert early.status == 409 and {"opens_at", "closes_at"} <= set(early.json())
    ok = request.get(f"/api/v1/bookings/{now_id}/room", headers=pupil).json()
    assert ok["provider"] == "sfu" and ok["url"] == janus.client_url and ok["token"]
    request.dispose()


@pytest.mark.slow  # four Chromiums on one SFU: `make test-slow`
def test_a_group_of_four_in_a_class_session(app_url, janus, chromiums):
    db = app_db()
    _, tutor_id = approved_tutor(db, "group-tutor@example.com")
    students = [user(db, f"group-student{i}@example.com", f"Gina{i} Group") for i in range(3)]
    class_id, session_id = class_session(db, tutor_id, students)
    path = f"/classes/{class_id}/sessions/{session_id}/room"
    emails = ["group-tutor@example.com"] + [f"group-student{i}@example.com" for i in range(3)]
    pages = [_join(browser, app_url, email, path) for browser, email in zip(chromiums(4), emails, strict=True)]
    _wait_for_frames(pages, others=3)
    expect(pages[0].locator("#vr-people li")).to_have_count(4)


def test_with_janus_stopped_the_room_falls_back_to_the_meeting_link(app_url, janus, chromiums):
    db = app_db()
    _, tutor_id = approved_tutor(db, "fallback-tutor@example.com")
    student = user(db, "fallback-student@example.com", "Fay Fallback")
    bid = lesson(db, student, tutor_id)
    janus.stop()
    [browser] = chromiums(1)
    context = browser.new_context(base_url=app_url, viewport=DESKTOP)
    page = context.new_page()
    deadline = time.monotonic() + 20
    while page.request.get("/health").json().get("sfu") != "unreachable" and time.monotonic() < deadline:
        time.sleep(1)
    _login(page, "fallback-student@example.com")
    page.goto(f"/lessons/{bid}")
    page.locator("#open-room").click()
    expect(page.locator("#room-fallback")).to_contain_text("not available")
    expect(page.locator("#meeting-link")).to_have_attribute("href", re.compile(r"^https://meet\.jit\.si/"))
