"""Reflex states of the billing domain."""
