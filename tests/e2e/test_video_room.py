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

import math
import re
import struct
import time
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import APP_ENV, CHROMIUM, CHROMIUM_ARGS, DESKTOP, JANUS_PORTS, PHONE
from tests.e2e.live_support import bearer
from tests.e2e.test_scheduling import _login
from tests.e2e.video_support import (
    FRAMES_JS,
    LOCAL_MEDIA_JS,
    MIC_JS,
    PREVIEW_DEVICE_JS,
    SESSION_JS,
    app_db,
    approved_tutor,
    class_session,
    lesson,
    user,
)
from tests.support.janus import janus_server

pytestmark = pytest.mark.e2e

# Two fake cameras and microphones (for the device picker); the fake UI also grants screen capture (getDisplayMedia).
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream=device-count=2",
              "--autoplay-policy=no-user-gesture-required"]
FRAMES_TIMEOUT = 90


def _voice(path: Path, seconds: int = 6, rate: int = 48000) -> Path:
    """A voice-like sound (a gliding pitch with harmonics, syllable-like loudness) for the fake
    microphone: Chromium's default fake audio is a short beep twice a second, too quiet on average
    for Janus to call anyone "talking"."""
    phase, samples = 0.0, bytearray()
    for i in range(seconds * rate):
        t = i / rate
        phase += 2 * math.pi * (150 + 40 * math.sin(2 * math.pi * 0.7 * t)) / rate
        loud = 0.35 + 0.25 * math.sin(2 * math.pi * 3.5 * t)
        value = loud * sum(math.sin(k * phase) / k for k in range(1, 6)) / 1.6
        samples += struct.pack("<h", int(max(-1.0, min(1.0, value)) * 32000))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))
    return path


@pytest.fixture(scope="module")
def media_args(tmp_path_factory) -> list[str]:
    sound = _voice(tmp_path_factory.mktemp("voice") / "voice.wav")
    return MEDIA_ARGS + [f"--use-file-for-fake-audio-capture={sound}"]


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
def chromiums(playwright_driver, media_args):
    """chromiums(n) -> n separate Chromium processes with fake media devices."""
    launched = []

    def _launch(n: int):
        for _ in range(n):
            launched.append(playwright_driver.chromium.launch(executable_path=str(CHROMIUM),
                                                              args=CHROMIUM_ARGS + media_args))
        return launched[-n:]

    yield _launch
    for browser in launched:
        browser.close()


