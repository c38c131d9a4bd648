"""The tutor's intro video on the public profile: an embedded player for YouTube and Vimeo, a plain link
for anything else.

Only these two hosts are embedded because the page's Content-Security-Policy allows frames from exactly
their player origins (api/security_headers.py, `frame-src`), and each has a privacy-friendly player:
YouTube's `youtube-nocookie.com` (no cookies until the visitor presses play) and Vimeo's `dnt=1`.
The embed URL is rebuilt from a checked video id — never the tutor's URL itself — so a lookalike host
(`youtube.com.evil.example`), a user-info trick (`https://youtube.com@evil.example/`) or extra
parameters cannot put anything else in the frame.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

YOUTUBE_EMBED = "https://www.youtube-nocookie.com"
VIMEO_EMBED = "https://player.vimeo.com"
FRAME_SOURCES = (YOUTUBE_EMBED, VIMEO_EMBED)  # what the CSP's frame-src allows besides 'self'

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                  "www.youtube-nocookie.com"}
_YOUTU_BE = {"youtu.be", "www.youtu.be"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com"}
_PLAYER_VIMEO = {"player.vimeo.com"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
_VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")
_START = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,5})s?)?$")


def _first(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0]


def _start_seconds(value: str) -> int:
    """`t=90`, `t=1m30s` or `start=90` as seconds; 0 when absent or not understood."""
    match = _START.match(value.strip()) if value else None
    if not match:
        return 0
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return min(hours * 3600 + minutes * 60 + seconds, 24 * 3600)


def _youtube(host: str, path: str, query: dict[str, list[str]]) -> str:
    parts = [p for p in path.split("/") if p]
    if host in _YOUTU_BE:
        video = parts[0] if len(parts) == 1 else ""
    elif parts == ["watch"]:
        video = _first(query, "v")
    elif len(parts) == 2 and parts[0] in ("embed", "shorts", "live", "v"):
        video = parts[1]
    else:
        video = ""
    if not _YOUTUBE_ID.match(video):
        return ""
    start = _start_seconds(_first(query, "t") or _first(query, "start"))
    return f"{YOUTUBE_EMBED}/embed/{video}?rel=0" + (f"&start={start}" if start else "")


def _vimeo(host: str, path: str, query: dict[str, list[str]]) -> str:
    parts = [p for p in path.split("/") if p]
    if host in _PLAYER_VIMEO:
        ok = len(parts) == 2 and parts[0] == "video"
        video, secret = (parts[1] if ok else ""), _first(query, "h")
    else:
        video = parts[0] if len(parts) in (1, 2) else ""
        secret = parts[1] if len(parts) == 2 else _first(query, "h")
    if not _VIMEO_ID.match(video):
        return ""
    url = f"{VIMEO_EMBED}/video/{video}?dnt=1"
    return url + (f"&h={secret}" if secret and _VIMEO_HASH.match(secret) else "")


def intro_video_embed(url: Any) -> str:
    """The player URL to put in an iframe for a YouTube or Vimeo link; "" for anything else (shown
    as a plain link instead)."""
    if not isinstance(url, str) or not url or len(url) > 500:
        return ""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or port is not None or parts.username or parts.password:
        return ""
    query = parse_qs(parts.query)
    if host in _YOUTUBE_HOSTS or host in _YOUTU_BE:
        return _youtube(host, parts.path, query)
    if host in _VIMEO_HOSTS or host in _PLAYER_VIMEO:
        return _vimeo(host, parts.path, query)
    return ""


def video_host(url: Any) -> str:
    """The link's host for the plain-link label ("Watch the intro video (example.com)"); "" if none."""
    if not isinstance(url, str):
        return ""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")
