ARG APP_UID=10001
FROM python:3.11-slim-bookworm
ARG APP_UID
RUN useradd --system --uid ${APP_UID} app
USER ${APP_UID}
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8000/\")"]
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
