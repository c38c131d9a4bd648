import os
from pathlib import Path

import reflex as rx
from dotenv import load_dotenv

# The optional `.env` (see .env.example) must be loaded before the Config reads REFLEX_* variables
# (REFLEX_REDIS_URL selects the state manager). Real environment variables win over the file,
# as in tutorhub.settings.
load_dotenv(Path(__file__).resolve().parent / ".env", override=False)

# Without Redis there is one backend worker: keep client states in memory. Reflex's default for
# that case (DISK) writes every touched state to disk after each event, on the event loop —
# measured ~10 % of the backend's time under 200 live clients (benchmarks/bench_realtime.py).
# With REFLEX_REDIS_URL set, Reflex picks its Redis state manager as before.
_STATE_MANAGER = {} if os.environ.get("REFLEX_REDIS_URL", "").strip() else {"state_manager_mode": "memory"}

# CORS and the event websocket's Origin check: only the public URL's origin (plus TUTORHUB_CORS_ORIGINS
# and, for a loopback URL, its loopback aliases). Reflex's default "*" echoed every origin, `null`
# included, with credentials. Reflex applies this to its own routes, the mounted API and Socket.IO.
try:
    from tutorhub.settings import allowed_origins_from_env
except ModuleNotFoundError:  # this file copied outside the project (a test of .env loading): public URL only
    _CORS_ORIGINS: tuple[str, ...] = ((os.environ.get("TUTORHUB_PUBLIC_URL") or "http://localhost:3000").rstrip("/"),)
else:
    _CORS_ORIGINS = allowed_origins_from_env()

config = rx.Config(
    app_name="tutorhub",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=list(_CORS_ORIGINS),
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.TailwindV4Plugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large", scaling="100%")
        ),
    ],
    **_STATE_MANAGER,
)
