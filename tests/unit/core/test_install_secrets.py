"""Per-install secrets (issue 11, defect 1): no key that ships with the code is ever accepted.

On the code before the fix, the default run signed tokens with the built-in `dev-insecure-change-me`
and derived the sandbox webhook secret from it: the forged-token and forged-webhook tests below
were accepted, and no secrets file existed."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import multiprocessing
import stat
import time
from pathlib import Path

import jwt
import pytest

from tutorhub.integrations.payments.sandbox import SandboxGateway, sign_sandbox_payload
from tutorhub.models.base import utcnow
from tutorhub.secrets_store import KNOWN_PLACEHOLDERS, load_or_create_secrets
from tutorhub.services.accounts import api_tokens
from tutorhub.services.errors import NotAuthenticated
from tutorhub.settings import PROJECT_ROOT, SettingsError, _read_settings, get_settings, reset_settings

OLD_DEFAULT_KEY = "dev-insecure-change-me"


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _env_example_values() -> set[str]:
    values = set()
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        line = line.strip().lstrip("#").strip()
        if "=" in line:
            values.add(line.split("=", 1)[1].strip())
    return values


def published_strings() -> list[str]:
    """Every string a visitor can read: settings' literals, .env.example's values, known placeholders."""
    found = _string_constants(PROJECT_ROOT / "tutorhub" / "settings.py")
    found |= _string_constants(PROJECT_ROOT / "tutorhub" / "secrets_store.py")
    found |= _env_example_values() | set(KNOWN_PLACEHOLDERS) | {OLD_DEFAULT_KEY}
    return sorted(s for s in found if s.strip())


@pytest.fixture
def default_run(monkeypatch, tmp_path):
    """Settings as `make run` reads them: no secret in the environment, secrets file under tmp_path."""
    monkeypatch.delenv("TUTORHUB_SECRET_KEY", raising=False)
    monkeypatch.delenv("TUTORHUB_SANDBOX_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("TUTORHUB_SECRETS_FILE", str(tmp_path / "data" / "secrets.json"))
    reset_settings()
    yield tmp_path / "data" / "secrets.json"
    monkeypatch.undo()
    reset_settings()


def _claims(user_id: int) -> dict:
    now = int(utcnow().timestamp())
    return {"sub": str(user_id), "ver": 0, "type": "access", "role": "admin", "iat": now, "exp": now + 600}


def test_tokens_signed_with_any_published_string_are_refused(db, make_user, default_run):
    admin = make_user("admin")
    assert api_tokens.user_from_access_token(db, jwt.encode(_claims(admin.id), get_settings().secret_key)).id == admin.id
    candidates = published_strings()
    assert OLD_DEFAULT_KEY in candidates and len(candidates) > 50
    for candidate in candidates:
        forged = jwt.encode(_claims(admin.id), candidate, algorithm="HS256")
        with pytest.raises(NotAuthenticated):
            api_tokens.user_from_access_token(db, forged)


def test_sandbox_webhooks_signed_with_published_strings_are_refused(db, default_run):
    gateway = SandboxGateway(session=db)
    body = b'{"id": "evt_forged", "type": "payment.succeeded"}'
    now = int(time.time())
    for candidate in published_strings():
        derived = "whsec_sbx_" + hmac.new(candidate.encode(), b"sandbox-webhook", hashlib.sha256).hexdigest()
        for secret in (candidate, derived):
            header = sign_sandbox_payload(body, secret=secret, timestamp=now)
            with pytest.raises(Exception, match="signature"):
                gateway.verify_webhook(body, {"TutorHub-Sandbox-Signature": header})


@pytest.mark.parametrize("name", ["TUTORHUB_SECRET_KEY", "TUTORHUB_SANDBOX_WEBHOOK_SECRET"])
def test_every_published_string_is_refused_as_a_configured_secret(monkeypatch, default_run, name):
    for candidate in published_strings():
        monkeypatch.setenv(name, candidate)
        with pytest.raises(SettingsError, match=name):
            _read_settings()


def test_any_text_copied_from_the_readme_or_docs_is_refused(monkeypatch, default_run):
    docs = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "docs" / "architecture.md", PROJECT_ROOT / ".env.example"]
    lines = [line.strip() for path in docs for line in path.read_text().splitlines() if len(line.strip()) >= 40]
    assert len(lines) > 50
    for line in lines[::7]:
        monkeypatch.setenv("TUTORHUB_SECRET_KEY", line)
        with pytest.raises(SettingsError, match="TUTORHUB_SECRET_KEY"):
            _read_settings()


def test_default_run_generates_a_private_secrets_file_and_reuses_it(default_run):
    first = get_settings()
    assert default_run.exists()
    assert stat.S_IMODE(default_run.stat().st_mode) == 0o600
    stored = json.loads(default_run.read_text())
    assert first.secret_key == stored["secret_key"] and len(first.secret_key) >= 48
    assert first.sandbox_webhook_secret == stored["sandbox_webhook_secret"]
    assert first.secret_key != OLD_DEFAULT_KEY and first.secrets_file == default_run
    reset_settings()  # a restart
    again = get_settings()
    assert (again.secret_key, again.sandbox_webhook_secret) == (first.secret_key, first.sandbox_webhook_secret)


def test_a_loosened_secrets_file_is_tightened_back_to_0600(default_run):
    get_settings()
    default_run.chmod(0o644)  # e.g. restored from a backup with the wrong mode
    reset_settings()
    get_settings()
    assert stat.S_IMODE(default_run.stat().st_mode) == 0o600


def test_the_environment_wins_over_the_secrets_file(monkeypatch, default_run):
    generated = get_settings().secret_key
    mine = "env-" + "k9" * 20
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", mine)
    monkeypatch.setenv("TUTORHUB_SANDBOX_WEBHOOK_SECRET", "whsec_env_" + "s7" * 20)
    reset_settings()
    settings = get_settings()
    assert settings.secret_key == mine != generated
    assert settings.sandbox_webhook_secret == "whsec_env_" + "s7" * 20
    assert settings.secrets_file is None


def test_an_environment_key_alone_writes_no_file(monkeypatch, default_run):
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "env-" + "q3" * 20)
    reset_settings()
    settings = get_settings()
    assert settings.sandbox_webhook_secret.startswith("whsec_sbx_") and not default_run.exists()


def test_production_still_requires_an_explicit_key(monkeypatch, default_run):
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    with pytest.raises(SettingsError, match="TUTORHUB_SECRET_KEY"):
        _read_settings()
    assert not default_run.exists()


def test_a_corrupt_secrets_file_is_an_error_not_a_silent_new_key(default_run):
    default_run.parent.mkdir(parents=True)
    default_run.write_text("{not json")
    with pytest.raises(SettingsError, match="TUTORHUB_SECRETS_FILE"):
        _read_settings()


def _start(path: str, barrier, results) -> None:
    barrier.wait()
    results.put(load_or_create_secrets(Path(path))["secret_key"])


def test_concurrent_first_starts_end_with_one_secret(tmp_path):
    for attempt in range(5):
        path = tmp_path / f"run{attempt}" / "secrets.json"
        ctx = multiprocessing.get_context("fork")
        workers = 8
        barrier = ctx.Barrier(workers)
        results = ctx.Queue()
        procs = [ctx.Process(target=_start, args=(str(path), barrier, results)) for _ in range(workers)]
        for proc in procs:
            proc.start()
        seen = [results.get(timeout=30) for _ in procs]
        for proc in procs:
            proc.join(timeout=30)
            assert proc.exitcode == 0
        assert len(set(seen)) == 1
        assert json.loads(path.read_text())["secret_key"] == seen[0]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["secrets.json"]  # no temporary files left
