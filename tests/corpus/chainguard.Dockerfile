FROM cgr.dev/chainguard/python:latest-dev@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc AS builder
RUN python -m venv /tmp/venv
FROM cgr.dev/chainguard/python:latest@sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
COPY --from=builder /tmp/venv /venv
COPY app/ /app/
ENTRYPOINT ["python", "/app/main.py"]
