FROM python:3.11-slim-bookworm
USER 10001
HEALTHCHECK CMD python - <<'PY'
import urllib.request
urllib.request.urlopen('http://127.0.0.1:8000/')
PY
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
