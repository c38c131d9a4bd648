"""Reflex pages of the learning domain."""
