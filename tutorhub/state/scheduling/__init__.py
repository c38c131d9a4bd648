"""Reflex states of the scheduling domain."""
