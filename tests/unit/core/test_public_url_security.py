"""The session cookie's `Secure` flag and the development-mode banner (issue 11, defects 4 and 1).

Before the fix the cookie was compiled without `secure` whatever the public URL, and no page said
it was running in development mode: both tests below failed on that code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import reflex as rx

from tutorhub.components.layout import DEV_BANNER_TEXT, page
from tutorhub.settings import PROJECT_ROOT, SettingsError, allowed_origins_from_env

COMPILED_COOKIE = """
import json
from reflex.compiler.utils import compile_client_storage
from reflex.state import State
import tutorhub.state.base  # noqa: F401  (registers AppState)
cookies = compile_client_storage(State)["cookies"]
print(json.dumps([v for k, v in cookies.items() if k.endswith("session_token_rx_state_")][0]))
"""


def _compiled_session_cookie(public_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTORHUB_PUBLIC_URL")}
    env["TUTORHUB_PUBLIC_URL"] = public_url
    out = subprocess.run([sys.executable, "-c", COMPILED_COOKIE], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_session_cookie_is_secure_when_served_over_https():
    cookie = _compiled_session_cookie("https://tutorhub.example")
    assert cookie["name"] == "th_session" and cookie["secure"] is True and cookie["sameSite"] == "strict"
    assert not _compiled_session_cookie("http://localhost:3000").get("secure")


def _rendered(component: rx.Component) -> str:
    return str(component.render())


def test_development_mode_shows_a_banner_on_every_page_frame(monkeypatch):
    monkeypatch.setenv("TUTORHUB_ENV", "development")
    html = _rendered(page(rx.text("content")))
    assert "dev-mode-banner" in html and DEV_BANNER_TEXT in html
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    html = _rendered(page(rx.text("content")))
    assert "dev-mode-banner" not in html and DEV_BANNER_TEXT not in html


def test_cors_origins_are_the_public_origin_and_the_listed_ones(monkeypatch):
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "https://Tutorhub.Example:443/")
    monkeypatch.setenv("TUTORHUB_CORS_ORIGINS", "https://admin.example:8443, http://partner.example")
    assert allowed_origins_from_env() == ("https://tutorhub.example", "https://admin.example:8443",
                                          "http://partner.example")
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "http://127.0.0.1:3000")
    monkeypatch.delenv("TUTORHUB_CORS_ORIGINS")
    assert allowed_origins_from_env() == ("http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000")


@pytest.mark.parametrize("bad", ["*", "null", "ftp://x.example", "https://"])
def test_wildcard_and_null_origins_are_refused(monkeypatch, bad):
    monkeypatch.setenv("TUTORHUB_CORS_ORIGINS", bad)
    with pytest.raises(SettingsError, match="TUTORHUB_CORS_ORIGINS"):
        allowed_origins_from_env()
