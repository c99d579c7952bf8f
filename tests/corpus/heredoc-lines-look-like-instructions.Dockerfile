# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm AS builder
RUN <<EOF
set -e
python -m venv /opt/venv
EOF
FROM python:3.11-slim-bookworm
COPY --from=builder /opt/venv /opt/venv
COPY <<EOF /app/NOTES
FROM scratch
USER 10001
HEALTHCHECK CMD true
EOF
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
