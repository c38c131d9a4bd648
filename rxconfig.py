from pathlib import Path

import reflex as rx
from dotenv import load_dotenv

# The optional `.env` (see .env.example) must be loaded before the Config reads REFLEX_* variables
# (REFLEX_REDIS_URL selects the state manager). Real environment variables win over the file,
# as in tutorhub.settings.
load_dotenv(Path(__file__).resolve().parent / ".env", override=False)

config = rx.Config(
    app_name="tutorhub",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.TailwindV4Plugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large", scaling="100%")
        ),
    ],
)
