"""Release many connections at once: the harness shared by the account and limit race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlmodel import Session

from tutorhub.db import session_scope
from tutorhub.services.errors import DomainError


def race(n: int, fn: Callable[[Session, int], Any]) -> list[tuple[str, Any]]:
    """Run fn(session, i) for i in range(n) in n threads released together on a barrier, each in
    its own unit of work: ("ok", result) on commit, else (error class name, message)."""
    barrier = threading.Barrier(n)

    def run(i: int) -> tuple[str, Any]:
        barrier.wait()
        try:
            with session_scope() as session:
                return ("ok", fn(session, i))
        except DomainError as exc:
            return (type(exc).__name__, exc.message)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))
