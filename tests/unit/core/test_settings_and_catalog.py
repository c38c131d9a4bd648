import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorhub.services.catalog import GRADE_LEVELS, normalize_grade, normalize_subject
from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import clean_text, normalize_phone
from tutorhub.settings import SettingsError, _read_settings


def test_production_refuses_placeholder_secret(monkeypatch):
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.delenv("TUTORHUB_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="TUTORHUB_SECRET_KEY"):
        _read_settings()
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "s" * 40)
    assert _read_settings().is_production


def test_demo_accounts_with_published_passwords_are_never_seeded_in_production_by_default(monkeypatch):
    monkeypatch.delenv("TUTORHUB_SEED_DEMO", raising=False)
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "k" * 40)
    assert _read_settings().seed_demo is False
    monkeypatch.setenv("TUTORHUB_SEED_DEMO", "1")  # an explicit choice still wins
    assert _read_settings().seed_demo is True
    monkeypatch.setenv("TUTORHUB_ENV", "development")
    monkeypatch.delenv("TUTORHUB_SEED_DEMO")
    assert _read_settings().seed_demo is True


def test_the_development_run_listens_on_this_machine_only():
    """`make run` serves demo accounts whose passwords are in the README: not to the network."""
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    assert "HOST ?= 127.0.0.1" in makefile
    assert "--backend-host $(HOST)" in makefile


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TUTORHUB_ENV", "staging"),
        ("TUTORHUB_SEED_DEMO", "maybe"),
        ("TUTORHUB_MAX_UPLOAD_MB", "ten"),
        ("TUTORHUB_RUN_JOBS", "sometimes"),
        ("TUTORHUB_MEETING_PROVIDER", "zoom"),
        ("TUTORHUB_MEETING_BASE_URL", "ftp://meet.example.org"),
        ("TUTORHUB_BOOKING_HOLD_MINUTES", "0"),
        ("TUTORHUB_TRIAL_DISCOUNT_PERCENT", "101"),
        ("TUTORHUB_CANCEL_PARTIAL_REFUND_PERCENT", "150"),
        ("TUTORHUB_CANCEL_PARTIAL_REFUND_HOURS", "48"),  # more than the full-refund hours (24)
    ],
)
def test_invalid_settings_name_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        _read_settings()


@given(st.integers(min_value=1, max_value=12))
def test_every_school_year_maps_to_a_grade_band(year):
    assert normalize_grade(year) in GRADE_LEVELS
    assert normalize_grade(f"Grade {year}") == normalize_grade(str(year))


@given(st.text(max_size=300))
def test_clean_text_never_exceeds_its_limit_or_returns_control_chars(text):
    try:
        out = clean_text(text, "f", max_len=50)
    except InvalidInput:
        return
    assert len(out) <= 50 and "\x00" not in out


def test_lesson_settings_default_and_read_from_the_environment(monkeypatch):
    defaults = _read_settings()
    assert (defaults.meeting_provider, defaults.meeting_base_url, defaults.run_jobs) == ("jitsi", "https://meet.jit.si", True)
    monkeypatch.setenv("TUTORHUB_MEETING_BASE_URL", " https://video.example.org/ ")
    monkeypatch.setenv("TUTORHUB_RUN_JOBS", "off")
    monkeypatch.setenv("TUTORHUB_CANCEL_FULL_REFUND_HOURS", "72")
    monkeypatch.setenv("TUTORHUB_CANCEL_PARTIAL_REFUND_HOURS", "48")
    settings = _read_settings()
    assert settings.meeting_base_url == "https://video.example.org" and settings.run_jobs is False
    assert (settings.cancel_full_refund_hours, settings.cancel_partial_refund_hours) == (72, 48)


def test_subject_aliases_and_phone_formats():
    assert normalize_subject("MATHS") == normalize_subject("math") == "mathematics"
    assert normalize_phone("0091 98765-43210") == "+919876543210"
    with pytest.raises(InvalidInput):
        normalize_phone("12345")


@pytest.mark.parametrize("grade", ["²", "Grade ³", "①", "١٢٣", "9" * 30])
def test_non_ascii_or_long_digit_grades_are_field_errors_not_crashes(grade):
    # str.isdigit() is true for '²' and '①' but int() refuses them: that was a ValueError (a 500).
    with pytest.raises(InvalidInput) as caught:
        normalize_grade(grade)
    assert "grade" in caught.value.fields


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posix/Europe/Berlin", "right/UTC"])
def test_tz_database_artefacts_are_not_accepted_as_timezones(zone):
    from tutorhub.services.validation import validate_timezone

    with pytest.raises(InvalidInput):
        validate_timezone(zone)
