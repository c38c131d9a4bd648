"""Reflex states of the learning domain."""
