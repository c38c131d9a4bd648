"""Courses pages: find, a course (preview, enrol, player), the tutor's builder."""
