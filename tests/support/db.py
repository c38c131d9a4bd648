"""Fresh reads for assertions: what other transactions committed, seen on a connection of its own
(not the test's session, whose identity map could show stale or uncommitted rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from tutorhub.db import get_engine


def count(model: Any, *where: Any) -> int:
    with Session(get_engine()) as session:
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*where)
        return int(session.exec(query).one())


def fetch(model: Any, *where: Any) -> list[Any]:
    """Rows read on a fresh connection (what other transactions committed)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        return list(session.exec(select(model).where(*where)).all())
