"""The syllabus catalogue the offline planner and homework generator work from.

A course is an ordered list of topics (each with a typical study time, prerequisites and common
mistakes) for a subject at a grade band or an exam board's class (see syllabus_data.py). Lookup
falls back from the most specific course to the broadest: the board's course for the subject, the
board's combined science course (physics, chemistry, biology), the subject at the band's level,
the subject's generic ladder, and finally a study-skills ladder named after an unknown subject —
so every subject and grade the product accepts gets a plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tutorhub.services.catalog import normalize_grade, subject_label
from tutorhub.services.errors import InvalidInput
from tutorhub.services.learning.syllabus_data import GENERIC_LADDERS, LADDERS
from tutorhub.services.validation import clean_text

LEVELS = {"primary": "foundation", "middle": "foundation", "high": "core", "senior": "core",
          "university": "advanced", "adult": "advanced"}
BOARDS = {"cbse-10": "high", "cbse-12": "senior", "icse-10": "high", "isc-12": "senior"}
BOARD_LABELS = {"cbse-10": "CBSE class 10", "cbse-12": "CBSE class 12", "icse-10": "ICSE class 10",
                "isc-12": "ISC class 12"}
_BOARD_RE = re.compile(r"\b(cbse|icse|isc)\b[\s:-]*(?:class|grade|std\.?)?\s*(10|12)?\b")
_SCIENCES = ("physics", "chemistry", "biology")


@dataclass(frozen=True)
class Topic:
    title: str
    minutes: int
    prerequisites: tuple[str, ...]
    mistakes: tuple[str, ...]


@dataclass(frozen=True)
class Course:
    key: str  # "<subject>/<level or board>" — which ladder was used
    subject: str
    topics: tuple[Topic, ...]

    def topic(self, title: str) -> Topic | None:
        return next((t for t in self.topics if t.title.lower() == title.lower()), None)


def _parse(text: str) -> tuple[Topic, ...]:
    topics = []
    for line in text.strip().splitlines():
        title, minutes, prereqs, mistakes = (part.strip() for part in line.split("|"))
        topics.append(Topic(title, int(minutes), tuple(p for p in prereqs.split(";") if p),
                            tuple(m for m in mistakes.split(";") if m)))
    return tuple(topics)


def _generic(subject: str, names: list[str]) -> tuple[Topic, ...]:
    return tuple(Topic(name, 90, (), ("rushing without checking the answer", "skipping the basics"))
                 for name in names)


@lru_cache(maxsize=256)
def _course(subject: str, level: str) -> Course | None:
    text = LADDERS.get((subject, level))
    if text is not None:
        return Course(f"{subject}/{level}", subject, _parse(text))
    names = GENERIC_LADDERS.get(subject, {}).get(level)
    if names is not None:
        return Course(f"{subject}/{level}", subject, _generic(subject, names))
    return None


def board_from(grade_text: str, goal: str) -> str | None:
    """An exam board course named in the grade ("CBSE class 10", "icse-10") or, with a class 10/12
    grade band, in the goal ("CBSE boards")."""
    for text in (grade_text, goal):
        match = _BOARD_RE.search(text.lower())
        if match is None:
            continue
        board, year = match.group(1), match.group(2)
        if year is None:
            year = {"high": "10", "senior": "12"}.get(_band_or_none(grade_text) or "", "")
            if not year:
                continue
        board = "isc" if year == "12" and board == "icse" else "icse" if year == "10" and board == "isc" else board
        return f"{board}-{year}"
    return None


def _band_or_none(grade_text: str) -> str | None:
    try:
        return normalize_grade(grade_text)
    except InvalidInput:  # a board name is not a band
        return None


def clean_grade(value: Any, goal: str = "") -> str:
    """A grade band (primary … adult) or an exam board course key (cbse-10, cbse-12, icse-10, isc-12)."""
    text = clean_text(value, "grade", max_len=32, required=True)
    return board_from(text, goal) or normalize_grade(text)


def grade_text(grade: str) -> str:
    return BOARD_LABELS.get(grade, grade)


def find_course(subject: str, grade: str) -> Course:
    """The most specific course for a (normalized) subject and a grade band or board key."""
    candidates: list[tuple[str, str]] = []
    if grade in BOARDS:
        candidates.append((subject, grade))
        if subject in _SCIENCES:
            candidates.append(("science", grade))
        band = BOARDS[grade]
    else:
        band = grade
    level = LEVELS.get(band, "core")
    candidates.append((subject, level))
    if subject == "science":
        candidates += [("physics", level)]
    for subj, lvl in candidates:
        found = _course(subj, lvl)
        if found is not None:
            return found
    label = subject_label(subject)
    names = [f"{label}: key ideas", f"{label}: core skills", f"{label}: worked examples",
             f"{label}: independent practice", f"{label}: review and self-test"]
    return Course(f"{subject}/general", subject, _generic(subject, names))


def all_courses() -> list[Course]:
    """Every shipped ladder (for tests and the catalogue's own checks)."""
    found = [_course(s, level) for s, level in LADDERS]
    found += [_course(s, level) for s, levels in GENERIC_LADDERS.items() for level in levels]
    return [c for c in found if c is not None]
