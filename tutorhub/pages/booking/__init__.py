"""Reflex pages of the booking domain."""
