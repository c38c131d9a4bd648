"""Fixtures shared by the messaging tests."""

from __future__ import annotations

import pytest

from tutorhub.settings import reset_settings


@pytest.fixture
def configure(monkeypatch):
    """configure(VAR=value, ...) sets environment variables and re-reads settings."""

    def _set(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        reset_settings()

    yield _set
    monkeypatch.undo()
    reset_settings()
