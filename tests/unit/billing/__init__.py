"""Tests of the billing domain."""
