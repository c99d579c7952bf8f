FROM python:3.11-slim-bookworm
WORKDIR /app
RUN useradd --system --uid 10001 app
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
USER 10001
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
