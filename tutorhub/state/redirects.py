"""Sending the browser to a payment page.

The sandbox checkout lives in this app (`{public_url}/pay/sandbox/<ref>`): it is followed as a
same-site path, so it works whatever host the visitor used to reach the app (a reverse proxy, a
test server on a random port). Provider pages (Stripe, Razorpay) are followed as they are; only
http(s) URLs that a gateway returned are ever followed (never text from the browser).
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from tutorhub.settings import get_settings


def checkout_target(url: str) -> str:
    """The URL to send the browser to ("" when there is nothing safe to follow)."""
    if not isinstance(url, str) or not url:
        return ""
    base = get_settings().public_url.rstrip("/")
    if base and url.startswith(base + "/"):
        return url[len(base):]
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.startswith(("https://", "http://")):
        return url
    return ""


def checkout_redirect(url: str) -> EventSpec:
    target = checkout_target(url)
    if not target:
        return rx.toast.error("The payment page could not be opened. Please try again.")
    return rx.redirect(target)
