"""The OpenAPI document matches behaviour: Schemathesis, every check on, finds nothing.

The app runs as `make run` serves it (a subprocess on a free port over a fresh, migrated database with
the demo data; see harness.py), and Schemathesis runs every operation of /api/v1/openapi.json with
`--checks all` and a fixed seed, signed in as a student, as a tutor, and anonymously. On the code before
issue 11 this found about 150 distinct failures per role (wrong or missing `Allow` on 405s, the
frontend's HTML 404 for unknown /api/v1 paths, undocumented 400/401/402/409/429, FastAPI's default 422
model instead of the real error body, a public operation documented as signed-in only, schema-valid
input refused).

A single example run: `.venv/bin/python -m tests.contract.harness --role student --keep /tmp/ct`.
"""

from __future__ import annotations

import httpx
import pytest

from tests.contract.harness import ROLES, VENV_BIN, known_failures, run_role, running_app, sometimes_failing

pytestmark = [
    pytest.mark.contract,
    pytest.mark.skipif(not (VENV_BIN / "st").exists(), reason="schemathesis is not installed (make venv)"),
]


@pytest.fixture(scope="module")
def app():
    with running_app() as running:
        yield running


# What each role's run failed ("check METHOD path"), for the check that the list holds nothing stale.
FAILED: dict[str, set[str]] = {}


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_schemathesis_finds_no_contract_failure(app, role):
    result = run_role(app, role)
    FAILED[role or "anonymous"] = result.failed
    assert not result.new_failures, (
        f"{len(result.new_failures)} contract failures as {role or 'anonymous'} (all: {dict(result.failures)}):\n"
        + "\n".join(result.new_failures[:60])
    )
    if not known_failures():
        assert result.returncode == 0, result.output[-3000:]


def test_no_listed_failure_has_stopped_failing():
    """A line of known_failures.txt that no role's run failed is stale: the operation was fixed, so
    the line must go (else a later regression on it would pass unnoticed)."""
    if set(FAILED) != {*ROLES, "anonymous"}:
        pytest.skip("needs every role's run in this session")
    stale = known_failures() - sometimes_failing() - set().union(*FAILED.values())
    assert not stale, "fixed, remove from known_failures.txt:\n" + "\n".join(sorted(stale))


def test_unknown_api_paths_answer_json(app):
    """Everything under /api/v1 answers JSON, never the frontend's page."""
    base = app.base_url
    missing = httpx.get(f"{base}/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert missing.json() == {"detail": "Not Found"}
    posted = httpx.post(f"{base}/api/v1/no-such-thing", json={})
    assert posted.status_code == 404 and posted.headers["content-type"] == "application/json"
    wrong = httpx.delete(f"{base}/api/v1/students/me/profile")
    assert wrong.status_code == 405 and wrong.headers["content-type"] == "application/json"
    assert {m.strip() for m in wrong.headers["allow"].split(",")} >= {"GET", "PUT"}
    # Outside /api/v1 the frontend still answers.
    assert "text/html" in httpx.get(f"{base}/no-such-page").headers["content-type"]
