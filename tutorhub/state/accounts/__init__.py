"""Reflex states of the accounts domain."""
