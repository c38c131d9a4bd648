"""Reflex states of the ops domain."""
