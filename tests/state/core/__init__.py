"""Reflex states of the core domain."""
