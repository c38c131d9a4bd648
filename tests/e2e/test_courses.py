"""Video courses in a real browser: a tutor creates a course, adds two chapters and uploads a small WebM
to each through the page's uploader (parts PUT to the app, live progress), publishes; a student pays on
the sandbox checkout, plays the paid chapter (Range requests answered 206), seeks, watches to the end and
sees the course progress move. The video is a real WebM recorded by Chromium's MediaRecorder
(tutorhub/demo/assets/demo_chapter.webm)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import student
from tests.e2e.test_scheduling import _approved_tutor_via_api, _login

pytestmark = pytest.mark.e2e

WEBM = Path(__file__).resolve().parents[2] / "tutorhub" / "demo" / "assets" / "demo_chapter.webm"


def test_tutor_builds_and_student_buys_and_watches(new_context):
    setup = new_context(DESKTOP)
    _approved_tutor_via_api(setup.request, "course-tutor@example.com")
    student(setup.request, "course-student@example.com", "Cora Course")

    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(tutor, "course-tutor@example.com")
    tutor.goto("/courses")
    tutor.fill("#new-course-title", "Organic chemistry in videos")
    tutor.fill("#new-course-subject", "chemistry")
    tutor.fill("#new-course-price", "9.90")
    tutor.locator("#create-course").click()
    tutor.wait_for_url(re.compile(r".*/teach/courses/\d+$"))
    course_id = int(tutor.url.rsplit("/", 1)[1])

    for title, preview in (("Welcome", True), ("Reactions", False)):
        tutor.fill("#chapter-title", title)
        tutor.fill("#field-notes_md", f"## {title}\n\n**Key idea** and <script>alert(1)</script>")
        if preview:
            tutor.get_by_text("Free preview (anyone signed in can watch it)").click()
        tutor.locator("#add-chapter").click()
        expect(tutor.locator(".builder-chapter").filter(has_text=title)).to_be_visible()
    expect(tutor.locator(".builder-chapter")).to_have_count(2)
    for i in range(2):
        card = tutor.locator(".builder-chapter").nth(i)
        card.locator("input[type=file]").set_input_files(str(WEBM))
        card.get_by_role("button", name="Upload").click()
        expect(card.get_by_text("Uploaded: the video is ready.")).to_be_visible(timeout=30_000)
        expect(card.get_by_text("Video ready")).to_be_visible()
    # Desktop drag and drop: the second chapter dropped on the first goes first; and back.
    cards = tutor.locator(".builder-chapter")
    cards.nth(1).drag_to(cards.nth(0))
    expect(cards.nth(0)).to_contain_text("1. Reactions")
    cards.nth(1).drag_to(cards.nth(0))
    expect(cards.nth(0)).to_contain_text("1. Welcome")
    shot(tutor, "courses-builder")
    tutor.locator("#publish-course").click()
    expect(tutor.get_by_text("PUBLISHED", exact=False).first).to_be_visible()

    # On a phone the builder fits the screen and the move buttons reorder chapters (no dragging there).
    tutor_phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(tutor_phone, "course-tutor@example.com")
    tutor_phone.goto(f"/teach/courses/{course_id}")
    phone_cards = tutor_phone.locator(".builder-chapter")
    expect(phone_cards.nth(0)).to_contain_text("1. Welcome")
    tutor_phone.get_by_role("button", name="Move 2. Reactions up").click()
    expect(phone_cards.nth(0)).to_contain_text("1. Reactions")
    tutor_phone.get_by_role("button", name="Move 1. Reactions down").click()
    expect(phone_cards.nth(0)).to_contain_text("1. Welcome")
    assert tutor_phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(tutor_phone, "courses-builder-phone")

    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    ranged: list[int] = []
    phone.on("response", lambda r: ranged.append(r.status) if "/api/v1/course-videos/" in r.url else None)
    _login(phone, "course-student@example.com")
    phone.goto("/tutors")  # search has a tab for video courses
    phone.locator("#search-tab-courses").click()
    phone.wait_for_url(re.compile(r".*/courses$"))
    expect(phone.locator("#search-tab-courses")).to_have_attribute("aria-current", "page")
    phone.locator(".course-card").filter(has_text="Organic chemistry").click()
    phone.wait_for_url(re.compile(rf".*/courses/{course_id}$"))
    expect(phone.locator("#course-video")).to_be_visible()  # the free preview plays before buying
    expect(phone.locator(".chapter-notes")).to_contain_text("<script>alert(1)</script>")  # shown as text
    phone.locator("#enrol-course").click()
    phone.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    phone.get_by_role("button", name="Pay", exact=True).click()
    phone.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))

    phone.goto(f"/courses/{course_id}")
    expect(phone.locator("#course-progress")).to_have_text("0 % of chapters completed")
    phone.get_by_role("button", name="Play 2. Reactions").click()
    video = phone.locator("#course-video")
    expect(video).to_have_attribute("src", re.compile(r"/api/v1/course-videos/\d+\?expires=\d+&sig=[0-9a-f]{64}"))
    seeked = video.evaluate("""async (v) => {
        v.muted = true;
        if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}));
        await new Promise(r => setTimeout(r, 500));  // the page script learns the duration first
        v.currentTime = 2;
        await new Promise(r => v.addEventListener('seeked', r, {once: true}));
        return v.currentTime;
    }""")
    assert seeked >= 1.9
    video.evaluate("""async (v) => {
        const ended = new Promise(r => v.addEventListener('ended', r, {once: true}));
        await v.play();
        await ended;
    }""")
    expect(phone.locator("#course-progress")).to_have_text("50 % of chapters completed", timeout=15_000)
    assert 206 in ranged, ranged

    # Stopping the first chapter part-way saves the position (not completed); the player resumes from it.
    phone.get_by_role("button", name="Play 1. Welcome").click()
    expect(phone.get_by_role("heading", name="1. Welcome")).to_be_visible()
    with phone.expect_response(lambda r: "/progress" in r.url and r.request.method == "POST") as saved:
        video.evaluate("""async (v) => {
            v.muted = true;
            if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}));
            await new Promise(r => setTimeout(r, 800));  // the page script learns the duration first
            v.currentTime = 1.5;
            await new Promise(r => v.addEventListener('seeked', r, {once: true}));
            await v.play();
            v.pause();
        }""")
    assert saved.value.status == 200 and saved.value.json()["completed"] is False
    assert saved.value.json()["position_s"] >= 1.4, saved.value.json()
    # A fresh load of the page opens the first chapter where the student left off.
    phone.reload()
    expect(phone.get_by_role("heading", name="1. Welcome")).to_be_visible()
    phone.wait_for_function("""() => { const v = document.getElementById('course-video');
        return v && v.dataset.watching && v.readyState >= 1 && Math.abs(v.currentTime - 1.5) < 0.3; }""",
                            timeout=15_000)
    shot(phone, "courses-player")
