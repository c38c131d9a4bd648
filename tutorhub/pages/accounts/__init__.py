"""Reflex pages of the accounts domain."""
