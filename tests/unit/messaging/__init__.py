"""Tests of the messaging domain."""
