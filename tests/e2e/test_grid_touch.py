"""The weekly times grid on a phone with a finger: a student at 390×844 (touch emulated) slides a
finger across the half-hour buttons to mark an evening in one gesture, slides again from a set
time to take part of it back, taps one more time, does the same on another day and saves; what the
API then returns is exactly what was painted. Each drag reaches the server as one `paint_cells`
event, and the page does not scroll under the finger."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import CDPSession, Page, expect

from tests.e2e.conftest import PHONE, shot

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-123"


def _center(page: Page, name: str) -> tuple[float, float]:
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    assert box is not None, name
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _finger_drag(page: Page, cdp: CDPSession, start: str, end: str, steps: int = 12) -> None:
    """A real touch sequence (Chromium turns it into touch pointer events) from one button to another."""
    (x0, y0), (x1, y1) = _center(page, start), _center(page, end)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, steps + 1):
        point = {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _pressed(page: Page, day: str, labels: list[str], value: str) -> None:
    for label in labels:
        expect(page.get_by_role("button", name=f"{day} {label}", exact=True)).to_have_attribute("aria-pressed", value)


def test_a_finger_paints_and_erases_times_on_a_phone(new_context):
    setup = new_context(PHONE)
    registered = setup.request.post(
        "/api/v1/auth/register",
        data={
            "email": "finger@example.com",
            "password": PASSWORD,
            "full_name": "Fay Finger",
            "role": "student",
            "timezone": "Europe/Lisbon",
        },
    )
    assert registered.status == 201, registered.text()
    token = {"Authorization": f"Bearer {registered.json()['access_token']}"}

    context = new_context(PHONE, has_touch=True)
    page = context.new_page()
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    page.goto("/login")
    page.fill("#field-email", "finger@example.com")
    page.fill("#field-password", PASSWORD)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/student/times")
    chips = page.locator("#day-chips")
    expect(chips).to_be_visible()
    assert chips.evaluate("el => getComputedStyle(el).touchAction") == "none"
    page.get_by_role("button", name="Monday 17:00", exact=True).scroll_into_view_if_needed()
    cdp = context.new_cdp_session(page)
    scrolled = page.evaluate("window.scrollY")
    sent.clear()

    # One slide from 17:00 to 19:30 marks Monday 17:00–20:00 (across two rows of buttons).
    _finger_drag(page, cdp, "Monday 17:00", "Monday 19:30")
    _pressed(page, "Monday", ["17:00", "17:30", "18:00", "18:30", "19:00", "19:30"], "true")
    _pressed(page, "Monday", ["16:30", "20:00"], "false")
    expect(page.locator("#grid-summary")).to_contain_text("17:00–20:00")
    events = [frame for frame in sent if "paint_cells" in frame or "toggle_cell" in frame]
    assert len(events) == 1 and "paint_cells" in events[0], events
    assert page.evaluate("window.scrollY") == scrolled  # the finger painted, it did not scroll

    # Sliding from a marked time takes the run back; a tap toggles one time.
    _finger_drag(page, cdp, "Monday 19:30", "Monday 19:00")
    _pressed(page, "Monday", ["19:00", "19:30"], "false")
    _pressed(page, "Monday", ["18:30"], "true")
    # A person lifts the finger and taps again a moment later. Headless Chromium's gesture recognizer
    # makes no click at all from a tap that lands within a few hundred ms of a touch drag's end.
    page.wait_for_timeout(800)
    page.get_by_role("button", name="Monday 21:00", exact=True).tap()
    _pressed(page, "Monday", ["21:00"], "true")

    # Another day, dragged backwards (the end before the start).
    page.get_by_role("button", name="Wednesday", exact=True).tap()
    expect(page.get_by_role("button", name="Wednesday", exact=True)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Wednesday 10:30", exact=True).scroll_into_view_if_needed()
    _finger_drag(page, cdp, "Wednesday 10:30", "Wednesday 09:00")
    _pressed(page, "Wednesday", ["09:00", "09:30", "10:00", "10:30"], "true")
    expect(page.locator("#grid-summary")).to_contain_text("09:00–11:00")
    shot(page, "student-times-touch")

    page.get_by_role("button", name="Save my times").tap()
    expect(page.get_by_text("Preferred times saved")).to_be_visible()
    saved = setup.request.get("/api/v1/students/me/windows", headers=token)
    assert saved.ok, saved.text()
    windows = [(w["weekday"], w["start"], w["end"]) for w in saved.json()["windows"]]
    assert windows == [(0, "17:00", "19:00"), (0, "21:00", "21:30"), (2, "09:00", "11:00")], json.dumps(saved.json())
    page.reload()
    expect(page.locator("#grid-summary")).to_contain_text("17:00–19:00, 21:00–21:30")
    page.get_by_role("button", name="Monday", exact=True).tap()
    _pressed(page, "Monday", ["17:00", "18:30", "21:00"], "true")
    _pressed(page, "Monday", ["19:00", "20:30"], "false")
