"""Waiting for the graded app to answer, and saying why it did not."""

from __future__ import annotations

import http.client
import time
from typing import TYPE_CHECKING

from . import hints
from .container import Container, Probe, http_request
from .errors import CheckFailed
from .texts import tail

if TYPE_CHECKING:
    from .dockerfile import Dockerfile
    from .exercise import Exercise

WILDCARD_HOSTS = {"0.0.0.0", "::"}


class Readiness:
    """Polls the app (never sleeps a fixed time); mixed into ExerciseRun."""

    exercise: Exercise
    ready_at: float | None

    if TYPE_CHECKING:

        def dockerfile(self, check: str) -> Dockerfile: ...

    def _wait_ready(self, container: Container, poll: float = 0.01) -> Probe:
        exercise = self.exercise
        path = exercise.health.get("path", "/health")
        timeout = float(exercise.run.get("startup_timeout", 60))
        started = time.perf_counter()
        next_state = next_listen = started
        suspicious = 0
        last_error = "no answer yet"
        last_probe: Probe | None = None
        container.reload()
        while True:
            now = time.perf_counter()
            if container.address is not None:
                try:
                    probe = http_request(container.address, "GET", path, timeout=2.0)
                    if probe.status < 500:  # a 5xx may mean "still loading": keep polling
                        self.ready_at = time.time()
                        return probe
                    last_probe, last_error = probe, f"HTTP {probe.status}"
                except (OSError, http.client.HTTPException) as error:
                    last_error = (
                        f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                    )
            if now >= next_state:
                next_state = now + 0.2
                if not container.running():
                    raise self._exited(container)
            if now >= next_listen and now - started >= 1.0:
                next_listen = now + 1.0
                listening = container.listening() or []
                if listening and not any(
                    host in WILDCARD_HOSTS and port == exercise.port for host, port in listening
                ):
                    suspicious += 1
                    if suspicious >= 3:
                        raise self._unreachable(container, listening, last_error, now - started)
                else:
                    suspicious = 0
            if now - started > timeout:
                if last_probe is not None:
                    return last_probe  # the app answers, but with an error: `health` says so
                raise self._unreachable(
                    container, container.listening() or [], last_error, now - started
                )
            time.sleep(poll)

    def _exited(self, container: Container) -> CheckFailed:
        state = container.state
        logs = container.logs()
        text = "\n".join(logs)
        found_hints = []
        if "model.joblib" in text and "No such file" in text:
            found_hints.append(
                "the model file is missing: RUN python train.py in the Dockerfile, after "
                "copying train.py and installing the requirements"
            )
        if "ModuleNotFoundError" in text:
            found_hints.append(
                "a module is missing: COPY requirements.txt and RUN pip install -r "
                "requirements.txt, and copy the app/ folder"
            )
        if state.get("OOMKilled"):
            found_hints.append("the container ran out of memory")
        if not found_hints:
            found_hints.append(
                "the container's command must start the web server and keep running: "
                f'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", '
                f'"{self.exercise.port}"]'
            )
        return CheckFailed(
            "health",
            "the container exited before the app answered",
            expected=f"a server that keeps running and answers on port {self.exercise.port}",
            found=f"exit code {state.get('ExitCode')}"
            + (f" ({state['Error']})" if state.get("Error") else ""),
            hints=found_hints,
            log_title="container log",
            log_tail=tail(logs),
        )

    def _unreachable(
        self, container: Container, listening: list[tuple[str, int]], error: str, waited: float
    ) -> CheckFailed:
        port = self.exercise.port
        dockerfile = self.dockerfile("health")
        found_hints = []
        listens = ", ".join(f"{h}:{p}" for h, p in sorted(set(listening))) or "nothing"
        loopback = any(h in {"127.0.0.1", "::1"} for h, _ in listening)
        other_port = any(h in WILDCARD_HOSTS and p != port for h, p in listening)
        if loopback or (not listening and hints.loopback_bound(dockerfile)):
            found_hints.append(hints.hint("loopback", port=port))
        if other_port or hints.port_mismatch(dockerfile, port):
            found_hints.append(hints.hint("port-mismatch", port=port))
        if not found_hints:
            found_hints.append(
                f"the app must listen on 0.0.0.0:{port}; check the CMD and the container log"
            )
        return CheckFailed(
            "health",
            f"the app did not answer on port {port} (waited {waited:.1f} s)",
            expected=f"an HTTP answer at {container.where()} (container port {port})",
            found=f"{error}; inside the container the app listens on: {listens}",
            hints=found_hints,
            log_title="container log",
            log_tail=tail(container.logs()),
        )
