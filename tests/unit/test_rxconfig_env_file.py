"""`.env` is documented as a configuration source for every variable, REFLEX_REDIS_URL included;
Reflex reads REFLEX_* when rxconfig.py builds its Config, so rxconfig must load `.env` first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRINT_REDIS = "import rxconfig; print(rxconfig.config.redis_url)"


def _redis_url_seen(folder: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REFLEX_")} | env
    out = subprocess.run(
        [sys.executable, "-c", PRINT_REDIS], cwd=folder, env=clean, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_dotenv_file_configures_reflex_and_the_environment_wins(tmp_path):
    shutil.copy(REPO / "rxconfig.py", tmp_path / "rxconfig.py")
    (tmp_path / ".env").write_text("REFLEX_REDIS_URL=redis://from-dotenv:6379\n")
    assert _redis_url_seen(tmp_path) == "redis://from-dotenv:6379"
    assert _redis_url_seen(tmp_path, REFLEX_REDIS_URL="redis://from-env:6379") == "redis://from-env:6379"
