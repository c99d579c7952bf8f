FROM python:3.11-slim-bookworm AS runtime
RUN useradd --system --uid 10001 app
USER 10001
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
FROM runtime AS builder
USER root
RUN python -m venv /opt/venv
FROM runtime
COPY --from=builder /opt/venv /opt/venv
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
