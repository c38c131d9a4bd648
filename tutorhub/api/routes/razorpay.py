"""Razorpay Checkout: the page that opens it, and the callback Razorpay posts the result to.

The page is plain HTML (no Reflex): Razorpay Checkout is a script from checkout.razorpay.com that
needs the order id and our public key id. Values go into the page as JSON inside a
`<script type="application/json">` block with `<`, `>` and `&` escaped, never as script code.
Without internet the page still renders (amount, order id) but the Razorpay button cannot load.

The callback verifies `razorpay_signature` over "order_id|payment_id" with the key secret
(razorpay's `utility.verify_payment_signature`), then records the payment through the same
dedup/apply path as webhooks (its event id equals the `payment.captured` webhook's), and sends
the payer to the success URL stored on the order.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tutorhub.db import session_scope
from tutorhub.integrations.payments import GatewayError, configured_gateways, get_gateway_by_name
from tutorhub.integrations.payments.base import WebhookSignatureError
from tutorhub.integrations.payments.razorpay_gateway import RazorpayGateway
from tutorhub.models.base import utcnow
from tutorhub.services.checkout.webhooks import ingest_event
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1/payments/razorpay", tags=["payments"])
_ID_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def _gateway() -> RazorpayGateway | None:
    if "razorpay" not in configured_gateways():
        return None
    gateway = get_gateway_by_name("razorpay")
    return gateway if isinstance(gateway, RazorpayGateway) else None


def _safe(url: object) -> str:
    base = get_settings().public_url.rstrip("/")
    if isinstance(url, str) and "\\" not in url and (
        url.startswith(base + "/") or (url.startswith("/") and not url.startswith("//"))
    ):
        return url
    return "/"


def _json_for_html(value: object) -> str:
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.get("/checkout/{order_id}", response_class=HTMLResponse, include_in_schema=False)
def checkout_page(order_id: str) -> Response:
    gateway = _gateway()
    if gateway is None or not _ID_RE.match(order_id):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    try:
        order = gateway.fetch_order(order_id)
    except GatewayError:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    notes = order.get("notes") or {}
    amount = int(order.get("amount") or 0)
    description = str(notes.get("description") or "")[:200]
    options = {
        "key": gateway.key_id,
        "order_id": order_id,
        "amount": amount,
        "currency": "INR",
        "name": "TutorHub",
        "description": description,
        "callback_url": f"{get_settings().public_url}/api/v1/payments/razorpay/callback",
        "prefill": {"email": str(notes.get("email") or "")},
        "notes": {"reference": str(notes.get("reference") or "")},
    }
    cancel = html.escape(_safe(notes.get("cancel_url")), quote=True)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Pay · TutorHub</title></head>
<body style="font-family:system-ui;max-width:28rem;margin:2rem auto;padding:0 1rem">
<h1>Pay with Razorpay</h1>
<p>{html.escape(description)}</p>
<p><strong>₹{amount // 100}.{amount % 100:02d}</strong> (order {html.escape(order_id)})</p>
<button id="pay" type="button">Pay now</button> <a href="{cancel}">Cancel</a>
<script id="rzp-options" type="application/json">{_json_for_html(options)}</script>
<script src="https://checkout.razorpay.com/v1/checkout.js"></script>
<script>
document.getElementById("pay").onclick = function () {{
  var o = JSON.parse(document.getElementById("rzp-options").textContent);
  if (!window.Razorpay) {{ alert("Razorpay Checkout could not load (offline?)."); return; }}
  new window.Razorpay(o).open();
}};
</script></body></html>"""
    return HTMLResponse(page)


def _record(gateway: RazorpayGateway, fields: dict[str, str]) -> str:
    now = utcnow()
    event = gateway.verify_checkout(
        order_id=fields.get("razorpay_order_id", ""), payment_id=fields.get("razorpay_payment_id", ""),
        signature=fields.get("razorpay_signature", ""), now=now,
    )
    order = gateway.fetch_order(fields["razorpay_order_id"])
    with session_scope() as session:
        ingest_event(session, event, raw_body=json.dumps(fields).encode(), now=now)
    return _safe((order.get("notes") or {}).get("success_url"))


@router.post("/callback", include_in_schema=True, status_code=303,
             responses={400: {"description": "Signature does not verify"}, 404: {"description": "Razorpay not configured"}})
async def checkout_callback(request: Request) -> Response:
    """Razorpay Checkout posts `razorpay_payment_id`, `razorpay_order_id`, `razorpay_signature`
    (form-encoded, or JSON); a verified payment is recorded and the payer redirected (303)."""
    gateway = _gateway()
    if gateway is None:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    raw = await request.body()
    fields: dict[str, str] = {}
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            data = json.loads(raw)
            fields = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}
        else:
            fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items() if v}
    except (ValueError, UnicodeDecodeError):
        fields = {}
    if not all(_ID_RE.match(fields.get(k, "")) for k in ("razorpay_order_id", "razorpay_payment_id")):
        return JSONResponse({"detail": "Missing or invalid razorpay_order_id / razorpay_payment_id."}, status_code=400)
    try:
        target = await asyncio.to_thread(_record, gateway, fields)
    except WebhookSignatureError:
        return JSONResponse({"detail": "Payment signature does not verify."}, status_code=400)
    except GatewayError:
        return JSONResponse({"detail": "Razorpay could not be reached; your payment will still be recorded."},
                            status_code=502)
    return RedirectResponse(target, status_code=303)
