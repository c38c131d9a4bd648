"""Reflex states of the checkout domain."""
