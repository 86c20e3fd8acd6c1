# Momentos: one image for `serve` (the default: gunicorn) and `worker`.
#
#   docker build -t momentos .
#   docker run -d --name momentos-web -p 8000:8000 \
#     -v "$PWD/config:/config:ro" -v momentos-data:/data \
#     -e ZENDESK_API_TOKEN -e ZENDESK_WEBHOOK_SECRET -e HUBSPOT_TOKEN -e HUBSPOT_APP_SECRET \
#     momentos
#   docker run -d --name momentos-worker --no-healthcheck \
#     -v "$PWD/config:/config:ro" -v momentos-data:/data \
#     -e ZENDESK_API_TOKEN -e ZENDESK_WEBHOOK_SECRET -e HUBSPOT_TOKEN -e HUBSPOT_APP_SECRET \
#     momentos worker
#
# The configuration comes in on a read-only volume and secrets as environment variables
# at run time: nothing secret is baked in. Both containers share /data: the SQLite store
# (set `store.path: /data/momentos.db` and `web.host: 0.0.0.0`) and the metrics files.
# Linted by `make test` with hadolint (.hadolint.yaml) and tests/test_dockerfile.py.

# Pinned to the Python minor version and the Debian release; pin a digest
# (python:3.11-slim-bookworm@sha256:...) in your registry for byte-identical builds.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt ./
RUN python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements.txt
COPY pyproject.toml server.py ./
COPY momentos ./momentos
COPY connectors ./connectors
COPY workflows ./workflows
COPY sandbox ./sandbox
RUN /venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps .

FROM python:3.11-slim-bookworm
# A fixed numeric id, so that volume permissions are the same on every host.
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin momentos \
 && mkdir -p /data /config \
 && chown 10001:10001 /data
COPY --from=build /venv /venv
# PROMETHEUS_MULTIPROC_DIR on the shared volume: one scrape of /metrics counts both
# containers' work (momentos/metrics.py).
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOMENTOS_CONFIG=/config/momentos.yaml \
    MOMENTOS_LOG_LEVEL=INFO \
    PROMETHEUS_MULTIPROC_DIR=/data/metrics
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# /healthz answers 503 with the list of problems; the worker has no port, so run it with
# --no-healthcheck (compose: `healthcheck: {disable: true}`).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["momentos"]
CMD ["serve"]
