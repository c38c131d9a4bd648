"""Video-room settings (issue 19): the Janus SFU, the ICE servers browsers use, the join window.

Kept beside `settings.py` (which it reads for the install's key) so the main settings object stays
small. Read on each call (cheap: environment look-ups and two HMACs), so tests that change the
environment and call `reset_settings()` see the change here too.

- TUTORHUB_SFU: `janus` (default: used when it answers, else the external meeting link) or `off`.
- TUTORHUB_JANUS_ADMIN_URL: the Janus admin API the app calls (default http://127.0.0.1:7088/admin).
- TUTORHUB_JANUS_URL: the Janus client API browsers use. Default: port 8088 on the public URL's host
  for a loopback public URL (`make run`), else `<public URL>/janus` (the reverse proxy, deploy/nginx.conf).
- TUTORHUB_JANUS_HTTP_PORT / TUTORHUB_JANUS_ADMIN_PORT: where the generated config binds (8088/7088).
- TUTORHUB_JANUS_ADMIN_SECRET: the admin secret; by default derived from the install's secret key,
  so it is generated per install (secrets_store.py) and shared by every replica with the same key.
- TUTORHUB_ICE_SERVERS: a JSON list of RTCIceServer objects, e.g.
  `[{"urls": "stun:turn.example.org:3478"}, {"urls": "turn:turn.example.org:3478", "username": "u",
  "credential": "p"}]` (docs/video.md has a coturn example). Default: none (LAN/localhost).
- TUTORHUB_ROOM_GRACE_MINUTES: how long after the lesson's end the room stays open (15).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tutorhub.env_values import SettingsError, env_base_url, env_int, env_opt
from tutorhub.settings import get_settings

JOIN_OPENS_MINUTES = 10


@dataclass(frozen=True)
class RoomSettings:
    sfu: str  # janus | off
    admin_url: str
    public_url: str
    http_port: int
    admin_port: int
    admin_secret: str
    admin_key: str  # the VideoRoom plugin's admin_key: only the app creates rooms
    config_dir: Path
    ice_servers: tuple[dict[str, Any], ...]
    grace_minutes: int
    signing_key: bytes  # join tokens and per-room secrets


def _derived(key: str, label: str) -> str:
    return hmac.new(key.encode(), f"tutorhub-janus:{label}".encode(), hashlib.sha256).hexdigest()


def parse_ice_servers(raw: str) -> tuple[dict[str, Any], ...]:
    """TUTORHUB_ICE_SERVERS as RTCIceServer dicts; anything else is a clear error at start."""
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise SettingsError(f"TUTORHUB_ICE_SERVERS must be a JSON list: {exc}") from exc
    if not isinstance(value, list):
        raise SettingsError("TUTORHUB_ICE_SERVERS must be a JSON list of {\"urls\": ...} objects")
    servers = []
    for item in value:
        urls = item.get("urls") if isinstance(item, dict) else None
        url_list = [urls] if isinstance(urls, str) else urls
        if not isinstance(url_list, list) or not url_list or not all(
            isinstance(u, str) and u.split(":", 1)[0] in {"stun", "stuns", "turn", "turns"} for u in url_list
        ):
            raise SettingsError("TUTORHUB_ICE_SERVERS: every entry needs \"urls\" of stun:/turn: URLs")
        entry: dict[str, Any] = {"urls": urls}
        for name in ("username", "credential"):
            if isinstance(item.get(name), str):
                entry[name] = item[name]
        servers.append(entry)
    return tuple(servers)


def _browser_url(public_url: str, http_port: int) -> str:
    parts = urlsplit(public_url)
    if parts.hostname in {"localhost", "127.0.0.1", "::1"}:
        host = f"[{parts.hostname}]" if parts.hostname == "::1" else parts.hostname
        return f"{parts.scheme}://{host}:{http_port}/janus"
    return public_url.rstrip("/") + "/janus"


def get_room_settings() -> RoomSettings:
    settings = get_settings()
    sfu = (os.environ.get("TUTORHUB_SFU", "") or "janus").strip().lower()
    if sfu not in {"janus", "off"}:
        raise SettingsError(f"TUTORHUB_SFU must be 'janus' or 'off', got {sfu!r}")
    http_port = env_int("TUTORHUB_JANUS_HTTP_PORT", 8088, minimum=1)
    admin_port = env_int("TUTORHUB_JANUS_ADMIN_PORT", 7088, minimum=1)
    key = settings.secret_key
    return RoomSettings(
        sfu=sfu,
        admin_url=env_base_url("TUTORHUB_JANUS_ADMIN_URL") or f"http://127.0.0.1:{admin_port}/admin",
        public_url=env_base_url("TUTORHUB_JANUS_URL") or _browser_url(settings.public_url, http_port),
        http_port=http_port,
        admin_port=admin_port,
        admin_secret=env_opt("TUTORHUB_JANUS_ADMIN_SECRET") or _derived(key, "admin-secret"),
        admin_key=_derived(key, "videoroom-admin-key"),
        config_dir=settings.storage_dir.parent / "janus",
        ice_servers=parse_ice_servers(os.environ.get("TUTORHUB_ICE_SERVERS", "") or "[]"),
        grace_minutes=env_int("TUTORHUB_ROOM_GRACE_MINUTES", 15),
        signing_key=hmac.new(key.encode(), b"tutorhub-room-tokens", hashlib.sha256).digest(),
    )
