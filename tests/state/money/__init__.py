"""Reflex states of the money domain."""
