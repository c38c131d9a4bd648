"""Fixtures shared by the messaging tests."""

from __future__ import annotations

import pytest

from tests.support.chat import make_pair
from tutorhub.integrations import broker
from tutorhub.settings import reset_settings


@pytest.fixture
def pair(db, make_user):
    """A student and a tutor with their conversation."""
    return make_pair(db, make_user)


@pytest.fixture
def hints(monkeypatch):
    """Every live hint published, as (channel, payload), instead of going to the broker."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(broker, "publish", lambda channel, payload: sent.append((channel, payload)))
    return sent


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
