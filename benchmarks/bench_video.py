"""Video rooms on Janus (issue 19): the SFU's CPU and memory with 2, 4 (and 8) participants at 360p,
and the time from "Join" to the first remote frame (p50/p95 over 10 joins).

Run: `.venv/bin/python benchmarks/bench_video.py [sizes] [joins]` (defaults "2,4" and 10; e.g. "2,4,8";
joins 0 skips the join timing).
Needs `janus`, `libjs-janus-gateway`, `libjs-webrtc-adapter` (make janus) and Chromium.

What runs: a private Janus with the config the app writes (integrations/janus_config.py, random
secrets), one room provisioned through the app's adapter (integrations/janus.py) with a join token
per participant, and a small page serving the app's own client (assets/js/room.js with Debian's
janus.js). Every participant is a separate headless Chromium with a fake camera and microphone
(640x360 requested, VP8, everyone publishes and subscribes to everyone: n·(n-1) forwarded videos).
CPU is Janus' utime+stime from /proc over a 20 s steady window after every participant decodes
everyone else; memory is its VmRSS then. Join-to-first-frame: one participant stays in the room, a
second one joins 10 times in a fresh page; measured in the page from the click on Join to the first
decoded frame of the remote video ("loadeddata"), as room.js records it.
The Chromiums run on the same machine as Janus, so their decoding competes with it for the cores.
"""

from __future__ import annotations

import functools
import http.server
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tutorhub.integrations.janus import JanusRooms, SfuUnavailable  # noqa: E402
from tutorhub.integrations.janus_config import write_janus_config  # noqa: E402
from tutorhub.services.rooms.tokens import issue_token  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]
FRAMES_JS = """async () => {
  const room = window.TutorRoom.instances[0]; const out = [];
  for (const pc of room.peerConnections().slice(1)) { let f = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") f += s.framesDecoded || 0; });
    out.push(f); }
  return out; }"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class Bench:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-janus-"))
        self.http, self.admin = _port(), _port()
        admin_secret, admin_key = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        write_janus_config(self.folder, admin_secret=admin_secret, admin_key=admin_key, http_port=self.http,
                           admin_port=self.admin)
        self.log = open(self.folder / "janus.log", "w")  # noqa: SIM115
        self.janus = subprocess.Popen(["janus", "-F", str(self.folder), "-C", str(self.folder / "janus.jcfg"), "-o"],
                                      stdout=self.log, stderr=subprocess.STDOUT)
        self.rooms = JanusRooms(f"http://127.0.0.1:{self.admin}/admin", admin_secret, admin_key)
        for _ in range(100):
            try:
                self.rooms.ping()
                break
            except SfuUnavailable:
                time.sleep(0.1)
        self.web = self.folder / "web"
        self.web.mkdir()
        shutil.copy("/usr/share/javascript/janus-gateway/janus.min.js", self.web / "janus.js")
        shutil.copy("/usr/share/javascript/webrtc-adapter/adapter.min.js", self.web / "adapter.js")
        shutil.copy(REPO / "assets" / "js" / "room.js", self.web / "room.js")
        handler = functools.partial(QuietHandler, directory=str(self.web))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.key = secrets.token_bytes(32)
        self.count = 0

    def page_for(self, room: str) -> str:
        """Provision a participant (token allowed in the room) and write their page; returns its URL."""
        self.count += 1
        token = issue_token(self.key, kind="booking", ref_id=1, user_id=self.count,
                            expires_at=datetime.now(UTC) + timedelta(hours=1))
        self.rooms.open_room(room, secret="bench-" + room, description="bench", tokens=[token])
        name = f"p{self.count}.html"
        (self.web / name).write_text(
            f'<html><body><div data-video-room data-server="http://127.0.0.1:{self.http}/janus" '
            f'data-token="{token}" data-room="{room}" data-display="u{self.count}:P{self.count}" data-ice="[]" '
            f'data-presence="/none"></div><script src=adapter.js></script><script src=janus.js></script>'
            f'<script src=room.js></script></body></html>')
        return f"http://127.0.0.1:{self.server.server_port}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.janus.terminate()
        self.janus.wait(10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _join(browser, url: str):
    page = browser.new_page()
    page.goto(url)
    page.wait_for_function("document.querySelector('.vr-status') && document.querySelector('.vr-status')"
                           ".textContent.includes('Check')", timeout=30_000)
    page.click("#vr-join")
    return page


def _all_decoding(pages, others: int, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [p.evaluate(FRAMES_JS) for p in pages]
        if all(len(f) == others and all(n > 0 for n in f) for f in frames):
            return True
        time.sleep(1)
    return False


def measure_sizes(driver, bench: Bench, sizes: list[int]) -> None:
    print(f"Janus idle: RSS {_rss_mb(bench.janus.pid):.1f} MB")
    for n in sizes:
        room = f"size-{n}-{secrets.token_hex(4)}"
        browsers = [driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS) for _ in range(n)]
        try:
            pages = [_join(b, bench.page_for(room)) for b in browsers]
            ok = _all_decoding(pages, n - 1)
            time.sleep(5)
            cpu0, t0 = _cpu_seconds(bench.janus.pid), time.monotonic()
            time.sleep(20)
            cpu = (_cpu_seconds(bench.janus.pid) - cpu0) / (time.monotonic() - t0) * 100
            rss = _rss_mb(bench.janus.pid)
            frames = [p.evaluate(FRAMES_JS) for p in pages]
            print(f"{n} participants: everyone decodes everyone: {ok}; Janus CPU {cpu:.1f}% of one core, "
                  f"RSS {rss:.1f} MB; frames decoded per page (min) {min(min(f) for f in frames if f) if ok else 'n/a'}")
        finally:
            for b in browsers:
                b.close()


def measure_joins(driver, bench: Bench, joins: int) -> None:
    room = f"joins-{secrets.token_hex(4)}"
    host_browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    guest_browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    try:
        _join(host_browser, bench.page_for(room))
        times = []
        for _ in range(joins):
            page = _join(guest_browser, bench.page_for(room))
            page.wait_for_function("window.TutorRoom.instances[0].metrics.firstRemoteFrameAt > 0", timeout=60_000)
            m = page.evaluate("window.TutorRoom.instances[0].metrics")
            times.append(m["firstRemoteFrameAt"] - m["joinClickedAt"])
            page.click("#vr-leave")
            page.close()
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"Join → first remote frame over {joins} joins: p50 {statistics.median(times):.0f} ms, "
              f"p95 {p95:.0f} ms, max {times[-1]:.0f} ms")
    finally:
        host_browser.close()
        guest_browser.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    sizes = [int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "2,4").split(",")]
    joins = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared with other work; "
          "Janus and every Chromium run here)")
    bench = Bench()
    try:
        with sync_playwright() as driver:
            measure_sizes(driver, bench, sizes)
            if joins:
                measure_joins(driver, bench, joins)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
