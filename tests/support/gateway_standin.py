"""A local HTTP stand-in for a payment provider's API, started by a test.

The real stripe / razorpay SDKs are pointed at it (TUTORHUB_STRIPE_API_BASE / _RAZORPAY_API_BASE),
it records every request (method, path, query, headers, body) and answers with the JSON the test
registered for "METHOD /path" (longest matching prefix wins), or drops the connection without an
answer when a responder returns the status DROP. Nothing touches the internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Responder = Callable[[Recorded], tuple[int, Any]]
DROP = 0  # a responder's status that closes the connection without answering (a lost response)


class StandIn:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.routes: dict[str, Responder] = {}
        self.base_url = ""

    def on(self, method: str, path: str, body: Any, status: int = 200) -> None:
        self.routes[f"{method} {path}"] = lambda _req: (status, body)

    def on_call(self, method: str, path: str, responder: Responder) -> None:
        self.routes[f"{method} {path}"] = responder

    def answer(self, req: Recorded) -> tuple[int, Any]:
        key = f"{req.method} {req.path}"
        best = max((k for k in self.routes if key.startswith(k)), key=len, default=None)
        if best is None:
            return 404, {"error": {"message": f"no stand-in route for {key}", "code": "BAD_REQUEST_ERROR"}}
        return self.routes[best](req)

    def find(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]


@contextmanager
def standin_server() -> Iterator[StandIn]:
    standin = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            req = Recorded(self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}, body)
            standin.requests.append(req)
            status, payload = standin.answer(req)
            if status == DROP:  # the request was handled, the answer is lost: close without one
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PATCH = _handle

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
