FROM python:3.11-slim-bookworm
RUN set -e && \
# create the user the app runs as
    useradd --system --uid 10001 app && \
    mkdir /app
USER 10001
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
