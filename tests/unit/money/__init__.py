"""Tests of the money domain."""
