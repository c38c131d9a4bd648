"""Tests of the ops domain."""
