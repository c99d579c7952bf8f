"""The checks of a service that can run in production: graceful stop, OCI labels, $PORT.

Each check starts from the session's shared build (`ExerciseRun.built`) and makes
what it needs on its own (a second container, a rebuild with build arguments), so
stopping or reconfiguring never disturbs the container the other checks probe.
Everything made here is removed before the check returns. The verdicts and the
hints are pure functions in `service_rules.py`.
"""

from __future__ import annotations

import http.client
import threading
import time
from typing import TYPE_CHECKING, Any

from . import service_rules
from .container import Container, http_request
from .errors import BuildFailed, CheckFailed
from .service_rules import OCI, StopOutcome

if TYPE_CHECKING:
    from .checks import ExerciseRun

LOG_TAIL = 15


def _start(run: ExerciseRun, check: str, port: int, env: dict[str, str]) -> Container:
    """A container of the shared image, in the same sandbox, with extra environment."""
    build = run.built(check)
    engine = run.engine(check)
    try:
        container, _protections = engine.run(
            build.image_id,
            port,
            engine.labels(run.exercise.slug),
            run.exercise.run_limits,
            healthcheck_interval=None,
            environment=env,
        )
        return container
    except Exception as error:  # the engine's own words teach best here
        raise CheckFailed(check, "the container did not start", found=str(error)) from error


def _wait_answer(container: Container, path: str, timeout: float) -> str | None:
    """Poll GET *path* until the app answers (below 500); None then, else why not.

    Gives up early when the app has listened on another port for three seconds.
    """
    started = time.perf_counter()
    last = "no answer yet"
    elsewhere = 0
    next_listen = started + 1.0
    while time.perf_counter() - started < timeout:
        if not container.running():
            return f"the container exited (code {container.state.get('ExitCode')})"
        if time.perf_counter() >= next_listen:
            next_listen += 1.0
            listening = container.listening() or []
            other = listening and all(port != container.port for _, port in listening)
            elsewhere = elsewhere + 1 if other else 0
            if elsewhere >= 3:
                return f"{last}; the app listens on another port"
        if container.address is not None:
            try:
                probe = http_request(container.address, "GET", path, timeout=2.0)
                if probe.status < 500:
                    return None
                last = f"HTTP {probe.status}"
            except (OSError, http.client.HTTPException) as error:
                last = f"{type(error).__name__}: {error}"
        time.sleep(0.05)
    return f"{last} after {timeout:.0f} s"


def graceful_stop(run: ExerciseRun) -> str:
    """`docker stop` with a request in flight: exit 0 within the grace period, request answered."""
    check = "graceful-stop"
    exercise = run.exercise
    params = exercise.params(check)
    grace = float(params.get("timeout", 10))
    path = str(params.get("path", "/predict"))
    request = params.get("request", {"features": [5.1, 3.5, 1.4, 0.2]})
    env = {str(k): str(v) for k, v in (params.get("env") or {}).items()}
    in_flight_after = float(params.get("in_flight_after", 1.0))
    dockerfile = run.dockerfile(check)
    engine = run.engine(check)
    container = _start(run, check, exercise.port, env)
    try:
        waited = _wait_answer(
            container,
            exercise.health.get("path", "/health"),
            float(exercise.run.get("startup_timeout", 60)),
        )
        if waited is not None:
            raise CheckFailed(
                check,
                "the app did not answer, so there was nothing to stop gracefully",
                found=waited,
                log_title="container log",
                log_tail=container.logs(LOG_TAIL),
            )
        answer: dict[str, Any] = {}

        def call() -> None:
            try:
                answer["status"] = http_request(
                    container.address or ("127.0.0.1", 0), "POST", path, request, timeout=grace + 20
                ).status
            except (OSError, http.client.HTTPException) as error:
                answer["error"] = f"{type(error).__name__}: {error}"

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        caller.join(in_flight_after)  # the request is now being answered
        if not caller.is_alive():
            raise CheckFailed(
                check,
                f"POST {path} was answered within {in_flight_after:.1f} s, before the grader "
                "could stop the container with the request in flight",
                expected=f"a request that takes longer (exercise.yml: env {env or 'not set'})",
                found=str(answer),
            )
        seconds = container.stop(grace)
        caller.join(grace + 20)
        outcome = StopOutcome(container.state.get("ExitCode"), seconds, answer.get("status"), grace)
        problems = outcome.problems()
        if problems:
            raise CheckFailed(
                check,
                "the container did not stop gracefully",
                expected=f"exit code 0 within {grace:.0f} s of SIGTERM, and the request in "
                f"flight (POST {path}) answered 200",
                found="; ".join(problems),
                hints=service_rules.stop_hints(outcome, dockerfile),
                log_title="container log",
                log_tail=container.logs(LOG_TAIL),
            )
        return (
            f"docker stop -> exit 0 after {seconds:.1f} s; the request in flight "
            f"(POST {path}) was answered 200"
        )
    finally:
        engine.remove_container(container.id)


