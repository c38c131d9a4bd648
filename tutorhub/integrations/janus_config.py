"""The Janus configuration this install runs with, written by the app at start.

Why generated: the stock /etc/janus files ship a published admin secret ("janusoverlord") and demo
rooms with published passwords. The app writes its own folder (`<data dir>/janus/`) instead:
- `janus.jcfg`: `token_auth = true` (every browser request must carry a token the app added through
  the admin API for that participant), the admin secret derived per install, only the HTTP transport
  and the VideoRoom plugin loaded, no event handlers or loggers.
- `janus.transport.http.jcfg`: the client API on 127.0.0.1 (browsers reach it through a same-host
  port in development, or the reverse proxy's /janus/ in a deployment) and the admin API on
  loopback only.
- `janus.plugin.videoroom.jcfg`: no static rooms, `string_ids` (rooms are named by the lesson's
  random room key), and an `admin_key` so only the app can create rooms.
Janus is then started with `janus -F <folder> -C <folder>/janus.jcfg` (Makefile `run`, deploy/entrypoint.sh).
"""

from __future__ import annotations

import os
from pathlib import Path

PLUGINS = ("audiobridge", "duktape", "echotest", "lua", "nosip", "recordplay", "sip", "streaming", "textroom",
           "videocall", "voicemail")
TRANSPORTS = ("mqtt", "nanomsg", "pfunix", "rabbitmq", "websockets")
LIB_DIR = Path("/usr/lib/x86_64-linux-gnu/janus")


def _quoted(value: str) -> str:
    if any(ch in value for ch in '"\\\n'):
        raise ValueError("Janus configuration values may not contain quotes, backslashes or newlines")
    return f'"{value}"'


def _lib_dir() -> Path:
    """Debian's multiarch folder for this machine (x86_64 or aarch64)."""
    for candidate in (LIB_DIR, Path("/usr/lib/aarch64-linux-gnu/janus"), Path("/usr/lib/janus")):
        if candidate.is_dir():
            return candidate
    return LIB_DIR


def janus_files(folder: Path, *, admin_secret: str, admin_key: str, http_port: int, admin_port: int,
                bind: str = "127.0.0.1", rtp_range: str = "20000-40000", nat_ip: str = "") -> dict[str, str]:
    """The configuration files' contents by file name."""
    lib = _lib_dir()
    disabled_plugins = ",".join(f"libjanus_{name}.so" for name in PLUGINS)
    disabled_transports = ",".join(f"libjanus_{name}.so" for name in TRANSPORTS)
    nat = f"\tnat_1_1_mapping = {_quoted(nat_ip)}\n" if nat_ip else ""
    main = (
        "general: {\n"
        f"\tconfigs_folder = {_quoted(str(folder))}\n"
        f"\tplugins_folder = {_quoted(str(lib / 'plugins'))}\n"
        f"\ttransports_folder = {_quoted(str(lib / 'transports'))}\n"
        f"\tevents_folder = {_quoted(str(lib / 'events'))}\n"
        f"\tloggers_folder = {_quoted(str(lib / 'loggers'))}\n"
        "\tdebug_level = 3\n"
        f"\tadmin_secret = {_quoted(admin_secret)}\n"
        "\ttoken_auth = true\n"
        "\tsession_timeout = 60\n"
        "\treclaim_session_timeout = 30\n"
        "}\n"
        "media: {\n"
        f"\trtp_port_range = {_quoted(rtp_range)}\n"
        "}\n"
        "nat: {\n"
        "\tnice_debug = false\n"
        "\tice_ignore_list = \"vmnet\"\n"
        f"{nat}"
        "}\n"
        f"plugins: {{\n\tdisable = {_quoted(disabled_plugins)}\n}}\n"
        f"transports: {{\n\tdisable = {_quoted(disabled_transports)}\n}}\n"
        "events: {\n\tbroadcast = false\n}\n"
        "loggers: {\n\tdisable = \"libjanus_jsonlog.so\"\n}\n"
    )
    http = (
        "general: {\n"
        "\tjson = \"compact\"\n"
        "\tbase_path = \"/janus\"\n"
        "\thttp = true\n"
        f"\tport = {int(http_port)}\n"
        f"\tip = {_quoted(bind)}\n"
        "\thttps = false\n"
        "}\n"
        "admin: {\n"
        "\tadmin_base_path = \"/admin\"\n"
        "\tadmin_http = true\n"
        f"\tadmin_port = {int(admin_port)}\n"
        "\tadmin_ip = \"127.0.0.1\"\n"
        "\tadmin_https = false\n"
        "}\n"
        "cors: {\n}\n"
    )
    videoroom = f"general: {{\n\tstring_ids = true\n\tadmin_key = {_quoted(admin_key)}\n}}\n"
    return {"janus.jcfg": main, "janus.transport.http.jcfg": http, "janus.plugin.videoroom.jcfg": videoroom}


def write_janus_config(folder: Path, **values: object) -> Path:
    """Write the files (mode 0600: they hold the admin secret); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for name, text in janus_files(folder, **values).items():  # type: ignore[arg-type]
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    return folder
