"""The contract suite: Schemathesis against the app started in a subprocess (tests/contract/harness.py)."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "contract: Schemathesis against the running API (make test-contract)")
