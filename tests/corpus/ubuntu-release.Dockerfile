FROM ubuntu:22.04
RUN useradd --system --uid 10001 app
USER 10001
HEALTHCHECK CMD ["true"]
CMD ["sleep", "infinity"]
