"""The running-container checks: the app answers, predicts, and Docker finds it healthy."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from . import hints
from .container import Probe, http_request
from .engine import epoch_seconds
from .errors import CheckFailed
from .texts import short, tail

if TYPE_CHECKING:
    from .build import BuildResult
    from .container import Container
    from .dockerfile import Dockerfile
    from .engine import Engine
    from .exercise import Exercise


class ContainerChecks:
    """`check_<id>` methods of the checks that probe the graded container."""

    exercise: Exercise
    ready_at: float | None

    if TYPE_CHECKING:

        def dockerfile(self, check: str) -> Dockerfile: ...
        def engine(self, check: str) -> Engine: ...
        def built(self, check: str) -> BuildResult: ...
        def container(self, check: str) -> Container: ...
        def ready(self, check: str) -> Probe: ...

    def check_health(self) -> str:
        probe = self.ready("health")
        container = self.container("health")
        params = self.exercise.health
        path = params.get("path", "/health")
        expected_body = params.get("body", {"status": "healthy"})
        if probe.status != 200:
            probe = http_request(container.address or ("127.0.0.1", 0), "GET", path)
        try:
            body = probe.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if probe.status != 200 or (expected_body is not None and body != expected_body):
            raise CheckFailed(
                "health",
                f"GET {path} did not answer as expected",
                expected=f"200 {json.dumps(expected_body)}",
                found=f"{probe.status} {short(probe.body)}",
                log_title="container log",
                log_tail=tail(container.logs()),
            )
        return f"GET {path} -> 200 {short(probe.body)} ({probe.seconds * 1000:.0f} ms)"

    def check_predict(self) -> str:
        self.ready("predict")
        container = self.container("predict")
        params = self.exercise.params("predict")
        path = params.get("path", "/predict")
        request = params.get("request", {"features": [5.1, 3.5, 1.4, 0.2]})
        keys = list(params.get("response_keys", ["prediction", "confidence"]))
        address = container.address or ("127.0.0.1", 0)

        def fail(problem: str, expected: str, probe: Probe) -> CheckFailed:
            return CheckFailed(
                "predict",
                problem,
                expected=expected,
                found=f"{probe.status} {short(probe.body)}",
                log_title="container log",
                log_tail=tail(container.logs()),
            )

        probe = http_request(address, "POST", path, request, timeout=10)
        expected = f"200 with a JSON object holding {', '.join(keys)}"
        try:
            body = probe.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if probe.status != 200 or not isinstance(body, dict) or not all(k in body for k in keys):
            raise fail(
                f"POST {path} {json.dumps(request)} did not answer as expected", expected, probe
            )
        if "prediction" in params and body.get("prediction") != params["prediction"]:
            raise fail(
                "the prediction is not the expected one",
                f"prediction {params['prediction']!r}",
                probe,
            )
        confidence = body.get("confidence")
        if "confidence" in keys and not (
            isinstance(confidence, int | float) and 0 <= confidence <= 1
        ):
            raise fail(
                "confidence should be a number between 0 and 1", "0 <= confidence <= 1", probe
            )
        notes = [f"POST {path} -> 200 {short(probe.body)}"]
        invalid = params.get("invalid_request")
        if invalid is not None:
            status = int(params.get("invalid_status", 422))
            bad = http_request(address, "POST", path, invalid, timeout=10)
            if bad.status != status:
                raise fail(
                    f"a request with the wrong number of features should be refused with "
                    f"{status}, never crash the app",
                    f"{status} with a message saying what is wrong",
                    bad,
                )
            notes.append(f"{json.dumps(invalid)} -> {bad.status} {short(bad.body, 160)}")
        return "; ".join(notes)

    def _failed_while_answering(self, health: dict[str, Any]) -> bool:
        """Unhealthy because a check failed after the app first answered (not only during a
        slow start: Docker turns healthy again at the next success)."""
        answered = self.ready_at or 0.0
        return any(
            entry.get("ExitCode") != 0 and epoch_seconds(str(entry.get("Start", ""))) > answered
            for entry in health.get("Log") or []
        )

    def check_healthcheck_healthy(self) -> str:
        build = self.built("healthcheck-healthy")
        engine = self.engine("healthcheck-healthy")
        config = ((engine.image_attrs(build.image_id) or {}).get("Config") or {}).get(
            "Healthcheck"
        ) or {}
        test = config.get("Test") or []
        if not test or test[0] == "NONE":
            raise CheckFailed(
                "healthcheck-healthy",
                "the image declares no HEALTHCHECK, so Docker cannot tell whether the app works",
                expected="HEALTHCHECK CMD … in the final stage",
                found="no health check in the image",
            )
        self.ready("healthcheck-healthy")
        container = self.container("healthcheck-healthy")
        timeout = float(self.exercise.params("healthcheck-healthy").get("timeout", 60))
        started = time.perf_counter()
        health: dict[str, Any] = {}
        while time.perf_counter() - started < timeout:
            attrs = container.reload()
            health = attrs.get("State", {}).get("Health") or {}
            status = health.get("Status")
            if status == "healthy":
                return f"Docker reports healthy after {time.perf_counter() - started:.1f} s"
            if not attrs.get("State", {}).get("Running"):
                break
            if status == "unhealthy" and self._failed_while_answering(health):
                break
            time.sleep(0.1)
        outputs = [
            f"exit {entry.get('ExitCode')}: {entry.get('Output', '').strip()}"
            for entry in (health.get("Log") or [])
        ]
        found_hints = []
        tool = hints.healthcheck_tool(self.dockerfile("healthcheck-healthy"))
        if tool and container.has_command(tool) is False:
            found_hints.append(hints.hint("healthcheck-tool", tool=tool, port=self.exercise.port))
        elif any("not found" in o for o in outputs):
            found_hints.append(
                "the health check calls a program the image does not have; use python -c"
            )
        else:
            found_hints.append(
                f"the health check runs inside the container: probe "
                f"http://127.0.0.1:{self.exercise.port}/health and exit non-zero on failure"
            )
        raise CheckFailed(
            "healthcheck-healthy",
            "Docker's health status did not become healthy",
            expected="State.Health.Status == healthy",
            found=f"{health.get('Status', 'no status')} (command: {' '.join(test)})",
            hints=found_hints,
            log_title="health check output",
            log_tail=tail(outputs, 5),
        )
