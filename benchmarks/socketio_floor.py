"""The floor for bench_realtime.py: a bare python-socketio relay, nothing else.

Served like the app (granian, one worker): `granian --interface asgi benchmarks.socketio_floor:app`.
A socket connects on the app's namespace and path ("/_event") with `?token=<tab token>` and joins
the room named by its token; `POST /send/<token>` with a JSON body emits that body as an "event"
to the room and answers 201 — the app's chat path (an HTTP POST, then a push to the recipient's
socket) without authentication, database, state or serialization of a state delta.
`GET /health` → 200.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", logger=False, engineio_logger=False)


@sio.on("connect", namespace="/_event")
async def _connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
    await sio.enter_room(sid, token, namespace="/_event")


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _http(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    path, status = scope["path"], 404
    if scope["method"] == "GET" and path == "/health":
        status = 200
    elif scope["method"] == "POST" and path.startswith("/send/"):
        payload = json.loads(await _read_body(receive) or b"{}")
        await sio.emit("event", {"delta": {"floor": payload}, "events": [], "final": True},
                       room=path.removeprefix("/send/"), namespace="/_event")
        status = 201
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok" if status < 400 else b"no"})


app = socketio.ASGIApp(sio, other_asgi_app=_http, socketio_path="/_event")
