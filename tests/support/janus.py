"""A real Janus (Debian's `janus`) for the tests, on free loopback ports with the app's generated config.

`janus_server()` writes the config the app would write (integrations/janus_config.py, with the
secrets room_settings derives from the test install's key), starts `janus`, waits until its admin
API answers, and stops it afterwards. Tests that need it skip with the reason when Janus is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutorhub.integrations.janus import JanusRooms, SfuUnavailable
from tutorhub.integrations.janus_config import write_janus_config
from tutorhub.room_settings import get_room_settings
from tutorhub.settings import reset_settings

JANUS = shutil.which("janus")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningJanus:
    http_port: int
    admin_port: int
    process: subprocess.Popen
    folder: Path
    command: tuple[str, ...] = ()

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/janus"

    def rooms(self) -> JanusRooms:
        rs = get_room_settings()
        return JanusRooms(f"http://127.0.0.1:{self.admin_port}/admin", rs.admin_secret, rs.admin_key)

    def wait_until_up(self, seconds: float = 20) -> None:
        client = self.rooms()
        deadline = time.monotonic() + seconds
        try:
            while True:
                try:
                    client.ping()
                    return
                except SfuUnavailable:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        log = (self.folder / "janus.log").read_text()[-2000:]
                        raise RuntimeError("Janus did not start: " + log) from None
                    time.sleep(0.2)
        finally:
            client.close()

    def restart(self) -> None:
        """Stop Janus and start it again on the same ports (its rooms and tokens are gone, as after a
        crash or an upgrade): what the room pages' reconnect must survive."""
        self.stop()
        with open(self.folder / "janus.log", "a") as log:
            self.process = subprocess.Popen(list(self.command), stdout=log, stderr=subprocess.STDOUT)
        self.wait_until_up()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def require_janus() -> str:
    if JANUS is None:
        pytest.skip("janus is not installed (apt-get install janus; `make janus`)")
    return JANUS


@contextmanager
def janus_server(env: dict[str, str] | None = None, *, http_port: int = 0,
                 admin_port: int = 0) -> Iterator[RunningJanus]:
    """Start Janus with the settings of `env` applied to os.environ (free ports unless given)."""
    binary = require_janus()
    http_port, admin_port = http_port or free_port(), admin_port or free_port()
    names = ("TUTORHUB_JANUS_HTTP_PORT", "TUTORHUB_JANUS_ADMIN_PORT", "TUTORHUB_JANUS_URL", *(env or {}))
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({**(env or {}), "TUTORHUB_JANUS_HTTP_PORT": str(http_port),
                       "TUTORHUB_JANUS_ADMIN_PORT": str(admin_port),
                       "TUTORHUB_JANUS_URL": f"http://127.0.0.1:{http_port}/janus"})
    reset_settings()
    rs = get_room_settings()
    folder = Path(tempfile.mkdtemp(prefix="janus-test-"))
    write_janus_config(folder, admin_secret=rs.admin_secret, admin_key=rs.admin_key, http_port=http_port,
                       admin_port=admin_port)
    log = open(folder / "janus.log", "w")  # noqa: SIM115  (closed below)
    command = (binary, "-F", str(folder), "-C", str(folder / "janus.jcfg"), "-o")
    proc = subprocess.Popen(list(command), stdout=log, stderr=subprocess.STDOUT)
    running = RunningJanus(http_port, admin_port, proc, folder, command)
    try:
        running.wait_until_up()
        yield running
    finally:
        running.stop()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()
