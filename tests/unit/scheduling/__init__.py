"""Tests of the scheduling domain."""
