"""Tests of the booking domain."""
