"""Reflex states of the tutors domain."""
