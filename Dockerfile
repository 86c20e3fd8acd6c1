# Momentos: one image for `serve` (default) and `worker`.
# Build: docker build -t momentos .
# Run:   docker run -v $PWD/config:/config -e MOMENTOS_CONFIG=/config/momentos.yaml \
#          -e ZENDESK_API_TOKEN -e ZENDESK_WEBHOOK_SECRET -e HUBSPOT_TOKEN -e HUBSPOT_APP_SECRET \
#          -p 8000:8000 momentos            (add `worker` to run the worker)

FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.txt ./
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt
COPY pyproject.toml server.py ./
COPY momentos ./momentos
COPY connectors ./connectors
COPY workflows ./workflows
COPY sandbox ./sandbox
RUN /venv/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 momentos && mkdir /data && chown momentos /data
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 MOMENTOS_CONFIG=/config/momentos.yaml
USER momentos
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
ENTRYPOINT ["momentos"]
CMD ["serve"]
