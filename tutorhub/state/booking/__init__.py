"""Reflex states of the booking domain."""
