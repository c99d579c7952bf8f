FROM python:3.11-slim-bookworm
ENV TOKENIZERS_PARALLELISM=false \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1
USER 10001
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
