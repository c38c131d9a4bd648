"""The Reflex app: pages, the mounted FastAPI app, and database preparation on start."""

import reflex as rx

from tutorhub.api.app import api

app = rx.App(api_transformer=api)
