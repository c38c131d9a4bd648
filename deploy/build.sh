#!/bin/sh
# Build TutorHub for production: a Python virtualenv with the pinned runtime requirements, bun
# (from npm, as `make bun` does), and the compiled frontend in .web/build/client.
# Used by the Dockerfile's build stage and by tests/deploy (a fresh Debian root), so both prove
# the same steps. Needs python3 (+ venv) and npm. Environment:
#   TUTORHUB_VENV   where the virtualenv goes           (default /opt/tutorhub/venv)
#   TUTORHUB_TOOLS  where bun is installed              (default /opt/tutorhub/tools)
#   TUTORHUB_PUBLIC_URL  the URL browsers use; the frontend bundle holds it (default http://localhost:3000)
set -eu

APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
VENV=${TUTORHUB_VENV:-/opt/tutorhub/venv}
TOOLS=${TUTORHUB_TOOLS:-/opt/tutorhub/tools}
BUN_VERSION=1.4.4  # the Makefile's BUN_VERSION (tests/deploy checks they agree)
PUBLIC_URL=${TUTORHUB_PUBLIC_URL:-http://localhost:3000}

echo "== python virtualenv in $VENV"
python3 -m venv "$VENV"
# The runtime part of requirements.txt: everything above "# tests and tooling".
sed '/^# tests and tooling/,$d' "$APP_DIR/requirements.txt" > "$VENV/requirements-runtime.txt"
"$VENV/bin/pip" install --no-cache-dir --disable-pip-version-check --quiet -r "$VENV/requirements-runtime.txt"

echo "== bun $BUN_VERSION in $TOOLS"
npm install --no-audit --no-fund --loglevel=error --prefix "$TOOLS" "bun@$BUN_VERSION"
BUN="$TOOLS/node_modules/bun/bin/bun.exe"
test -x "$BUN"

echo "== frontend (production build for $PUBLIC_URL)"
cd "$APP_DIR"
rm -rf .web
# The bundle holds the backend's URL: the public one (same origin as the pages, one port).
REFLEX_BUN_PATH="$BUN" REFLEX_TELEMETRY_ENABLED=false REFLEX_API_URL="$PUBLIC_URL" TUTORHUB_PUBLIC_URL="$PUBLIC_URL" \
  "$VENV/bin/reflex" export --frontend-only --no-zip --env prod
test -f .web/build/client/index.html
# The runtime serves the built files only: drop the build's node_modules and caches.
rm -rf .web/node_modules "$HOME/.bun/install/cache" 2>/dev/null || true
find "$APP_DIR" -name __pycache__ -type d -prune -exec rm -rf {} +
echo "== built"
