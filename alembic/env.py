"""Alembic environment: the database URL comes from TutorHub settings (or the caller)."""

from alembic import context
from sqlalchemy import pool
from sqlmodel import SQLModel

import tutorhub.models  # noqa: F401  (registers every table)
from tutorhub.db import get_engine, normalize_url
from tutorhub.models.base import UtcDateTime

config = context.config
target_metadata = SQLModel.metadata


def _render_item(type_, obj, autogen_context):
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "tutorhub.models.base.UtcDateTime()"
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        return f"sqlmodel.sql.sqltypes.{obj.__class__.__name__}(length={getattr(obj, 'length', None)})"
    return False


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    engine = get_engine(normalize_url(url)) if url else get_engine()
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


del pool
run_migrations()
