# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm
RUN <<EOF
echo 'USER root' > /tmp/note
EOF
USER 10001
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
