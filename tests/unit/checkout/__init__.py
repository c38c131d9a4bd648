"""Tests of the checkout domain."""
