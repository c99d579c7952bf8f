FROM python:3.11-slim-bookworm
WORKDIR /app
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
