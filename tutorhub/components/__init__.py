"""Reusable UI pieces (Reflex components) and the pure formatting helpers they and the states share."""
