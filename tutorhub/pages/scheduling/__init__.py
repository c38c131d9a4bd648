"""Reflex pages of the scheduling domain."""
