"""Fetching exchange rates from the operator's configured feed (TUTORHUB_RATES_URL): a transport only.

The URL comes from the environment (the operator), never from a user, so no address guard is
needed; a timeout and a size cap keep a slow or huge answer from stalling the job. The body must be
JSON `{"base": "USD", "rates": {"EUR": 0.92, ...}}`; rates are returned as text exactly as sent
(numbers are re-read as Decimal by the caller, never as floats).
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 256 * 1024


class RatesFeedError(Exception):
    """The feed could not be read or is not in the expected shape; the message says why."""


def fetch_rates(url: str) -> tuple[str, dict[str, str]]:
    """(base currency, {code: rate text}) from the feed."""
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise RatesFeedError(f"The rates feed could not be reached: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise RatesFeedError(f"The rates feed answered HTTP {response.status_code}.")
    if len(response.content) > MAX_BYTES:
        raise RatesFeedError("The rates feed answer is too large.")
    try:
        data = json.loads(response.content, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise RatesFeedError("The rates feed did not answer JSON.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("base"), str) or not isinstance(data.get("rates"), dict):
        raise RatesFeedError('The rates feed must answer {"base": "USD", "rates": {...}}.')
    rates = {str(k): str(v) for k, v in data["rates"].items() if isinstance(v, Decimal)}
    return data["base"], rates