def _join(browser, app_url: str, email: str, path: str, viewport=DESKTOP, *, in_app: bool = False,
          pick_devices: bool = False):
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
    if pick_devices:  # the device picker: the preview follows the chosen camera, then microphone
        # (Chromium's second fake camera is a depth-format one whose video the other side did not
        # decode in our runs: the call goes out from camera 0, chosen again)
        for kind, select, index in (("video", "#vr-camera", 1), ("video", "#vr-camera", 0), ("audio", "#vr-mic", 1)):
            chosen = page.locator(f"{select} option").nth(index).get_attribute("value")
            page.locator(select).select_option(index=index)
            page.wait_for_function(PREVIEW_DEVICE_JS, arg=[kind, chosen], timeout=30_000)
    # The pre-join preview shows the camera.
    page.wait_for_function("() => document.querySelector('#video-room video.vr-preview').videoWidth > 0",
                           timeout=30_000)
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

    tutor_page = _join(tutor_browser, app_url, "video-tutor@example.com", f"/lessons/{bid}", pick_devices=True)
    student_page = _join(student_browser, app_url, "video-student@example.com", f"/lessons/{bid}", viewport=PHONE,
                         in_app=True)
    frames = _wait_for_frames([tutor_page, student_page], others=1)
    assert all(f[0] > 0 for f in frames), frames
    expect(tutor_page.locator("#vr-people li")).to_have_count(2)
    expect(tutor_page.locator("#vr-people")).to_contain_text("Vera")

    # The phone: the front camera, portrait layout at 390x844 — nothing wider than the screen, the two
    # tiles side by side, the chat and the shared notes under the call; on the desktop beside it.
    assert student_page.evaluate(LOCAL_MEDIA_JS)["facingMode"] == "user"
    assert student_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tiles = [student_page.locator("#vr-grid .vr-tile").nth(i).bounding_box() for i in range(2)]
    assert abs(tiles[0]["y"] - tiles[1]["y"]) < 1, tiles
    assert all(t["x"] >= 0 and t["x"] + t["width"] <= PHONE["width"] for t in tiles), tiles
    for page, beside in ((student_page, False), (tutor_page, True)):
        call = page.locator("#lesson-room").bounding_box()
        for other in ("#lesson-chat", "#lesson-notes"):
            box = page.locator(other).bounding_box()
            assert box is not None, other
            if beside:
                assert box["x"] >= call["x"] + call["width"], (other, box, call)
            else:
                assert box["y"] >= call["y"] + call["height"], (other, box, call)

    # Who is speaking: both microphones play a voice; muting the student silences them for the tutor.
    vera_speaking = tutor_page.locator("#vr-people li.speaking", has_text="Vera")
    expect(vera_speaking).to_have_count(1, timeout=45_000)
    student_page.locator("#vr-mute").click()
    expect(student_page.locator("#vr-mute")).to_have_attribute("aria-pressed", "true")
    assert student_page.evaluate(LOCAL_MEDIA_JS)["audioMuted"] is True
    expect(vera_speaking).to_have_count(0, timeout=45_000)
    student_page.locator("#vr-mute").click()
    expect(vera_speaking).to_have_count(1, timeout=45_000)

    # Camera off and on: the track the tutor sends is disabled (black frames), then live again.
    tutor_page.locator("#vr-cam").click()
    expect(tutor_page.locator("#vr-cam")).to_have_attribute("aria-pressed", "true")
    sent = tutor_page.evaluate(LOCAL_MEDIA_JS)
    assert sent["videoMuted"] is True and sent["sending"]["enabled"] is False, sent
    tutor_page.locator("#vr-cam").click()
    assert tutor_page.evaluate(LOCAL_MEDIA_JS)["sending"]["enabled"] is True

    # Screen sharing replaces the camera in what the tutor sends; the student keeps decoding video.
    camera_label = tutor_page.evaluate(LOCAL_MEDIA_JS)["sending"]["label"]
    assert camera_label == "fake_device_0"  # the camera picked before joining is the one in the call
    assert tutor_page.evaluate(MIC_JS) == tutor_page.locator("#vr-mic option").nth(1).get_attribute("value")  # mic too
    tutor_page.locator("#vr-share").click()
    expect(tutor_page.locator("#vr-share")).to_have_attribute("aria-pressed", "true")
    tutor_page.wait_for_function(
        "() => window.TutorRoom.instances.at(-1).peerConnections()[0].getSenders()"
        ".some((s) => s.track && s.track.kind === 'video' && s.track.label.startsWith('screen'))", timeout=30_000)
    before = student_page.evaluate(FRAMES_JS)[0]
    deadline = time.monotonic() + 30
    while student_page.evaluate(FRAMES_JS)[0] <= before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert student_page.evaluate(FRAMES_JS)[0] > before
    tutor_page.locator("#vr-share").click()
    expect(tutor_page.locator("#vr-share")).to_have_attribute("aria-pressed", "false")
    assert tutor_page.evaluate(LOCAL_MEDIA_JS)["sending"]["label"] == camera_label

    # The attendance the pages reported (the tutor's view of it).
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


def test_both_pages_reconnect_when_the_sfu_goes_away_and_comes_back(app_url, janus, chromiums):
    """The connection to the SFU is lost (Janus restarted: every session, room and token gone): each
    page notices, has the app provision the room again and rejoins; video flows again, and the
    attendance keeps one stay per person (a reconnect is not a new join)."""
    db = app_db()
    _, tutor_id = approved_tutor(db, "reconnect-tutor@example.com")
    student = user(db, "reconnect-student@example.com", "Rita Reconnect")
    bid = lesson(db, student, tutor_id)
    pages = [_join(browser, app_url, email, f"/lessons/{bid}") for browser, email in
             zip(chromiums(2), ("reconnect-tutor@example.com", "reconnect-student@example.com"), strict=True)]
    _wait_for_frames(pages, others=1)
    sessions = [page.evaluate(SESSION_JS) for page in pages]
    assert all(sessions), sessions

    janus.restart()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        now = [page.evaluate(SESSION_JS) for page in pages]
        if all(n and n != old for n, old in zip(now, sessions, strict=True)):
            break
        time.sleep(1)
    assert all(n and n != old for n, old in zip(now, sessions, strict=True)), (sessions, now)
    for page in pages:
        expect(page.locator("#video-room .vr-status")).to_contain_text("You are in the room", timeout=60_000)
    _wait_for_frames(pages, others=1)
    request = pages[0].context.request
    attendance = request.get(f"/api/v1/bookings/{bid}/attendance",
                             headers=bearer(request, "reconnect-tutor@example.com")).json()
    assert {a["role"]: len(a["stays"]) for a in attendance} == {"student": 1, "tutor": 1}, attendance


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
