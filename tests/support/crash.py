"""Killing a process between two steps of a money flow, to prove the flow resumes with nothing lost
or sent twice. The child swaps a test seam (a no-op hook in the service) for `os._exit(17)`; nothing
in production code reads the test's wishes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CRASHED = 17

_SCRIPT = f"""
import importlib, os, sys
from datetime import datetime
module = importlib.import_module(sys.argv[1])
setattr(module, sys.argv[2], lambda reference: os._exit({CRASHED}))
getattr(module, sys.argv[3])(sys.argv[4], now=datetime.fromisoformat(sys.argv[5]))
os._exit(0)
"""


def crash_at(module: str, seam: str, send: str, reference: str, now: datetime) -> subprocess.CompletedProcess:
    """Run `module.send(reference, now=now)` in a child process that dies when it reaches `seam`
    (the claim is stamped with the test's clock, not the machine's)."""
    return subprocess.run([sys.executable, "-c", _SCRIPT, module, seam, send, reference, now.isoformat()],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120)


def verify_ledger_cli() -> subprocess.CompletedProcess:
    """`python -m tutorhub verify-ledger`, as an operator runs it after a crash."""
    return subprocess.run([sys.executable, "-m", "tutorhub", "verify-ledger"], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)
