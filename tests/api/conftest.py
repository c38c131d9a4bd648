"""Helpers for API tests: a test client, bearer headers, DB snapshots, and codes from the outbox."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel, select

from tutorhub.api.app import api
from tutorhub.db import get_engine
from tutorhub.models import OutboxMessage
from tutorhub.services.accounts import api_tokens
from tutorhub.services.actor import UserOut

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture
def client() -> TestClient:
    return TestClient(api)


@pytest.fixture
def bearer(db):
    """bearer(user) -> {"Authorization": "Bearer <access>"} (tokens issued directly, no argon2 round)."""

    def _headers(user: UserOut) -> dict[str, str]:
        pair = api_tokens.issue_tokens(db, user_id=user.id)
        db.commit()
        return {"Authorization": f"Bearer {pair.access_token}"}

    return _headers


@pytest.fixture
def as_role(make_user, bearer):
    """as_role("tutor") -> (UserOut, headers) for a fresh user of that role."""

    def _make(role: str, **kwargs):
        user = make_user(role, **kwargs)
        return user, bearer(user)

    return _make


def db_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, read on a fresh connection (to prove a request changed nothing)."""
    result: dict[str, list[tuple]] = {}
    with get_engine().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(text(f"SELECT * FROM {table.name}")).all()
            result[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return result


def fresh(db) -> None:
    """End the test session's transaction so it sees what requests committed since."""
    db.commit()
    db.expire_all()


def latest_code(db, recipient: str) -> str:
    fresh(db)
    message = db.exec(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no message sent to {recipient}"
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)
