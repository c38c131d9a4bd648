"""Course video upload and playback through the real API on loopback (local disk storage).

Run: `.venv/bin/python benchmarks/bench_course_upload.py [size_mb] [range_requests]` (defaults 1024 and 300).
The API (tutorhub.api.app:api) runs in a granian subprocess on 127.0.0.1 with one worker. This process
makes an approved tutor, a course and a chapter through the services, then:

  raw disk     writes `size_mb` sequentially to a file in the same folder (8 MiB writes + fsync): the
               machine's own ceiling, measured in the same run
  upload       POST …/upload, then PUTs every 8 MiB part to the app's part URL with httpx (keep-alive),
               the body streamed; the server's RSS (psutil, the granian process tree) is sampled every
               50 ms, and the growth over its RSS before the upload is reported
  complete     POST /uploads/{id}/complete: joins the parts into one file (bounded buffer) and sniffs it
  range        `range_requests` GETs of the signed video URL with a random `Range: bytes=a-(a+64 KiB)`;
               time to the first body byte

Targets (issue 18): RSS growth < 50 MB; upload throughput ≥ 50 % of the raw disk write; range first
byte p95 ≤ 20 ms. Figures depend on the machine and its load — say whether it was shared.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PART = 8 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_disk_write(path: Path, size: int, block: bytes) -> float:
    """MB/s of a plain sequential write of `size` bytes (fsync at the end), the file removed after."""
    start = time.perf_counter()
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            chunk = block[: min(len(block), size - written)]
            handle.write(chunk)
            written += len(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    seconds = time.perf_counter() - start
    path.unlink()
    return size / seconds / 1e6


def make_course() -> tuple[str, int, int]:
    """(bearer header value, course id, chapter id) of a fresh approved tutor's draft course."""
    from tutorhub.db import session_scope
    from tutorhub.services.accounts import api_tokens, passwords
    from tutorhub.services.courses import building
    from tutorhub.services.tutors import profiles, verification

    with session_scope() as s:
        tutor = passwords.register(s, email="bench-tutor@example.com", password="bench-password-123",
                                   full_name="Bench Tutor", role="tutor", timezone="UTC")
        admin = passwords.create_admin(s, email="bench-admin@example.com", password="bench-password-123",
                                       full_name="Admin")
        profile = profiles.update_own_profile(s, actor=tutor, data={
            "headline": "Maths", "bio": "Bench.", "subjects": [{"subject": "mathematics", "grades": ["high"]}],
            "languages": ["English"], "hourly_rate": 3000, "currency": "EUR", "city": "Berlin", "modes": ["online"]})
        profiles.submit_for_review(s, actor=tutor)
        verification.approve_tutor(s, actor=admin, tutor_id=profile.id, notes="ok")
        course = building.create_course(s, actor=tutor, data={"title": "Bench", "subject": "mathematics",
                                                               "price_minor": 100, "currency": "EUR"})
        chapter = building.add_chapter(s, actor=tutor, course_id=course["id"], data={"title": "Big"})
        token = api_tokens.issue_tokens(s, user_id=tutor.id).access_token
    return f"Bearer {token}", int(course["id"]), int(chapter["id"])


def tree_rss(pid: int) -> int:
    import psutil

    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return int(total)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    size = (int(sys.argv[1]) if len(sys.argv) > 1 else 1024) * 1024 * 1024
    ranges = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    tmp = Path(tempfile.mkdtemp(prefix="bench-course-upload-"))
    env = {**os.environ, "REFLEX_DB_URL": f"sqlite:///{tmp / 'bench.db'}", "TUTORHUB_ENV": "development",
           "TUTORHUB_SEED_DEMO": "0", "TUTORHUB_RUN_JOBS": "0", "TUTORHUB_STORAGE_DIR": str(tmp / "private"),
           "TUTORHUB_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789"}
    os.environ.update(env)
    import httpx

    from tutorhub.migrations import upgrade_to_head

    upgrade_to_head()
    bearer, course_id, chapter_id = make_course()
    block = bytearray(random.randbytes(PART))
    webm = (ROOT / "tutorhub" / "demo" / "assets" / "demo_chapter.webm").read_bytes()
    first = bytes(webm + block[len(webm):])  # part 1 starts like a real WebM: the content check passes
    (tmp / "private").mkdir(parents=True, exist_ok=True)
    raw = raw_disk_write(tmp / "private" / "raw.bin", size, bytes(block))
    print(f"raw disk: {size / 2**20:,.0f} MiB sequential write + fsync: {raw:,.0f} MB/s")

    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-ws", "--log-level", "warning", "tutorhub.api.app:api"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120, headers={"Authorization": bearer}) as client:
            for _ in range(300):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            for _ in range(3):  # warm-up: imports, the first database connections
                client.get(f"/api/v1/courses/{course_id}")
            plan = client.post(f"/api/v1/courses/{course_id}/chapters/{chapter_id}/upload",
                               json={"filename": "big.webm", "size": size, "content_type": "video/webm"}).json()
            before = tree_rss(server.pid)
            peak = [before]
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.is_set():
                    peak[0] = max(peak[0], tree_rss(server.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            etags = []
            start = time.perf_counter()
            for part in plan["parts"]:
                length = min(PART, size - (part["n"] - 1) * PART)
                body = first[:length] if part["n"] == 1 else bytes(block[:length])

                res = client.put(part["url"], content=body)
                assert res.status_code == 200, res.text
                etags.append({"n": part["n"], "etag": res.headers["ETag"]})
            parts_s = time.perf_counter() - start
            done = client.post(f"/api/v1/uploads/{plan['upload_id']}/complete", json={"parts": etags})
            total_s = time.perf_counter() - start
            sampling.set()
            sampler.join()
            assert done.json() == {"status": "ready"}, done.text
            growth = (peak[0] - before) / 2**20
            mbps, mbps_total = size / parts_s / 1e6, size / total_s / 1e6
            print(f"upload: {len(plan['parts'])} parts of 8 MiB in {parts_s:.1f} s = {mbps:,.0f} MB/s "
                  f"({100 * mbps / raw:.0f} % of raw); with complete (join + check) {total_s:.1f} s = "
                  f"{mbps_total:,.0f} MB/s ({100 * mbps_total / raw:.0f} % of raw)")
            print(f"server RSS: {before / 2**20:.0f} MiB before, peak {peak[0] / 2**20:.0f} MiB: growth {growth:.1f} MiB "
                  f"(target < 50)")

            location = client.get(f"/api/v1/courses/{course_id}/chapters/{chapter_id}/video",
                                  follow_redirects=False).headers["location"]
            firsts: list[float] = []
            for _ in range(ranges):
                offset = random.randrange(0, size - 65536)
                t0 = time.perf_counter()
                with client.stream("GET", location, headers={"Range": f"bytes={offset}-{offset + 65535}"}) as res:
                    assert res.status_code == 206
                    body_iter = res.iter_raw(1024)
                    next(body_iter)
                    firsts.append((time.perf_counter() - t0) * 1000)
                    for _chunk in body_iter:
                        pass
            print(f"range first byte over {ranges} requests: p50 {statistics.median(firsts):.1f} ms, "
                  f"p95 {percentile(firsts, 95):.1f} ms, max {max(firsts):.1f} ms (target p95 ≤ 20)")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)  # the uploaded video and the database: size_mb of disk
    print("(loopback, granian 1 worker, SQLite; the machine's 2 cores were shared with other work during the run)")


if __name__ == "__main__":
    main()
