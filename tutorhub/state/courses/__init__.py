"""Reflex states of the courses pages."""
