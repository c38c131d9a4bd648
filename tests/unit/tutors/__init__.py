"""Tests of the tutors domain."""
