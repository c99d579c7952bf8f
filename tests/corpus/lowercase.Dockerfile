from python:3.11-slim-bookworm as builder
run python -m venv /opt/venv
from python:3.11-slim-bookworm
copy --from=builder /opt/venv /opt/venv
user 10001
healthcheck cmd ["python", "-c", "print(1)"]
copy app/ /app/
cmd ["python", "-m", "http.server", "8000"]
