"""Reflex pages of the checkout domain."""
