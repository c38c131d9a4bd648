# TutorHub in one container: one port (3000), SQLite + private files + secrets on the /data volume.
#   docker build -t tutorhub --build-arg TUTORHUB_PUBLIC_URL=https://tutors.example.org .
#   docker run -d -p 3000:3000 -v tutorhub-data:/data -e TUTORHUB_SECRET_KEY=... \
#     -e TUTORHUB_PUBLIC_URL=https://tutors.example.org tutorhub
# The build and start steps live in deploy/build.sh and deploy/entrypoint.sh, which tests/deploy
# also runs in a fresh Debian root (README "Deploy").
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# npm only installs bun (deploy/build.sh); neither is in the final image.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
ARG TUTORHUB_PUBLIC_URL=http://localhost:3000
ENV TUTORHUB_VENV=/opt/tutorhub/venv TUTORHUB_TOOLS=/opt/tutorhub/tools
RUN TUTORHUB_PUBLIC_URL="${TUTORHUB_PUBLIC_URL}" deploy/build.sh

FROM ${PYTHON_IMAGE}
# postgresql-client: pg_dump / pg_restore for `backup` and `restore` on PostgreSQL.
# janus + its browser client: the SFU of the lesson rooms (media on UDP 20000-40000: publish those ports).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client janus libjs-janus-gateway libjs-webrtc-adapter \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tutorhub \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin tutorhub \
 && mkdir -p /data \
 && chown tutorhub:tutorhub /data
COPY --from=build /opt/tutorhub/venv /opt/tutorhub/venv
COPY --from=build --chown=tutorhub:tutorhub /app /app
ENV TUTORHUB_VENV=/opt/tutorhub/venv \
    TUTORHUB_DATA_DIR=/data \
    TUTORHUB_ENV=production \
    TUTORHUB_LOG_FORMAT=json \
    PORT=3000 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 CMD ["/app/deploy/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["serve"]
