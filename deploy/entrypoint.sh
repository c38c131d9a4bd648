#!/bin/sh
# The container's entrypoint (also run by tests/deploy in a Debian root):
#   serve (default)   migrate (under the migration lock, as every worker does), seed demo data only if
#                     asked (TUTORHUB_SEED_DEMO=1), then serve on $PORT
#   healthcheck       exit 0 when /ready answers 200 (Docker HEALTHCHECK)
#   anything else     a `python -m tutorhub` command: backup --to DIR, restore --from DIR, create-admin ...
# Everything that must survive a new image lives in $TUTORHUB_DATA_DIR (the /data volume): the SQLite
# database, the private files, the generated secrets and the nightly backups.
set -eu

APP_DIR=${APP_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
VENV=${TUTORHUB_VENV:-/opt/tutorhub/venv}
DATA=${TUTORHUB_DATA_DIR:-/data}

export REFLEX_DB_URL="${REFLEX_DB_URL:-sqlite:///$DATA/tutorhub.db}"
export TUTORHUB_STORAGE_DIR="${TUTORHUB_STORAGE_DIR:-$DATA/private}"
export TUTORHUB_SECRETS_FILE="${TUTORHUB_SECRETS_FILE:-$DATA/secrets.json}"
export TUTORHUB_BACKUP_DIR="${TUTORHUB_BACKUP_DIR:-$DATA/backups}"
export TUTORHUB_ENV="${TUTORHUB_ENV:-production}"
export TUTORHUB_LOG_FORMAT="${TUTORHUB_LOG_FORMAT:-json}"
export REFLEX_TELEMETRY_ENABLED=false
export PORT="${PORT:-3000}"

cd "$APP_DIR"
case "${1:-serve}" in
  serve)
    mkdir -p "$DATA" "$TUTORHUB_STORAGE_DIR"
    # Prometheus counters of all workers are summed from here; stale files of a previous run go.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/tutorhub-metrics}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    "$VENV/bin/python" -m tutorhub prepare
    # The lesson rooms' SFU beside the app (its config and secrets written for this install).
    if command -v janus >/dev/null && [ "${TUTORHUB_SFU:-janus}" = janus ]; then
      JCFG=$("$VENV/bin/python" -m tutorhub janus-config)
      janus -F "$JCFG" -C "$JCFG/janus.jcfg" -o >"$JCFG/janus.log" 2>&1 &
    fi
    exec "$VENV/bin/python" "$APP_DIR/deploy/serve.py"
    ;;
  healthcheck)
    exec "$VENV/bin/python" -c "import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$PORT/ready', timeout=5).status == 200 else 1)
except Exception:
    sys.exit(1)"
    ;;
  *)
    exec "$VENV/bin/python" -m tutorhub "$@"
    ;;
esac