def oci_labels(run: ExerciseRun) -> str:
    """Rebuild with version and revision build args; the image must carry them as labels."""
    check = "oci-labels"
    exercise = run.exercise
    params = exercise.params(check)
    names = {
        "version": str(params.get("version_arg", "VERSION")),
        "revision": str(params.get("revision_arg", "REVISION")),
    }
    run.built(check)  # the shared build first: this rebuild takes its steps from the cache
    dockerfile = run.dockerfile(check)
    engine = run.engine(check)
    version, revision = service_rules.build_arg_values()
    tag = engine.image_tag(exercise.slug, "-oci-probe")
    try:
        with run.context() as tar:
            build = engine.build(
                tar,
                exercise.dockerfile,
                tag,
                engine.image_labels(exercise.slug),
                exercise.build_limits,
                buildargs={names["version"]: version, names["revision"]: revision},
            )
        labels = ((engine.image_attrs(build.image_id) or {}).get("Config") or {}).get("Labels")
    except BuildFailed as error:
        raise CheckFailed(
            check,
            "the rebuild with build arguments failed",
            found=str(error),
            log_title="build log",
            log_tail=error.log[-LOG_TAIL:],
        ) from error
    finally:
        engine.remove_image(tag)
    problems = service_rules.label_problems(labels, version, revision)
    if problems:
        raise CheckFailed(
            check,
            "the image does not say where it came from",
            expected=f"labels {OCI}source, {OCI}version={version} and {OCI}revision="
            f"{revision[:12]}… (from --build-arg {names['version']}=… "
            f"--build-arg {names['revision']}=…)",
            found="; ".join(problems),
            hints=service_rules.label_hints(dockerfile, build.log, names),
        )
    source = labels[OCI + "source"] if labels else ""
    return f"built with {names['version']}={version}: source {source}, version and revision set"


def env_config(run: ExerciseRun) -> str:
    """Started with PORT=<port> and nothing else changed, the service answers on that port."""
    check = "env-config"
    exercise = run.exercise
    params = exercise.params(check)
    variable = str(params.get("variable", "PORT"))
    port = int(params.get("port", 9000))
    path = exercise.health.get("path", "/health")
    dockerfile = run.dockerfile(check)
    engine = run.engine(check)
    container = _start(run, check, port, {variable: str(port)})
    try:
        waited = _wait_answer(container, path, float(exercise.run.get("startup_timeout", 60)))
        if waited is not None:
            raise CheckFailed(
                check,
                f"started with {variable}={port}, the app did not answer on port {port}",
                expected=f"GET {path} answered on container port {port}",
                found=f"{waited}; inside the container the app listens on: "
                + (
                    ", ".join(f"{h}:{p}" for h, p in sorted(set(container.listening() or [])))
                    or "nothing"
                ),
                hints=service_rules.port_hints(dockerfile, exercise.port, variable)
                or [
                    service_rules.service_hint(
                        "hard-coded-port", port=exercise.port, default=exercise.port
                    )
                ],
                log_title="container log",
                log_tail=container.logs(LOG_TAIL),
            )
        return f"started with {variable}={port}: GET {path} answered on port {port}"
    finally:
        engine.remove_container(container.id)
