"""The checks of one exercise, sharing one build and one container per session.

`ExerciseRun` memoizes the Dockerfile, the build, the container and its
readiness, so each dynamic check reuses what an earlier one made. A check
returns a short note when it passes and raises `CheckFailed` when it does not,
or `CheckNotGraded` when a check it needs failed.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import time
from collections.abc import Callable
from typing import Any

from docker.utils.build import create_archive, exclude_paths

from . import hints, lint, rules, service_checks
from .dockerfile import Dockerfile, read
from .engine import BuildResult, Container, Engine, Probe, http_request
from .errors import BuildFailed, CheckFailed, CheckNotGraded, EngineUnavailable, GraderError
from .exercise import DYNAMIC_CHECKS, Exercise

LOG_TAIL = 15
WILDCARD_HOSTS = {"0.0.0.0", "::"}


def _tail(lines: list[str], count: int = LOG_TAIL) -> list[str]:
    return lines[-count:]


def _short(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text if len(text) <= limit else text[:limit] + "…"


class ExerciseRun:
    """Everything one exercise's checks share during a pytest session."""

    def __init__(self, exercise: Exercise, engine: Callable[[], Engine], build_cache: bool = True):
        self.exercise = exercise
        self.build_cache = build_cache
        #: Wall-clock time (time.time()) at which the app first answered, once it has.
        self.ready_at: float | None = None
        self._engine_factory = engine
        self._dockerfile: Dockerfile | CheckFailed | None = None
        self._build: BuildResult | GraderError | None = None
        self._container: Container | GraderError | None = None
        self._ready: Probe | GraderError | None = None
        self.results: dict[str, bool] = {}

    # -- shared state ---------------------------------------------------------

    def dockerfile(self, check: str) -> Dockerfile:
        if self._dockerfile is None:
            path = self.exercise.dockerfile_path
            try:
                self._dockerfile = read(path)
            except FileNotFoundError:
                self._dockerfile = CheckFailed(check, f"there is no {path.name} in {path.parent}")
            except (OSError, UnicodeDecodeError, ValueError) as error:
                self._dockerfile = CheckFailed(check, f"cannot read {path}: {error}")
        if isinstance(self._dockerfile, CheckFailed):
            failure = self._dockerfile
            raise CheckFailed(check, failure.problem)
        return self._dockerfile

    def engine(self, check: str) -> Engine:
        try:
            return self._engine_factory()
        except EngineUnavailable as error:
            raise CheckFailed(check, str(error)) from error

    def built(self, check: str) -> BuildResult:
        if self._build is None:
            self._build = self._do_build()
        if isinstance(self._build, GraderError):
            if check == "build":
                raise self._build
            if isinstance(self._build, CheckFailed) and "Docker engine" in self._build.problem:
                raise CheckFailed(check, self._build.problem)
            raise CheckNotGraded("not graded: the image did not build (see `build`)")
        return self._build

    def _do_build(self) -> BuildResult | GraderError:
        try:
            engine = self.engine("build")
        except CheckFailed as failure:
            return failure
        run = self.exercise.run
        try:
            dockerfile = self.dockerfile("build")
        except CheckFailed as failure:
            return failure
        tag = engine.image_tag(self.exercise.slug)
        try:
            return engine.build(
                self.exercise.root,
                self.exercise.dockerfile,
                tag,
                engine.image_labels(self.exercise.slug),
                timeout=float(run.get("build_timeout", 900)),
                nocache=not self.build_cache,
            )
        except BuildFailed as error:
            return CheckFailed(
                "build",
                "the image did not build",
                expected="`docker build` succeeds with the classic builder",
                found=str(error),
                hints=self._build_hints(dockerfile, error.log, engine),
                log_title="build log",
                log_tail=_tail(error.log),
            )

    def _build_hints(self, dockerfile: Dockerfile, log: list[str], engine: Engine) -> list[str]:
        found = []
        buildkit = hints.buildkit_syntax(dockerfile)
        if buildkit:
            found.append(hints.hint("buildkit-syntax", what=", ".join(buildkit)))
        text = "\n".join(log).lower()
        for _stage, ref in dockerfile.external_bases():
            if engine.image_attrs(str(ref)) is None and (
                "pull access denied" in text
                or "no such host" in text
                or "not found" in text
                or "manifest unknown" in text
            ):
                found.append(hints.hint("base-missing", image=ref))
                break
        if "requirements.txt" in text and "no such file" in text:
            found.append("copy requirements.txt into the image before installing from it")
        return found

    def container(self, check: str) -> Container:
        build = self.built(check)
        if self._container is None:
            engine = self.engine(check)
            run = self.exercise.run
            try:
                has_healthcheck = bool(
                    ((engine.image_attrs(build.image_id) or {}).get("Config") or {}).get(
                        "Healthcheck"
                    )
                )
                self._container = engine.run(
                    build.image_id,
                    self.exercise.port,
                    engine.labels(self.exercise.slug),
                    limits=run,
                    healthcheck_interval=float(run.get("healthcheck_interval", 0.5))
                    if has_healthcheck
                    else None,
                )
            except Exception as error:  # the engine's own words teach best here
                self._container = CheckFailed(
                    check, "the container did not start", found=str(error)
                )
        if isinstance(self._container, GraderError):
            raise self._container
        return self._container

    def ready(self, check: str) -> Probe:
        """The first answer of the app at the health path (polled, never slept)."""
        if self._ready is None:
            try:
                container = self.container("health")
                self._ready = self._wait_ready(container)
            except (CheckFailed, CheckNotGraded) as failure:
                self._ready = failure
        if isinstance(self._ready, GraderError):
            if check == "health" or isinstance(self._ready, CheckNotGraded):
                raise self._ready
            raise CheckNotGraded("not graded: the app did not answer (see `health`)")
        return self._ready

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
            if container.host_port is not None:
                try:
                    probe = http_request(container.host_port, "GET", path, timeout=2.0)
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
            log_tail=_tail(logs),
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
            expected=f"an HTTP answer at 127.0.0.1:{container.host_port} -> container port {port}",
            found=f"{error}; inside the container the app listens on: {listens}",
            hints=found_hints,
            log_title="container log",
            log_tail=_tail(container.logs()),
        )

    # -- the checks -------------------------------------------------------------

    def run_check(self, check: str) -> str:
        method: Callable[[], str] = getattr(self, "check_" + check.replace("-", "_"))
        if check in DYNAMIC_CHECKS:
            self.engine(check)  # no engine: every dynamic check fails saying how to start one
        return method()

    def check_lint(self) -> str:
        self.dockerfile("lint")
        return lint.lint(
            self.exercise.dockerfile_path,
            self.exercise.params("lint"),
            {c.id for c in self.exercise.checks},
        )

    def check_pinned_base(self) -> str:
        check = "pinned-base"
        return rules.pinned_base(self.dockerfile(check), self.exercise.params(check))

    def check_multi_stage(self) -> str:
        check = "multi-stage"
        return rules.multi_stage(self.dockerfile(check), self.exercise.params(check))

    def check_non_root(self) -> str:
        return rules.non_root(self.dockerfile("non-root"), self.exercise.params("non-root"))

    def check_healthcheck_declared(self) -> str:
        return rules.healthcheck_declared(
            self.dockerfile("healthcheck-declared"), self.exercise.params("healthcheck-declared")
        )

    def check_dockerignore(self) -> str:
        return rules.dockerignore(self.exercise.root, self.exercise.params("dockerignore"))

    def check_build(self) -> str:
        build = self.built("build")
        cached = sum(1 for s in build.steps if s.cached)
        return (
            f"built {build.image_id.removeprefix('sha256:')[:12]} in {build.seconds:.1f} s "
            f"({len(build.steps)} steps, {cached} from cache)"
        )

    def check_health(self) -> str:
        probe = self.ready("health")
        container = self.container("health")
        params = self.exercise.health
        path = params.get("path", "/health")
        expected_body = params.get("body", {"status": "healthy"})
        if probe.status != 200:
            probe = http_request(container.host_port or 0, "GET", path)
        try:
            body = probe.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if probe.status != 200 or (expected_body is not None and body != expected_body):
            raise CheckFailed(
                "health",
                f"GET {path} did not answer as expected",
                expected=f"200 {json.dumps(expected_body)}",
                found=f"{probe.status} {_short(probe.body)}",
                log_title="container log",
                log_tail=_tail(container.logs()),
            )
        return f"GET {path} -> 200 {_short(probe.body)} ({probe.seconds * 1000:.0f} ms)"

    def check_predict(self) -> str:
        self.ready("predict")
        container = self.container("predict")
        params = self.exercise.params("predict")
        path = params.get("path", "/predict")
        request = params.get("request", {"features": [5.1, 3.5, 1.4, 0.2]})
        keys = list(params.get("response_keys", ["prediction", "confidence"]))
        port = container.host_port or 0

        def fail(problem: str, expected: str, probe: Probe) -> CheckFailed:
            return CheckFailed(
                "predict",
                problem,
                expected=expected,
                found=f"{probe.status} {_short(probe.body)}",
                log_title="container log",
                log_tail=_tail(container.logs()),
            )

        probe = http_request(port, "POST", path, request, timeout=10)
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
        notes = [f"POST {path} -> 200 {_short(probe.body)}"]
        invalid = params.get("invalid_request")
        if invalid is not None:
            status = int(params.get("invalid_status", 422))
            bad = http_request(port, "POST", path, invalid, timeout=10)
            if bad.status != status:
                raise fail(
                    f"a request with the wrong number of features should be refused with "
                    f"{status}, never crash the app",
                    f"{status} with a message saying what is wrong",
                    bad,
                )
            notes.append(f"{json.dumps(invalid)} -> {bad.status} {_short(bad.body, 160)}")
        return "; ".join(notes)

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
            if status == "unhealthy" or not attrs.get("State", {}).get("Running"):
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
            log_tail=_tail(outputs, 5),
        )

    def check_image_size(self) -> str:
        build = self.built("image-size")
        engine = self.engine("image-size")
        dockerfile = self.dockerfile("image-size")
        params = self.exercise.params("image-size")
        budget = float(params.get("max_over_base_mb", 300))
        size = (engine.image_attrs(build.image_id) or {}).get("Size", 0) / 1e6
        base = dockerfile.base_image_of_final() or ""
        base_size = (engine.image_attrs(base) or {}).get("Size", 0) / 1e6
        over = size - base_size
        if over > budget:
            found_hints = []
            if len(dockerfile.stages) < 2:
                found_hints.append("a multi-stage build leaves build-only files behind")
            installs = hints.dependency_installs(dockerfile)
            if any("--no-cache-dir" not in i.args for i in installs):
                found_hints.append("`pip install --no-cache-dir` keeps pip's download cache out")
            if any(
                i.keyword == "RUN"
                and re.search(r"-m\s+venv\b", i.args)
                and "--without-pip" not in i.args
                for i in dockerfile.instructions
            ):
                found_hints.append(
                    "`python -m venv --without-pip /opt/venv` with "
                    "`pip --python /opt/venv/bin/python install …` keeps a second pip out of "
                    "the environment you copy"
                )
            if any("--no-compile" not in i.args for i in installs):
                found_hints.append(
                    "`pip install --no-compile` leaves out the .pyc files (about a fifth of "
                    "the libraries); Python compiles what the app imports when it starts"
                )
            found_hints.append(
                "a .dockerignore keeps caches, virtualenvs and data out of `COPY . .`"
            )
            raise CheckFailed(
                "image-size",
                "the image is larger than the budget",
                expected=f"at most {budget:.0f} MB over the base image {base} ({base_size:.0f} MB)",
                found=f"{size:.0f} MB, {over:.0f} MB over the base",
                hints=found_hints,
            )
        return f"{size:.0f} MB: {over:.0f} MB over {base} (budget {budget:.0f} MB)"

    def check_layer_cache(self) -> str:
        build = self.built("layer-cache")
        engine = self.engine("layer-cache")
        dockerfile = self.dockerfile("layer-cache")
        params = self.exercise.params("layer-cache")
        touch = str(params.get("touch", "app/main.py"))
        installs = hints.dependency_installs(dockerfile)
        if not installs:
            raise CheckFailed(
                "layer-cache",
                "no step installs the requirements file",
                expected="RUN pip install --no-cache-dir -r requirements.txt, in its own step",
                found="no such RUN step",
            )
        source = self.exercise.root / touch
        patterns = rules.read_dockerignore(self.exercise.root) or []
        files = exclude_paths(str(self.exercise.root), patterns, self.exercise.dockerfile)
        changed = source.read_text(encoding="utf-8") + "\n# layer-cache probe: app code changed\n"
        context = create_archive(
            str(self.exercise.root),
            sorted(files),
            io.BytesIO(),
            extra_files=[(touch, changed)],
        )
        tag = engine.image_tag(self.exercise.slug, "-cache-probe")
        try:
            probe = engine.build(
                self.exercise.root,
                self.exercise.dockerfile,
                tag,
                engine.image_labels(self.exercise.slug),
                timeout=float(self.exercise.run.get("build_timeout", 900)),
                fileobj=context,
            )
        except BuildFailed as error:
            raise CheckFailed(
                "layer-cache",
                f"the rebuild after changing {touch} failed",
                found=str(error),
                log_title="build log",
                log_tail=_tail(error.log),
            ) from error
        finally:
            engine.remove_image(tag)
        dependency_steps = [
            s
            for s in probe.steps
            if s.instruction.upper().startswith("RUN")
            and hints.installs_requirements(s.instruction[3:])
        ]
        rebuilt = [s for s in dependency_steps if not s.cached]
        if rebuilt or not dependency_steps:
            after = hints.requirements_after_code(dockerfile)
            raise CheckFailed(
                "layer-cache",
                f"changing only {touch} made Docker reinstall the dependencies",
                expected="the `RUN pip install -r requirements.txt` step comes from the cache",
                found="rebuilt: "
                + "; ".join(f"step {s.number}: {s.instruction}" for s in rebuilt)
                + (
                    f" (the code is copied at line {after.line}: {after.keyword} {after.args})"
                    if after
                    else ""
                ),
                hints=[hints.hint("requirements-after-code")],
            )
        steps = ", ".join(str(s.number) for s in dependency_steps)
        return (
            f"rebuild after changing {touch}: dependency step {steps} from cache "
            f"({probe.seconds:.1f} s; first build {build.seconds:.1f} s)"
        )

    # -- a service that can run in production (logic in service_checks.py) ---------

    def check_graceful_stop(self) -> str:
        return service_checks.graceful_stop(self)

    def check_oci_labels(self) -> str:
        return service_checks.oci_labels(self)

    def check_env_config(self) -> str:
        return service_checks.env_config(self)
