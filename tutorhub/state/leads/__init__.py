"""Reflex states of the lead marketplace."""
