"""Recorded video courses: building, uploads, enrolment, watching and progress (issue 18)."""
