"""Search latency with many tutors (SQLite file): prints p50/p95 per filter combination.

Run: `.venv/bin/python benchmarks/bench_search.py [tutors]` (default 5000). Uses a temporary
database; inserts rows directly (no argon2 hashing) so setup stays quick.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    os.environ["REFLEX_DB_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    from tutorhub.db import session_scope
    from tutorhub.demo.seed import GRADE_SETS, LANG_SETS, PLACES, SUBJECT_SETS
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.models import TutorLanguage, TutorProfile, TutorSubject, User
    from tutorhub.services.tutors.search import search_tutors

    upgrade_to_head()
    rng = random.Random(7)
    started = time.perf_counter()
    with session_scope() as s:
        for i in range(count):
            city, tz, currency = PLACES[i % len(PLACES)]
            user = User(email=f"b{i}@example.com", full_name=f"Tutor {i}", role="tutor", timezone=tz)
            s.add(user)
            s.flush()
            p = TutorProfile(user_id=user.id, headline="h", hourly_rate=rng.randint(1000, 9000), currency=currency,
                             city=city, timezone=tz, status="APPROVED", offers_home=i % 3 == 0,
                             rating_avg=rng.uniform(3, 5), trust_score=rng.randint(40, 99))
            s.add(p)
            s.flush()
            for subj in SUBJECT_SETS[i % len(SUBJECT_SETS)]:
                for grade in GRADE_SETS[i % len(GRADE_SETS)]:
                    s.add(TutorSubject(tutor_id=p.id, subject=subj, grade_level=grade))
            for lang in LANG_SETS[i % len(LANG_SETS)]:
                s.add(TutorLanguage(tutor_id=p.id, language=lang))
    print(f"seeded {count} tutors in {time.perf_counter() - started:.1f}s")
    cases = {
        "no filters": {},
        "subject+grade": {"subject": "mathematics", "grade": "high"},
        "subject+city+max_rate": {"subject": "physics", "city": "Berlin", "max_rate": 5000},
        "language+mode+page 5": {"language": "English", "mode": "home", "page": 5},
        # Prices compare across currencies (converted ceiling per currency, rates converted per row):
        "max_rate €50, any currency": {"max_rate": 5000, "display_currency": "EUR"},
        "sort=price in INR": {"sort": "price", "display_currency": "INR"},
    }
    for name, filters in cases.items():
        samples = []
        for _ in range(60):
            t0 = time.perf_counter()
            with session_scope(read_only=True) as s:
                page = search_tutors(s, per_page=20, **filters)
            samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{name:28s} total={page.total:5d}  p50={statistics.median(samples):6.1f} ms  p95={p95:6.1f} ms")


if __name__ == "__main__":
    main()
