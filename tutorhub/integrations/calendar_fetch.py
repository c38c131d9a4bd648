"""Fetching a tutor's external iCalendar URL, guarded (a transport: no services, no database).

The URL comes from a user, and the server fetches it every 15 minutes, so the fetcher must not
become a way into the machine's own network (server-side request forgery) or a way to exhaust it:

- schemes: https, and http only when the caller allows it (development);
- every address the host name resolves to must be public (not loopback, private, link-local,
  shared, reserved or multicast; IPv4-mapped IPv6 is unwrapped), checked *after* DNS resolution
  and then connected to by that checked address (the Host header and TLS SNI / certificate check
  keep the real name), so a second DNS answer cannot swap in an internal address (DNS rebinding);
  `allow_private=True` (TUTORHUB_ALLOW_PRIVATE_CALENDAR_URLS=1, tests) lifts this;
- redirects are followed by hand, at most `MAX_REDIRECTS`, and every hop is checked the same way;
- connect/read timeouts plus an overall deadline, and the body is streamed and cut at `max_bytes`;
- conditional requests (If-None-Match / If-Modified-Since): 304 means "unchanged".

Every failure is a `CalendarFetchError` with a message fit to show the tutor.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
TOTAL_SECONDS = 30.0
USER_AGENT = "TutorHub-calendar-sync/1.0"

Resolver = Callable[[str, int], list[str]]


class CalendarFetchError(Exception):
    """The calendar could not be fetched; the message is shown to the tutor as is."""


@dataclass(frozen=True)
class FetchResult:
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    final_url: str = ""


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CalendarFetchError(f"The host name {host!r} could not be resolved.") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """True for an address anyone on the internet could reach (see the module docstring)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_http: bool) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable calendar URL, else CalendarFetchError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CalendarFetchError("The address is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_http):
        raise CalendarFetchError("Only https:// calendar addresses are accepted.")
    host = parts.hostname or ""
    if not host:
        raise CalendarFetchError("The address has no host name.")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _pinned(url: str, address: str) -> str:
    """`url` with its host replaced by the checked address (port, path and query kept)."""
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _host_header(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


def _checked_address(url: str, *, allow_http: bool, allow_private: bool, resolver: Resolver) -> tuple[str, str]:
    """(scheme, the address to connect to) after the scheme and every resolved address passed."""
    scheme, host, port = check_url(url, allow_http=allow_http)
    addresses = resolver(host, port)
    if not addresses:
        raise CalendarFetchError(f"The host name {host!r} could not be resolved.")
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise CalendarFetchError("The address points into a private network; only public calendars can be added.")
    return scheme, addresses[0]


def _too_large(max_bytes: int) -> CalendarFetchError:
    size = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"
    return CalendarFetchError(f"The calendar is larger than {size}.")


def _read_body(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        if time.monotonic() > deadline:
            raise CalendarFetchError("The calendar server was too slow to answer.")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_calendar(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    allow_http: bool = False,
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
    resolver: Resolver = resolve_host,
    transport: httpx.BaseTransport | None = None,
) -> FetchResult:
    """GET an iCalendar URL under the guards of the module docstring."""
    deadline = time.monotonic() + TOTAL_SECONDS
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    current = url
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, transport=transport) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            scheme, address = _checked_address(current, allow_http=allow_http, allow_private=allow_private,
                                               resolver=resolver)
            host = urlsplit(current).hostname or ""
            extensions = {"sni_hostname": host} if scheme == "https" else {}
            request = client.build_request("GET", _pinned(current, address),
                                           headers={**headers, "Host": _host_header(current)}, extensions=extensions)
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise CalendarFetchError("The calendar server did not answer in time.") from exc
            except httpx.HTTPError as exc:
                raise CalendarFetchError(f"The calendar server could not be reached ({type(exc).__name__}).") from exc
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location", "")
                    if not location:
                        raise CalendarFetchError("The calendar server redirected without a location.")
                    current = urljoin(current, location)
                    continue
                if response.status_code == 304:
                    return FetchResult(not_modified=True, etag=etag, last_modified=last_modified, final_url=current)
                if response.status_code != 200:
                    raise CalendarFetchError(f"The calendar server answered HTTP {response.status_code}.")
                try:
                    body = _read_body(response, max_bytes, deadline)
                except httpx.TimeoutException as exc:
                    raise CalendarFetchError("The calendar server did not answer in time.") from exc
                except httpx.HTTPError as exc:
                    raise CalendarFetchError(f"The calendar download failed ({type(exc).__name__}).") from exc
                return FetchResult(
                    not_modified=False,
                    body=body,
                    etag=response.headers.get("etag", "")[:300],
                    last_modified=response.headers.get("last-modified", "")[:100],
                    final_url=current,
                )
            finally:
                response.close()
    raise CalendarFetchError(f"The calendar address redirected more than {MAX_REDIRECTS} times.")
