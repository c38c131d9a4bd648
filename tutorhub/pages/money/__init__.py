"""Reflex pages of the money domain."""
