"""A local stand-in for the Anthropic Messages API: the real `anthropic` SDK talks to it over HTTP
(`ANTHROPIC_BASE_URL`). Each request takes the next scripted answer: a tool call with the given
input, an HTTP error status, or a delay longer than the client's timeout. Requests are recorded
so tests can assert what the SDK sent."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tutorhub.settings import reset_settings


class ClaudeStandIn:
    def __init__(self) -> None:
        self.script: list[tuple[str, Any]] = []  # ("tool", input) | ("status", code) | ("sleep", seconds)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                stand_in.requests.append(body)
                stand_in.headers.append({k.lower(): v for k, v in self.headers.items()})
                kind, value = stand_in.script.pop(0) if stand_in.script else ("status", 500)
                if kind == "sleep":
                    time.sleep(value)
                    kind, value = "status", 500
                if kind == "status":
                    payload = {"type": "error", "error": {"type": "overloaded_error" if value == 529 else "api_error",
                                                          "message": "stand-in error"}}
                    self._send(value, payload)
                    return
                tool = (body.get("tools") or [{}])[0].get("name", "tool")
                self._send(200, {
                    "id": f"msg_{len(stand_in.requests)}", "type": "message", "role": "assistant",
                    "model": body.get("model"), "stop_reason": "tool_use", "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 10},
                    "content": [{"type": "tool_use", "id": f"toolu_{len(stand_in.requests)}", "name": tool,
                                 "input": value}],
                })

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ClaudeStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def good_plan(minutes: int = 30) -> dict[str, Any]:
    return {"weeks": [
        {"week": w, "topics": [{"title": f"Topic {w}", "tasks": [
            {"title": f"Task {w}.1", "description": "Work through it.", "minutes": minutes, "book_lesson": w == 4}]}]}
        for w in range(1, 5)]}


@pytest.fixture
def claude(monkeypatch):
    """Claude configured (key, model, 1 s timeout) and pointed at a fresh stand-in."""
    with ClaudeStandIn() as stand_in:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", stand_in.url)
        monkeypatch.setenv("TUTORHUB_LLM_MODEL", "claude-test-model")
        monkeypatch.setenv("TUTORHUB_LLM_TIMEOUT_SECONDS", "1")
        reset_settings()
        yield stand_in
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    reset_settings()
