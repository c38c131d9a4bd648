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


class ConnectAccounts:
    """Stateful connected-account endpoints shaped as Stripe (Connect Express: accounts, account
    links, transfers) and Razorpay (Route: /v2/accounts, their products, /v1/transfers) answer them.
    `finish(account_id)` plays the tutor completing the provider's onboarding; `restrict` the
    provider asking for more. Every request is still recorded on the StandIn."""

    def __init__(self, api: StandIn) -> None:
        self.api = api
        self.accounts: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.transfers: list[dict[str, Any]] = []

    # Stripe ------------------------------------------------------------------------------------
    def serve_stripe(self) -> ConnectAccounts:
        self.api.on_call("POST", "/v1/accounts", self._stripe_create)
        self.api.on_call("GET", "/v1/accounts/", self._stripe_get)
        self.api.on_call("POST", "/v1/account_links", self._stripe_link)
        self.api.on_call("POST", "/v1/transfers", self._stripe_transfer)
        self.api.on_call("GET", "/v1/transfers", self._stripe_transfers)
        return self

    def _stripe_transfers(self, req: Recorded) -> tuple[int, Any]:
        group = (req.query.get("transfer_group") or [None])[0]
        found = [t for t in self.transfers if group is None or t["transfer_group"] == group]
        return 200, {"object": "list", "url": "/v1/transfers", "has_more": False, "data": found}

    def _stripe_create(self, req: Recorded) -> tuple[int, Any]:
        form = {k: v[0] for k, v in req.form().items()}
        if form.get("type") != "express":
            return 400, {"error": {"type": "invalid_request_error", "message": "type must be express"}}
        acct = f"acct_{len(self.accounts) + 1:04d}standin"
        self.accounts[acct] = {
            "id": acct, "object": "account", "type": "express", "email": form.get("email"),
            "metadata": {"tutorhub_user_id": form.get("metadata[tutorhub_user_id]")},
            "charges_enabled": False, "payouts_enabled": False, "details_submitted": False,
            "capabilities": {"transfers": "inactive"},
            "requirements": {"currently_due": ["external_account", "individual.dob.day"], "past_due": [],
                             "eventually_due": [], "pending_verification": [], "disabled_reason": "requirements.past_due"},
        }
        return 200, self.accounts[acct]

    def _stripe_get(self, req: Recorded) -> tuple[int, Any]:
        found = self.accounts.get(req.path.rsplit("/", 1)[-1])
        if found is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such account"}}
        return 200, found

    def _stripe_link(self, req: Recorded) -> tuple[int, Any]:
        form = {k: v[0] for k, v in req.form().items()}
        if form.get("account") not in self.accounts or form.get("type") != "account_onboarding":
            return 400, {"error": {"type": "invalid_request_error", "message": "bad account link"}}
        return 200, {"object": "account_link", "created": 1, "expires_at": 2,
                     "url": f"https://connect.stripe.com/setup/e/{form['account']}/standin"}

    def _stripe_transfer(self, req: Recorded) -> tuple[int, Any]:
        form = {k: v[0] for k, v in req.form().items()}
        account = self.accounts.get(form.get("destination", ""))
        if account is None or not account["payouts_enabled"]:
            return 400, {"error": {"type": "invalid_request_error", "message": "No such destination"}}
        transfer = {"id": f"tr_{len(self.transfers) + 1}", "object": "transfer", "amount": int(form["amount"]),
                    "currency": form["currency"], "destination": form["destination"],
                    "transfer_group": form.get("transfer_group"), "metadata": {"reference": form.get("metadata[reference]")}}
        self.transfers.append(transfer)
        return 200, transfer

    # Razorpay ----------------------------------------------------------------------------------
    def serve_razorpay(self) -> ConnectAccounts:
        self.api.on_call("POST", "/v2/accounts", self._rzp_account)
        self.api.on_call("POST", "/v2/accounts/", self._rzp_product)
        self.api.on_call("PATCH", "/v2/accounts/", self._rzp_product)
        self.api.on_call("GET", "/v2/accounts/", self._rzp_product)
        self.api.on_call("POST", "/v1/transfers", self._rzp_transfer)
        return self

    def _rzp_account(self, req: Recorded) -> tuple[int, Any]:
        if req.path != "/v2/accounts":
            return self._rzp_product(req)
        body = req.json()
        if body.get("type") != "route" or not body.get("phone"):
            return 400, {"error": {"code": "BAD_REQUEST_ERROR", "description": "type and phone are required"}}
        acc = f"acc_{len(self.accounts) + 1:04d}standin"
        self.accounts[acc] = {"id": acc, "type": "route", "status": "created", **body}
        return 200, self.accounts[acc]

    def _rzp_product(self, req: Recorded) -> tuple[int, Any]:
        parts = req.path.strip("/").split("/")  # v2 accounts {acc} products [{prd}]
        if len(parts) < 4 or parts[2] not in self.accounts or parts[3] != "products":
            return 404, {"error": {"code": "BAD_REQUEST_ERROR", "description": "no such account"}}
        if req.method == "POST":
            prd = f"acc_prd_{len(self.products) + 1:04d}"
            self.products[prd] = {"id": prd, "product_name": "route", "account_id": parts[2],
                                  "activation_status": "needs_clarification",
                                  "requirements": [{"field_reference": "settlements.account_number", "status": "required"}]}
            return 200, self.products[prd]
        product = self.products.get(parts[4] if len(parts) > 4 else "")
        if product is None:
            return 404, {"error": {"code": "BAD_REQUEST_ERROR", "description": "no such product"}}
        if req.method == "PATCH" and (req.json().get("settlements") or {}).get("account_number"):
            product.update(activation_status="under_review", requirements=[], settlements=req.json()["settlements"])
        return 200, product

    def _rzp_transfer(self, req: Recorded) -> tuple[int, Any]:
        body = req.json()
        product = next((p for p in self.products.values() if p["account_id"] == body.get("account")), None)
        if product is None or product["activation_status"] != "activated":
            return 400, {"error": {"code": "BAD_REQUEST_ERROR", "description": "The linked account is not activated"}}
        transfer = {"id": f"trf_{len(self.transfers) + 1}", "entity": "transfer", "status": "processed",
                    "recipient": body["account"], "amount": body["amount"], "currency": body["currency"],
                    "notes": body.get("notes") or {}, "created_at": 1}
        self.transfers.append(transfer)
        return 200, transfer

    # The provider's side of onboarding ---------------------------------------------------------
    def finish(self, account_id: str) -> dict[str, Any]:
        """The tutor completed the hosted onboarding (Stripe) / Razorpay activated the account."""
        if account_id in self.accounts and account_id.startswith("acct_"):
            self.accounts[account_id].update(
                charges_enabled=False, payouts_enabled=True, details_submitted=True, capabilities={"transfers": "active"},
                requirements={"currently_due": [], "past_due": [], "eventually_due": [], "pending_verification": [],
                              "disabled_reason": None})
            return self.accounts[account_id]
        product = next(p for p in self.products.values() if p["account_id"] == account_id)
        product.update(activation_status="activated", requirements=[])
        return product

    def restrict(self, account_id: str) -> dict[str, Any]:
        """Stripe wants more: payouts off, an item past due."""
        self.accounts[account_id].update(
            payouts_enabled=False, details_submitted=True, capabilities={"transfers": "inactive"},
            requirements={"currently_due": ["individual.verification.document"],
                          "past_due": ["individual.verification.document"], "eventually_due": [],
                          "pending_verification": [], "disabled_reason": "requirements.past_due"})
        return self.accounts[account_id]
