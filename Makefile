# TutorHub — `make run` starts the app, `make test` runs every test. Both bootstrap what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.4
BUN := $(CURDIR)/.tools/node_modules/bun/bin/bun.exe
PORT ?= 3000
# The development run listens on this machine only: its demo accounts have published passwords.
# `make run HOST=0.0.0.0` serves the network (production: TUTORHUB_ENV=production, no demo data).
HOST ?= 127.0.0.1
REQ_STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt 2>/dev/null | cut -c1-12)
export REFLEX_BUN_PATH := $(BUN)
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: janus webchecks run test test-slow test-db test-fast test-contract test-deploy lint typecheck venv bun chromium migrate seed bench clean

## run: migrate, seed demo data on an empty database, serve http://localhost:$(PORT) (production build, one port)
# Janus (the video rooms' SFU) runs beside the app when installed, with the config the app writes
# (`python -m tutorhub janus-config`: loopback ports, per-install secrets); without it lesson rooms
# fall back to the meeting link.
run: venv bun janus
	$(PY) -m tutorhub prepare
	@JCFG=$$($(PY) -m tutorhub janus-config) || exit 1; JPID=; \
	if command -v janus >/dev/null; then janus -F "$$JCFG" -C "$$JCFG/janus.jcfg" -o >"$$JCFG/janus.log" 2>&1 & JPID=$$!; \
	  echo "Janus SFU started (pid $$JPID, log $$JCFG/janus.log)"; fi; \
	trap '[ -n "$$JPID" ] && kill $$JPID 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/reflex run --env prod --single-port --backend-host $(HOST) --frontend-port $(PORT) --backend-port $(PORT)

## test: lint, type-check and run the suite (unit, state, API, migrations on two workers, then end-to-end in Chromium);
## the long suites are their own steps, all run by CI (.ci/run): test-contract, test-slow, test-db, test-deploy
test: venv bun chromium janus webchecks
	$(VENV)/bin/ruff check tutorhub tests benchmarks alembic
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	REFLEX_PERF_MODE=raise $(VENV)/bin/pytest -q -n 2 --durations=10 --ignore=tests/e2e --ignore=tests/contract
	REFLEX_PERF_MODE=raise $(VENV)/bin/pytest -q --durations=10 -m "not slow" tests/e2e

## test-slow: the long browser suites — two replicas behind Redis, four Chromiums in one video room
test-slow: venv bun chromium janus webchecks
	REFLEX_PERF_MODE=raise $(VENV)/bin/pytest -q --durations=10 -m slow tests/e2e

## test-db: the database-facing part of the suite (used with TUTORHUB_TEST_DATABASE_URL=postgresql://...)
test-db: venv
	REFLEX_PERF_MODE=raise $(VENV)/bin/pytest -q -n 2 --durations=10 tests/unit tests/api tests/state tests/postgres tests/test_migrations.py

## test-fast: everything except the browser tests
test-fast: venv
	REFLEX_PERF_MODE=raise $(VENV)/bin/pytest -q --ignore=tests/e2e

## test-contract: Schemathesis (every check, fixed seed) against the API started in the test (a step of CI)
test-contract: venv
	$(VENV)/bin/pytest -q tests/contract

## test-deploy: the container recipe in a fresh Debian root (debootstrap; slow, root only; not part of `make test`)
test-deploy: venv
	@command -v debootstrap >/dev/null && command -v nginx >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap nginx-light; else echo "debootstrap and nginx missing (apt-get install debootstrap nginx-light)"; exit 1; fi; }
	TUTORHUB_DEPLOY_TESTS=1 $(VENV)/bin/pytest -q -s tests/deploy

lint: venv
	$(VENV)/bin/ruff check tutorhub tests benchmarks alembic
	$(VENV)/bin/lint-imports --no-cache

typecheck: venv
	$(VENV)/bin/mypy

venv: $(REQ_STAMP)

$(REQ_STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); else echo "python3 -m venv failed: install python3-venv"; exit 1; fi; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

## webchecks: axe-core (injected by the browser suite) and Lighthouse, pinned in benchmarks/web/package.json
WEBCHECKS := benchmarks/web/node_modules/axe-core/axe.min.js
webchecks: $(WEBCHECKS)

$(WEBCHECKS): benchmarks/web/package.json
	npm install --prefix benchmarks/web --no-audit --no-fund --loglevel=error
	@touch $@

bun: $(BUN)

$(BUN):
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm; else echo "npm is required to install bun (apt-get install nodejs npm)"; exit 1; fi; }
	npm install --no-audit --no-fund --loglevel=error --prefix .tools bun@$(BUN_VERSION)
	@test -x $(BUN)

## janus: the WebRTC SFU for lesson rooms and its browser client (Debian packages; installed when root)
janus:
	@command -v janus >/dev/null && test -f /usr/share/javascript/janus-gateway/janus.js || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus libjs-janus-gateway libjs-webrtc-adapter; else echo "janus missing: lesson rooms fall back to the meeting link and the video tests are skipped (apt-get install janus libjs-janus-gateway libjs-webrtc-adapter)"; fi; }

chromium:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; else echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; fi; }

migrate: venv
	$(PY) -m tutorhub migrate

seed: venv
	$(PY) -m tutorhub seed-demo

bench: venv
	@for f in benchmarks/bench_*.py; do [ -e "$$f" ] && $(PY) "$$f"; done; true

clean:
	rm -rf .web .states $(VENV) .tools
