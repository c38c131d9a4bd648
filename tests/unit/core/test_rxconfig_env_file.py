"""`.env` is documented as a configuration source for every variable, REFLEX_REDIS_URL included;
Reflex reads REFLEX_* when rxconfig.py builds its Config, so rxconfig must load `.env` first.
rxconfig also picks the state manager from it: memory without Redis, Reflex's own choice with."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _config_seen(folder: Path, attribute: str, **env: str) -> str:
    """str(rxconfig.config.<attribute>) as a fresh process with only `env`'s REFLEX_* variables sees it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REFLEX_")} | env
    code = f"import rxconfig; print(getattr(rxconfig.config, {attribute!r}))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, env=clean, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def _redis_url_seen(folder: Path, **env: str) -> str:
    return _config_seen(folder, "redis_url", **env)


def test_dotenv_file_configures_reflex_and_the_environment_wins(tmp_path):
    shutil.copy(REPO / "rxconfig.py", tmp_path / "rxconfig.py")
    (tmp_path / ".env").write_text("REFLEX_REDIS_URL=redis://from-dotenv:6379\n")
    assert _redis_url_seen(tmp_path) == "redis://from-dotenv:6379"
    assert _redis_url_seen(tmp_path, REFLEX_REDIS_URL="redis://from-env:6379") == "redis://from-env:6379"


def test_state_manager_is_memory_without_redis_and_reflex_default_with_it(tmp_path):
    shutil.copy(REPO / "rxconfig.py", tmp_path / "rxconfig.py")
    assert _config_seen(tmp_path, "state_manager_mode") == "memory"
    # With Redis configured rxconfig passes nothing, so Reflex's default (not memory) stays and
    # Reflex builds its Redis state manager from redis_url.
    with_redis = _config_seen(tmp_path, "state_manager_mode", REFLEX_REDIS_URL="redis://127.0.0.1:6379")
    assert "memory" not in with_redis.lower()
    assert _config_seen(tmp_path, "redis_url", REFLEX_REDIS_URL="redis://127.0.0.1:6379") == "redis://127.0.0.1:6379"
