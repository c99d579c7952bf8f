FROM python:3.11-slim-bookworm AS builder
RUN python -m venv /opt/venv
FROM gcr.io/distroless/python3-debian12:nonroot
COPY --from=builder /opt/venv /opt/venv
COPY app/ /app/
CMD ["/app/main.py"]
