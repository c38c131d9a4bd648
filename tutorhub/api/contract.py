"""The API contract, kept true in one place: JSON for every /api/v1 path, and every error documented.

Two mechanisms, installed by `tutorhub.api.errors.install_error_handlers`:

- `ApiPathsAnswerJson` (ASGI middleware): Reflex mounts its backend and the compiled frontend at ""
  inside this app, so a /api/v1 request no API route answers would fall through to the frontend (an
  HTML 404 page for GET, a text/plain 405 for other methods), and a known path with the wrong method
  likewise. The middleware answers those itself, as JSON: 405 with an `Allow` header listing every
  method the path supports (Starlette's own 405 lists only the first matching route's), else 404.
- `document_errors` (OpenAPI post-processing): the answers every operation of a kind can give are
  added to the document once, instead of by hand on each route: 400 (unparsable body) and 413 (too
  large) where there is a request body, 401 where a token is required, 404 where the path holds an
  id, and the real error body (`ErrorOut`) for 422 instead of FastAPI's default model. Routes that
  read the caller only when there is one (`OptionalUser`) are documented as public (`security` lists
  the anonymous alternative `{}`). Codes that depend on the use case (402, 403, 409, 429, ...) stay
  on the routes, through `schemas.error_responses`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import JSONResponse
from starlette.routing import Route, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from tutorhub.api.deps import optional_user
from tutorhub.api.schemas import ErrorOut, error_text

API_PREFIX = "/api/v1"
# Dependencies that identify the caller only when a token is sent: their routes are public reads.
OPTIONAL_AUTH_DEPENDENCIES: tuple[Callable[..., Any], ...] = (optional_user,)


def _is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _api_routes(app: FastAPI) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    """(path regex, methods) of every route of the app, included routers flattened, the Reflex mount
    (and any other mount) left out."""
    table = []
    for context in iter_route_contexts(app.router.routes):
        if isinstance(context.original_route, Route) and context.path and context.methods:
            regex, _, _ = compile_path(context.path)
            table.append((context.path, regex, frozenset(context.methods)))
    return table


def allowed_methods(table: list[tuple[str, re.Pattern[str], frozenset[str]]], path: str) -> set[str]:
    """Every method some route answers on this path (empty: no route has this path). A literal path
    (`/bookings/series`) wins over templates that would also match it (`/bookings/{booking_id}`)."""
    literal: set[str] = set()
    templated: set[str] = set()
    for template, regex, route_methods in table:
        if regex.match(path):
            (templated if "{" in template else literal).update(route_methods)
    return literal or templated


class ApiPathsAnswerJson:
    """JSON 404 / 405 (with `Allow`) for /api/v1 requests that no API route answers."""

    def __init__(self, app: ASGIApp, *, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._table: list[tuple[str, re.Pattern[str], frozenset[str]]] = []
        self._routes_seen = -1
        # Methods by request path: matching a path against every route's regex on every request cost
        # the chat benchmark measurable worker time. Bounded: paths carry ids.
        self._allowed: dict[str, frozenset[str]] = {}

    def _routes(self) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
        if self._routes_seen != len(self.api.router.routes):  # built once, after every router is included
            self._table = _api_routes(self.api)
            self._routes_seen = len(self.api.router.routes)
            self._allowed.clear()
        return self._table

    def _methods(self, path: str) -> frozenset[str]:
        table = self._routes()
        methods = self._allowed.get(path)
        if methods is None:
            if len(self._allowed) >= 4096:
                self._allowed.clear()
            methods = self._allowed[path] = frozenset(allowed_methods(table, path))
        return methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not _is_api_path(path):
            await self.app(scope, receive, send)
            return
        methods = self._methods(path)
        if scope["method"] in methods:
            await self.app(scope, receive, send)
            return
        if methods:
            allow = ", ".join(sorted(methods))
            response = JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": allow})
        else:
            response = JSONResponse({"detail": "Not Found"}, status_code=404)
        await response(scope, receive, send)


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _public_operations(app: FastAPI) -> set[tuple[str, str]]:
    public: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and any(call in OPTIONAL_AUTH_DEPENDENCIES for call in _calls(route.dependant)):
            public |= {(str(context.path_format), method.lower()) for method in context.methods or ()}
    return public


def _error(code: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or error_text(code),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }


def document_errors(schema: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """Add the errors every operation of its kind can answer (see the module docstring)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    public = _public_operations(app)
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses: dict[str, Any] = op["responses"]
            params = op.get("parameters", [])
            if "requestBody" in op:
                responses.setdefault("400", _error(400))
                responses.setdefault("413", _error(413))
            if (path, method) in public:
                op["security"] = [{}, *[req for req in op.get("security", []) if req]]
            elif any(req for req in op.get("security", [])):
                responses.setdefault("401", _error(401))
            if any(p.get("in") == "path" for p in params):
                responses.setdefault("404", _error(404, "Not found (or not yours); also for an id that is not one"))
            if "422" in responses or params or "requestBody" in op:
                description = responses.get("422", {}).get("description")
                if not description or description == "Validation Error":
                    description = error_text(422)
                responses["422"] = _error(422, description)
            for code, response in responses.items():  # errors are JSON even where success is not
                content = response.get("content")
                if code[0] in "45" and content and "application/json" not in content:
                    response["content"] = {"application/json": next(iter(content.values()))}
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


def install_contract(app: FastAPI) -> None:
    """Install both mechanisms on the API app (the routes may be added afterwards: both look late)."""
    app.add_middleware(ApiPathsAnswerJson, api=app)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate(), app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
