"""Reflex pages of the messaging domain."""
