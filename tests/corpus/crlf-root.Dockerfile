FROM python:3.11-slim-bookworm
USER 0
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
