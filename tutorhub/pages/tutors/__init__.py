"""Reflex pages of the tutors domain."""
