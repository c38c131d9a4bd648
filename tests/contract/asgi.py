"""The API as `make run` serves it, for the contract test: the FastAPI app with a stand-in frontend.

In the real app Reflex mounts its backend and the compiled frontend at "" inside `tutorhub.api.app.api`
(`api_transformer`), so anything the API's own routes do not answer falls through to it: the static
frontend answers an unknown path with its HTML 404 page (GET) or a text/plain 405 (other methods).
Building the real frontend takes minutes; a static-files mount over a folder holding a `404.html`
answers those requests the same way, which is what matters for the API contract.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.staticfiles import StaticFiles

from tutorhub.api.app import api
from tutorhub.jobs.scheduler import start_scheduler, stop_scheduler
from tutorhub.settings import get_settings

_site = Path(os.environ.get("TUTORHUB_CONTRACT_SITE_DIR") or tempfile.mkdtemp(prefix="tutorhub-site-"))
_site.mkdir(parents=True, exist_ok=True)
(_site / "404.html").write_text("<!doctype html><title>404</title><h1>Page not found</h1>\n")
(_site / "index.html").write_text("<!doctype html><title>TutorHub</title>\n")
api.mount("", StaticFiles(directory=_site, html=True))



@contextlib.asynccontextmanager
async def _run_jobs(_app: Any) -> AsyncIterator[None]:
    """The jobs, as the real app runs them (tutorhub.tutorhub.run_jobs_in_background): the scheduler's
    lease is what /ready checks, so without it /ready would answer 503 once its start grace is over."""
    scheduler = start_scheduler() if get_settings().run_jobs else None
    try:
        yield
    finally:
        if scheduler is not None:
            stop_scheduler(scheduler)


api.router.lifespan_context = _run_jobs
app = api
