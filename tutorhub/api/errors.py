"""Every error leaves the API as JSON `{"detail": ...}` with the right status code.

- `DomainError` subclasses carry their own `status_code` (422, 401, 403, 404, 409, 429); field
  messages from validation go in `fields`; 401 adds `WWW-Authenticate: Bearer`, 429 `Retry-After`.
- A path id that is not a valid id (`/bookings/abc`) is a 404 "Not found.", like a missing row.
- Request validation errors (malformed JSON, wrong types, missing fields) are 422. The offending
  input is never echoed back: it may be a password or a 10 kB string.
- `HTTPException` (unknown route, wrong method, unparsable body) keeps its status.
- A database integrity race (two sign-ups with the same email at once) is a 409, not a 500; so
  are deadlocks, serialization failures and lock timeouts (another request won a race).
- A request that waited the pool timeout for a database connection is a 503 with Retry-After: the
  server is saturated, nothing was done, and the client may simply try again.
- Anything else is logged and answered with a bare 500 that reveals nothing.
- A /api/v1 path or method no route answers is a JSON 404 / 405 (with `Allow`), never the
  frontend's page, and every such error is in the OpenAPI document (`tutorhub.api.contract`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tutorhub.api.contract import install_contract
from tutorhub.services.booking.guard import is_contention
from tutorhub.services.errors import DomainError, RateLimited

log = logging.getLogger("tutorhub.api")


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """Every 401 (NotAuthenticated or otherwise) carries the Bearer challenge."""
    merged = dict(headers or {})
    if status == 401:
        merged.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=merged or None)


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    body: dict[str, Any] = {"detail": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    for key, value in exc.extra.items():
        body.setdefault(key, value)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, int(exc.retry_after_seconds)))
    return _json(exc.status_code, body, headers)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(list(err.get("loc", ()))[:1] == ["path"] for err in exc.errors()):
        # An id in the path that is not one (`/bookings/abc`, `/tutors/0`) names nothing: 404, like a
        # missing row, never a 422 about the URL.
        return _json(404, {"detail": "Not found."})
    errors = []
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        msg = str(err.get("msg", "invalid value"))
        errors.append(
            {
                "loc": [str(p) if not isinstance(p, int) else p for p in loc],
                "msg": msg,
                "type": str(err.get("type", "value_error")),
            }
        )
        fields.setdefault(_field_name(loc), msg)
    return _json(422, {"detail": errors, "fields": fields})


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    body: dict[str, Any] = {"detail": exc.detail}
    if getattr(exc, "fields", None):
        body["fields"] = exc.fields  # type: ignore[attr-defined]
    return _json(exc.status_code, body, dict(exc.headers or {}))


def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error mapped to 409: %s", type(exc).__name__)
    return _json(409, {"detail": "This conflicts with existing data; reload and try again."})


def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    """Deadlocks, serialization failures and lock timeouts mean another request won a race: 409."""
    if is_contention(exc):
        log.warning("database contention mapped to 409: %s", type(exc).__name__)
        return _json(409, {"detail": "Someone else changed this at the same moment; reload and try again."})
    return _unexpected_error(request, exc)


def _pool_timeout(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("no database connection within the pool timeout: answered 503")
    return _json(503, {"detail": "The server is busy. Please try again in a moment."}, {"Retry-After": "2"})


def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled API error", exc_info=exc)
    return _json(500, {"detail": "Internal server error."})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(Exception, _unexpected_error)
    install_contract(app)
