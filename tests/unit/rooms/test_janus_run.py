"""`make run` (and the container's entrypoint) start Janus beside the app with the configuration the
app writes for this install (`python -m tutorhub janus-config`): the recipes say so, and a Janus
started exactly that way answers the app with the install's own admin secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.janus import RunningJanus, free_port, require_janus
from tutorhub.room_settings import get_room_settings

ROOT = Path(__file__).parents[3]


def test_make_run_and_the_container_start_janus_with_the_installs_config(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:"):makefile.index("\n## test:")]
    assert "-m tutorhub janus-config" in run and 'janus -F "$$JCFG" -C "$$JCFG/janus.jcfg"' in run
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert "-m tutorhub janus-config" in entrypoint and 'janus -F "$JCFG" -C "$JCFG/janus.jcfg"' in entrypoint

    binary = require_janus()
    http_port, admin_port = free_port(), free_port()
    env = {**os.environ, "TUTORHUB_STORAGE_DIR": str(tmp_path / "data" / "private"),
           "TUTORHUB_JANUS_HTTP_PORT": str(http_port), "TUTORHUB_JANUS_ADMIN_PORT": str(admin_port)}
    written = subprocess.run([sys.executable, "-m", "tutorhub", "janus-config"], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=120)
    folder = Path(written.stdout.strip().splitlines()[-1])
    assert folder == tmp_path / "data" / "janus" and (folder / "janus.jcfg").is_file()
    assert get_room_settings().admin_secret in (folder / "janus.jcfg").read_text()  # this install's, not a stock one

    command = (binary, "-F", str(folder), "-C", str(folder / "janus.jcfg"), "-o")
    with open(folder / "janus.log", "w") as log:
        running = RunningJanus(http_port, admin_port, subprocess.Popen(list(command), stdout=log,
                                                                       stderr=subprocess.STDOUT), folder, command)
    try:
        running.wait_until_up()  # pings the admin API with the secret the app derives
    finally:
        running.stop()
