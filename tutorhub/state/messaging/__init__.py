"""Reflex states of the messaging domain."""
