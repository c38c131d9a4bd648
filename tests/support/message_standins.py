"""Local stand-ins for Twilio Programmable Messaging and the Meta WhatsApp Cloud API: a real HTTP server
on 127.0.0.1 that checks each request the way the provider does (auth, required fields) and answers in
the provider's own shapes, so the SDKs (twilio, pywa) parse success and errors as in production.

`standin.fail = (status, body)` makes the next requests fail with that answer; `standin.requests` holds
what arrived (path, headers, parsed form fields or JSON). Twilio's message list (`GET .../Messages.json`,
filtered by To / From, newest first) answers from the messages the stand-in accepted (`twilio_messages`);
`standin.lose_answer = True` accepts the next Twilio message but answers 500, as when the answer is lost.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TWILIO_SID, TWILIO_TOKEN = "AC" + "0" * 32, "twilio-test-token"
CLOUD_TOKEN, CLOUD_PHONE_ID = "EAAG-test-token", "106540352242922"

_TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w{32})/Messages\.json$")
_CLOUD_PATH = re.compile(r"^/v\d+\.\d+/(\d+)/messages$")


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


def cloud_error(status: int, code: int, message: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": "OAuthException", "code": code,
                              "fbtrace_id": "AbCdEf123", **extra}}


class MessageProviderStandIn:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail: tuple[int, dict[str, Any]] | None = None
        self.twilio_messages: list[dict[str, Any]] = []
        self.lose_answer = False
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server hook name)
                self._send(*standin.list_twilio(self.path, dict(self.headers)))

            def do_POST(self) -> None:  # noqa: N802 (http.server hook name)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._send(*standin.answer(self.path, dict(self.headers), raw))

            def _send(self, status: int, answer: dict[str, Any]) -> None:
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        if match := _TWILIO_PATH.match(path):
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            self.requests.append({"provider": "twilio", "path": path, "headers": headers, "form": form})
            return self._twilio(match.group(1), headers, form)
        if match := _CLOUD_PATH.match(path):
            payload = json.loads(raw or b"{}")
            self.requests.append({"provider": "cloud", "path": path, "headers": headers, "json": payload})
            return self._cloud(match.group(1), headers, payload)
        return 404, {"error": f"no such endpoint {path}"}

    def _twilio(self, sid: str, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if headers.get("Authorization") != expected or sid != TWILIO_SID:
            return twilio_error(401, 20003, "Authenticate")
        if self.fail:
            return self.fail
        if not form.get("To") or not form.get("From"):
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not form.get("Body") and not form.get("ContentSid"):
            return twilio_error(400, 21602, "Message body is required.")
        message_sid = "SM" + uuid.uuid4().hex
        body = form.get("Body") or json.loads(form.get("ContentVariables") or "{}").get("1", "")
        message = {"sid": message_sid, "account_sid": sid, "to": form["To"], "from": form["From"],
                   "body": body, "status": "queued", "num_segments": "1", "direction": "outbound-api",
                   "api_version": "2010-04-01", "date_created": formatdate(usegmt=True),
                   "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json"}
        self.twilio_messages.append(message)
        if self.lose_answer:
            self.lose_answer = False
            return twilio_error(500, 20500, "Internal Server Error")
        return 201, message

    def list_twilio(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        match = _TWILIO_PATH.match(parts.path)
        if not match:
            return 404, {"error": f"no such endpoint {path}"}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append({"provider": "twilio", "method": "GET", "path": parts.path, "headers": headers,
                              "query": query})
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if headers.get("Authorization") != expected or match.group(1) != TWILIO_SID:
            return twilio_error(401, 20003, "Authenticate")
        found = [m for m in reversed(self.twilio_messages)
                 if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])]
        size = int(query.get("PageSize", 50))
        return 200, {"messages": found[:size], "end": min(size, len(found)) - 1, "first_page_uri": parts.path,
                     "next_page_uri": None, "page": 0, "page_size": size, "previous_page_uri": None, "start": 0,
                     "uri": path}

    def _cloud(self, phone_id: str, headers: dict[str, str], payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization") != f"Bearer {CLOUD_TOKEN}":
            return cloud_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if phone_id != CLOUD_PHONE_ID:
            return cloud_error(400, 100, f"Unsupported post request. Object with ID '{phone_id}' does not exist")
        if self.fail:
            return self.fail
        template = payload.get("template") or {}
        if payload.get("messaging_product") != "whatsapp" or payload.get("type") != "template" \
                or not template.get("name") or not (template.get("language") or {}).get("code"):
            return cloud_error(400, 100, "Invalid parameter")
        to = str(payload.get("to", ""))
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                     "messages": [{"id": "wamid." + uuid.uuid4().hex, "message_status": "accepted"}]}
