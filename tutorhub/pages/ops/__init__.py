"""Reflex pages of the ops domain."""
