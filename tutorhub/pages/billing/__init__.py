"""Reflex pages of the billing domain."""
