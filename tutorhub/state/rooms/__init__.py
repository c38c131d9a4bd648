"""Reflex states of the video rooms (issue 19)."""
