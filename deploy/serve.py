"""Serve the app built by deploy/build.sh on one port, without building anything at start.

This is what `reflex run --env prod --single-port` (the `make run` command) does after its build
step: Reflex's production server (granian) with the compiled frontend mounted beside the backend.
The image and the Debian-root test call it through deploy/entrypoint.sh; the frontend was built at
image build time, so the runtime needs neither bun nor Node.js. Workers: one without Redis (client
state lives in memory), GRANIAN_WORKERS or one per core with REFLEX_REDIS_URL.
"""

from __future__ import annotations

import os
from pathlib import Path

from reflex.utils import exec as reflex_exec
from reflex.utils.prerequisites import get_web_dir
from reflex_base import constants
from reflex_base.environment import environment

APP_DIR = Path(__file__).resolve().parent.parent


def main() -> None:
    os.chdir(APP_DIR)  # rxconfig.py and .web/build/client (or REFLEX_WEB_WORKDIR) are found from here
    if not (get_web_dir() / "build" / "client" / "index.html").is_file():
        raise SystemExit(f"the frontend is not built in {get_web_dir()}: run deploy/build.sh first")
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    host = os.environ.get("TUTORHUB_HOST", "0.0.0.0")  # noqa: S104  (a container listens on its interface)
    port = int(os.environ.get("PORT", "3000"))
    reflex_exec.run_backend_prod(host, port, constants.LogLevel.WARNING, mount_frontend_compiled_app=True)


if __name__ == "__main__":
    main()
