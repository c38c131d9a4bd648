"""Per-install secrets: generated on first start, kept in a 0600 file beside the private files.

Why: a key that ships with the code signs tokens for everybody who has read the code. When the
environment does not set TUTORHUB_SECRET_KEY (the default `make run`), the first process to start
creates `<data dir>/secrets.json` with random values from `secrets`; every later start (and every
other worker of the same install) reads the same file, so sessions and API tokens survive restarts.

The file is written to a private temporary file first and then published with `os.link`, which
fails when the target exists: of several processes starting at once exactly one wins, and nobody
ever reads a half-written file. The losers read the winner's file.

Values that anybody can read elsewhere — the old built-in key, the well-known placeholders, and any
string that appears in `.env.example`, the README, `docs/` or the settings module — are refused
wherever a secret comes from the environment (`is_published_secret`).
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import stat
import tempfile
import time
from functools import lru_cache
from pathlib import Path

SECRETS_FILE_NAME = "secrets.json"
MIN_SECRET_LENGTH = 32
GENERATED_NAMES = ("secret_key", "sandbox_webhook_secret")

# Keys that were (or are commonly) published as defaults; never accepted as a secret.
KNOWN_PLACEHOLDERS = frozenset(
    {
        "dev-insecure-change-me",  # the built-in development key before per-install secrets
        "change-me",
        "changeme",
        "change_me",
        "secret",
        "your-secret-key",
        "your-secret-key-here",
        "please-change-me",
        "insecure",
    }
)


class SecretsFileError(RuntimeError):
    """The secrets file exists but cannot be read or is malformed (never silently replaced)."""


def _published_texts(project_root: Path) -> list[str]:
    names = [".env.example", "README.md", "tutorhub/settings.py", "tutorhub/secrets_store.py", "rxconfig.py"]
    paths = [project_root / name for name in names]
    docs = project_root / "docs"
    if docs.is_dir():
        paths += sorted(docs.rglob("*.md"))
    texts = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # an installed copy without docs: the fixed list still applies
        texts.append(text)
        if path.suffix == ".py":  # string literals as Python joins them (implicit concatenation)
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            texts += [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return texts


@lru_cache(maxsize=4)
def _published_blob(project_root: Path) -> str:
    return "\n".join(_published_texts(project_root))


def is_published_secret(value: str, project_root: Path) -> bool:
    """True for a known placeholder, or a value written anywhere in the shipped docs/examples."""
    lowered = value.strip().lower()
    if lowered in KNOWN_PLACEHOLDERS or "change-me" in lowered or "changeme" in lowered:
        return True
    return bool(value) and value in _published_blob(project_root)


def _generate() -> dict[str, str]:
    return {
        "secret_key": secrets.token_urlsafe(48),
        "sandbox_webhook_secret": "whsec_sbx_" + secrets.token_hex(32),
    }


def _read(path: Path) -> dict[str, str] | None:
    """The stored secrets; None while the file does not exist."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SecretsFileError(f"cannot read the secrets file {path}: {exc}") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SecretsFileError(f"the secrets file {path} is not valid JSON; restore it from a backup") from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(n), str) and data[n] for n in GENERATED_NAMES):
        raise SecretsFileError(f"the secrets file {path} lacks {', '.join(GENERATED_NAMES)}; restore it from a backup")
    return {str(k): str(v) for k, v in data.items()}


def _tighten(path: Path) -> None:
    """Keep the file private even if it was copied in with a looser mode (a restore)."""
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
    except OSError:
        pass


def _publish(path: Path, values: dict[str, str]) -> None:
    """Write `values` to `path` unless it already exists (then keep what is there)."""
    fd, tmp = tempfile.mkstemp(prefix=".secrets-", suffix=".tmp", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(values, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if another process published first
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: O_EXCL still lets exactly one process create it.
            try:
                target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(target, "w", encoding="utf-8") as out:
                json.dump(values, out, indent=2)
                out.write("\n")
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """The install's secrets from `path`, created (mode 0600, atomically) on first use."""
    found = _read(path)
    if found is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _publish(path, _generate())
        found = _read_settled(path)
    _tighten(path)
    return found


def _read_settled(path: Path) -> dict[str, str]:
    """Read right after publishing; on the O_EXCL fallback the winner may still be writing."""
    for _ in range(50):
        try:
            found = _read(path)
        except SecretsFileError:
            found = None
        if found is not None:
            return found
        time.sleep(0.02)
    result = _read(path)
    if result is None:
        raise SecretsFileError(f"the secrets file {path} vanished while starting")
    return result
