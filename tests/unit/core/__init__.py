"""Tests of the core domain."""
