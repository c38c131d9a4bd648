"""Lead-market latency (SQLite file), each beside a naive baseline in the same run:

- matching one new enquiry against N tutors (default 5,000) — the SQL filter, distances from the
  gazetteer (home tuition) and the free-slot index AND (windows); baseline: a Python loop over every
  tutor row with its subjects, the same rules and the same distance function;
- search with a place and radius (home tuition within 10 km of Koramangala, Bengaluru) over the N
  tutors; baseline: every tutor loaded and its distance tested in Python;
- a tutor's inbox with 10,000 open enquiries matched to them; baseline: load every open enquiry and
  test it in Python.

Run: `.venv/bin/python benchmarks/bench_leads.py [tutors] [enquiries]`. Prints p50/p95 in ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _stats(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{name:55s} p50 {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    tutors = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    open_count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    os.environ["REFLEX_DB_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    from sqlalchemy import insert
    from sqlmodel import col, select

    from tutorhub.db import session_scope
    from tutorhub.demo.seed import GRADE_SETS, PLACES, SUBJECT_SETS
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.models import (
        AvailabilityRule,
        Enquiry,
        EnquiryMatch,
        SchedulingSettings,
        TutorProfile,
        TutorSubject,
        User,
    )
    from tutorhub.services.actor import to_user_out
    from tutorhub.services.leads.inbox import lead_inbox
    from tutorhub.services.leads.matching import Wanted, find_matches
    from tutorhub.services.scheduling.free_index import rebuild_free_slots, window_mask
    from tutorhub.services.tutors.places import distance_km, place_of, resolve_place
    from tutorhub.services.tutors.search import search_tutors

    upgrade_to_head()
    rng = random.Random(7)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with session_scope() as s:
        for i in range(tutors):
            city, tz, currency = PLACES[i % len(PLACES)]
            user = User(email=f"b{i}@example.com", full_name=f"Tutor {i}", role="tutor", timezone=tz)
            s.add(user)
            s.flush()
            p = TutorProfile(user_id=user.id, headline="h", hourly_rate=rng.randint(1000, 9000) * (40 if currency == "INR" else 1),
                             home_rate=rng.randint(1000, 9000) * (40 if currency == "INR" else 1), currency=currency,
                             city=city, timezone=tz, status="APPROVED", offers_home=i % 3 == 0,
                             travel_radius_km=rng.choice([5, 10, 20]))
            s.add(p)
            s.flush()
            for subj in SUBJECT_SETS[i % len(SUBJECT_SETS)]:
                for grade in GRADE_SETS[i % len(GRADE_SETS)]:
                    s.add(TutorSubject(tutor_id=p.id, subject=subj, grade_level=grade))
            for d in range(5):
                s.add(AvailabilityRule(tutor_id=p.id, weekday=(d + i) % 7, start_min=rng.choice([540, 900]),
                                       end_min=1260))
            s.add(SchedulingSettings(tutor_id=p.id, lesson_lengths=[60]))
    with session_scope() as s:
        rebuild_free_slots(s, now=now)
    print(f"seeded {tutors} tutors (with availability and the free-slot index) in {time.perf_counter() - t0:.1f}s")

    windows = [(d, 16 * 60, 20 * 60) for d in range(5)]
    place = resolve_place("Koramangala, Bengaluru")
    cases = {
        "online maths/high, INR, windows": Wanted("mathematics", "high", "online", "INR", 400_000, None,
                                                  window_mask(windows, "Asia/Kolkata", 60, now=now)),
        "home physics/middle, Bengaluru 10 km, windows": Wanted("physics", "middle", "home", "INR", 400_000, place,
                                                                window_mask(windows, "Asia/Kolkata", 60, now=now)),
    }
    place_of("Bengaluru")  # load the gazetteer outside the timings
    for name, wanted in cases.items():
        fast, naive, found = [], [], 0
        for _ in range(40):
            a = time.perf_counter()
            with session_scope(read_only=True) as s:
                found = len(find_matches(s, wanted))
            fast.append((time.perf_counter() - a) * 1000)
        for _ in range(10):
            a = time.perf_counter()
            with session_scope(read_only=True) as s:
                n = 0
                for p in s.exec(select(TutorProfile)).all():
                    subs = s.exec(select(TutorSubject).where(col(TutorSubject.tutor_id) == p.id)).all()
                    if not any(x.subject == wanted.subject and x.grade_level in (wanted.grade, "all") for x in subs):
                        continue
                    rate = p.home_rate if wanted.mode == "home" else p.hourly_rate
                    if p.currency != wanted.currency or rate > wanted.budget_max_minor:
                        continue
                    if wanted.mode == "home":
                        there = place_of(p.city, p.locality)
                        if not p.offers_home or there is None or wanted.place is None or distance_km(
                                wanted.place.latitude, wanted.place.longitude, there.latitude, there.longitude) > p.travel_radius_km:
                            continue
                    n += 1
            naive.append((time.perf_counter() - a) * 1000)
        _stats(f"match 1 enquiry / {tutors} tutors: {name} ({found} match)", fast)
        _stats("  naive Python loop over all tutors (no availability check)", naive)

    fast, naive = [], []
    found = 0
    for _ in range(40):
        a = time.perf_counter()
        with session_scope(read_only=True) as s:
            found = search_tutors(s, city="Koramangala, Bengaluru", radius_km=10, mode="home", per_page=20,
                                  now=now).total
        fast.append((time.perf_counter() - a) * 1000)
    for _ in range(10):
        a = time.perf_counter()
        with session_scope(read_only=True) as s:
            hits = []
            for p in s.exec(select(TutorProfile)).all():
                there = place_of(p.city, p.locality)
                if p.offers_home and there is not None and distance_km(
                        place.latitude, place.longitude, there.latitude, there.longitude) <= min(10, p.travel_radius_km):
                    hits.append(p)
            hits.sort(key=lambda p: -p.rating_avg)
        naive.append((time.perf_counter() - a) * 1000)
    _stats(f"search home tuition within 10 km of Koramangala / {tutors} tutors ({found} found)", fast)
    _stats("  naive Python loop over all tutors", naive)

    with session_scope() as s:
        tutor = s.exec(select(TutorProfile).where(col(TutorProfile.offers_home) == False)).first()  # noqa: E712
        assert tutor is not None
        student = User(email="stu@example.com", full_name="S", role="student", timezone="UTC")
        s.add(student)
        s.flush()
        rows = [{"student_id": student.id, "subject": "mathematics", "grade": "high", "mode": "online", "city": "",
                 "place_name": "", "budget_max_minor": 5000, "currency": tutor.currency, "duration_min": 60,
                 "message": "m", "windows": [], "timezone": "UTC", "status": "OPEN", "claim_count": 0,
                 "match_count": 1, "created_at": now, "updated_at": now, "expires_at": now + timedelta(days=7)}
                for _ in range(open_count)]
        s.execute(insert(Enquiry), rows)
        ids = s.exec(select(col(Enquiry.id))).all()
        s.execute(insert(EnquiryMatch), [{"enquiry_id": i, "tutor_id": tutor.id, "created_at": now} for i in ids])
        tutor_user = to_user_out(s.get(User, tutor.user_id))
    fast, naive = [], []
    for _ in range(60):
        a = time.perf_counter()
        with session_scope(read_only=True) as s:
            lead_inbox(s, actor=tutor_user, now=now)
        fast.append((time.perf_counter() - a) * 1000)
    for _ in range(10):
        a = time.perf_counter()
        with session_scope(read_only=True) as s:
            live = [e for e in s.exec(select(Enquiry)).all() if e.status in ("OPEN", "MATCHED")]
            sorted(live, key=lambda e: -(e.id or 0))[:20]
        naive.append((time.perf_counter() - a) * 1000)
    _stats(f"tutor inbox, first page, {open_count} open enquiries", fast)
    _stats("  naive: load every open enquiry, filter in Python", naive)


if __name__ == "__main__":
    main()
