"""Logging for every process: JSON lines in production containers, readable text in development.

`TUTORHUB_LOG_FORMAT=json` (the container's default) writes one JSON object per line on stderr:
`time` (UTC, ISO 8601), `level`, `logger`, `message`, and, inside a request, `request_id` and
`user_id`; the request log line (tutorhub/api/request_log.py) adds `method`, `route` (the route
template, never the raw path: paths can carry tokens), `status` and `duration_ms`.
`TUTORHUB_LOG_FORMAT=text` (the default) keeps the familiar one-line text for development.

Personal data never reaches a JSON log: every message is scrubbed of email addresses, phone
numbers, bearer/JWT tokens and other long secrets, card numbers and one-time codes (`scrub`), so a
careless `log.warning("... %s", email)` anywhere in the code base is still safe in production. The
text format is not scrubbed: the development outbox logs its messages (codes included) on purpose.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

# The current request's context: a dict created per request by the middleware and filled in later
# (the authenticated user id is known only after a dependency ran, possibly in a worker thread
# that sees a copy of the context: it mutates the same dict).
REQUEST_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "tutorhub_request_context", default=None
)

_HANDLER_NAME = "tutorhub-root"
_FIELDS = ("method", "route", "status", "duration_ms", "client")

_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), "[token]"),
    (re.compile(r"(?i)\bbearer\s+\S+"), "Bearer [token]"),
    (re.compile(r"(?i)\b(token|secret|password|code|otp)([\"']?\s*[:=]\s*[\"']?)[^\s,;&\"']+"), r"\1\2[redacted]"),
    (re.compile(r"[A-Za-z0-9_\-]{32,}"), "[secret]"),
    (re.compile(r"\b(?:\d[ \-]?){12,18}\d\b"), "[card]"),
    (re.compile(r"\+\d[\d \-]{6,16}\d"), "[phone]"),
    (re.compile(r"(?<![\d.:/-])\d{4,8}(?!\d|[.:/-]\d)"), "[number]"),
)


def scrub(text: str) -> str:
    """`text` without email addresses, tokens, secrets, card and phone numbers or codes."""
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


def bind_user(user_id: int | None) -> None:
    """Record the authenticated user of the current request (its id only) for the log lines."""
    context = REQUEST_CONTEXT.get()
    if context is not None and user_id is not None:
        context["user_id"] = int(user_id)


class ContextFilter(logging.Filter):
    """Copies the request id and user id of the current request onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = REQUEST_CONTEXT.get() or {}
        if not hasattr(record, "request_id"):
            record.request_id = context.get("request_id")
        if not hasattr(record, "user_id"):
            record.user_id = context.get("user_id")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the message and exception text are scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))[-4000:]
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-01-01 10:00:00 WARNING tutorhub.api [req 1a2b… user 7] message`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        if getattr(record, "request_id", None):
            parts.append(f"req {str(record.request_id)[:8]}")
        if getattr(record, "user_id", None) is not None:
            parts.append(f"user {record.user_id}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


def log_format() -> str:
    value = os.environ.get("TUTORHUB_LOG_FORMAT", "").strip().lower() or "text"
    return value if value in {"json", "text"} else "text"


def configure_logging(fmt: str | None = None, *, stream: Any = None) -> logging.Handler:
    """Install the root handler once per process (again if called with another format or stream)."""
    fmt = fmt or log_format()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    # Our own loggers speak at INFO (the request log); libraries stay at the root's WARNING.
    logging.getLogger("tutorhub").setLevel(logging.INFO)
    if fmt == "json":
        # The server's own access log repeats ours without user or request id, and with raw paths.
        for name in ("uvicorn.access", "granian.access"):
            logging.getLogger(name).disabled = True
    return handler
