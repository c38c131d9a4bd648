"""Subjects, grade levels, languages and cities the product knows, and how input maps to them.

Subjects and grades are normalized on write *and* on search, so "Maths", "math" and
"Mathematics" find the same tutors, and "10" or "Grade 10" mean the same grade band.
Unknown subjects are allowed (tutors teach niche things) and stored as lower-case text.
"""

from __future__ import annotations

import re
from typing import Any

from tutorhub.services.validation import clean_text, fail

SUBJECTS: dict[str, str] = {
    "mathematics": "Mathematics",
    "physics": "Physics",
    "chemistry": "Chemistry",
    "biology": "Biology",
    "english": "English",
    "hindi": "Hindi",
    "spanish": "Spanish",
    "french": "French",
    "german": "German",
    "computer science": "Computer Science",
    "economics": "Economics",
    "history": "History",
    "geography": "Geography",
    "accounting": "Accounting",
    "music": "Music",
    "sat prep": "SAT Prep",
}
_SUBJECT_ALIASES = {
    "math": "mathematics",
    "maths": "mathematics",
    "cs": "computer science",
    "programming": "computer science",
    "coding": "computer science",
    "bio": "biology",
    "chem": "chemistry",
    "econ": "economics",
    "sat": "sat prep",
}

GRADE_LEVELS: dict[str, str] = {
    "primary": "Primary (grades 1–5)",
    "middle": "Middle school (6–8)",
    "high": "High school (9–10)",
    "senior": "Senior secondary (11–12)",
    "university": "University",
    "adult": "Adult / professional",
}
_GRADE_ALIASES = {
    "elementary": "primary",
    "primary school": "primary",
    "middle school": "middle",
    "high school": "high",
    "secondary": "high",
    "senior secondary": "senior",
    "college": "university",
    "undergraduate": "university",
    "professional": "adult",
    "adults": "adult",
}

LANGUAGES = (
    "English",
    "Hindi",
    "Spanish",
    "French",
    "German",
    "Portuguese",
    "Mandarin",
    "Japanese",
    "Arabic",
    "Tamil",
    "Bengali",
)

MODES = ("online", "home")


def normalize_subject(value: Any, field: str = "subject") -> str:
    text = clean_text(value, field, max_len=60, required=True).lower()
    text = re.sub(r"[^a-z0-9+#&/ .-]", "", text).strip()
    if len(text) < 2:
        raise fail(field, "must be at least 2 characters")
    return _SUBJECT_ALIASES.get(text, text)


def subject_label(slug: str) -> str:
    return SUBJECTS.get(slug, slug.title())


def normalize_grade(value: Any, field: str = "grade") -> str:
    """Map free input (a band name or a school year number) to a grade band."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = clean_text(value, field, max_len=32, required=True).lower()
    text = re.sub(r"^(grade|class|year)\s*", "", text)
    if text in GRADE_LEVELS:
        return text
    if text in _GRADE_ALIASES:
        return _GRADE_ALIASES[text]
    # ASCII digits only: str.isdigit() is also true for '²' and '①', which int() refuses (a 500).
    if re.fullmatch(r"[0-9]{1,2}", text):
        year = int(text)
        if 1 <= year <= 5:
            return "primary"
        if 6 <= year <= 8:
            return "middle"
        if 9 <= year <= 10:
            return "high"
        if 11 <= year <= 12:
            return "senior"
    raise fail(field, f"must be one of {', '.join(GRADE_LEVELS)} or a school year 1–12")


def grade_label(slug: str) -> str:
    return GRADE_LEVELS.get(slug, slug)


def normalize_language(value: Any, field: str = "language") -> str:
    text = clean_text(value, field, max_len=40, required=True)
    for known in LANGUAGES:
        if known.lower() == text.lower():
            return known
    return text[:1].upper() + text[1:].lower()


def normalize_mode(value: Any, field: str = "mode") -> str:
    text = clean_text(value, field, max_len=16, required=True).lower()
    if text in {"in-person", "in_person", "home tuition", "home_tuition", "offline"}:
        text = "home"
    if text not in MODES:
        raise fail(field, "must be 'online' or 'home'")
    return text


def normalize_city(value: Any, field: str = "city") -> str:
    text = clean_text(value, field, max_len=80)
    return text.title() if text else ""
