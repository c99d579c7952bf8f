# escape=`
FROM python:3.11-slim-bookworm
RUN echo one `
    two
USER 10001
HEALTHCHECK CMD ["python", "-c", "print(1)"]
COPY app/ /app/
CMD ["python", "-m", "http.server", "8000"]
