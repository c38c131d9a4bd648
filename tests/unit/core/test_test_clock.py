"""The browser tests' clock: utcnow() follows the offset file named by TUTORHUB_TEST_CLOCK_FILE, and
production refuses to start with one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tutorhub.models import base
from tutorhub.settings import SettingsError, environment_from_env


def test_utcnow_moves_with_the_offset_file_and_ignores_junk(tmp_path, monkeypatch):
    clock = tmp_path / "offset"
    monkeypatch.setenv(base.CLOCK_FILE_ENV, str(clock))
    monkeypatch.setitem(base._clock, "read_at", float("-inf"))
    clock.write_text("3600")
    assert abs(base.utcnow() - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(seconds=5)
    clock.write_text("not a number")
    time.sleep(base.CLOCK_FILE_TTL + 0.05)
    assert abs(base.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
    monkeypatch.delenv(base.CLOCK_FILE_ENV)
    clock.write_text("3600")
    time.sleep(base.CLOCK_FILE_TTL + 0.05)
    assert abs(base.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)  # unset: never read


def test_production_refuses_a_test_clock(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv(base.CLOCK_FILE_ENV, str(tmp_path / "offset"))
    with pytest.raises(SettingsError, match="TEST_CLOCK"):
        environment_from_env()
