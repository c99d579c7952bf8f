"""The image checks: the build, the image's size, and the layer cache on a rebuild."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from . import hints
from .errors import BuildFailed, CheckFailed
from .texts import tail

if TYPE_CHECKING:
    from .build import BuildResult
    from .dockerfile import Dockerfile
    from .engine import Engine
    from .exercise import Exercise


class ImageChecks:
    """`check_<id>` methods of the checks that need the built image (mixed into ExerciseRun)."""

    exercise: Exercise

    if TYPE_CHECKING:

        def dockerfile(self, check: str) -> Dockerfile: ...
        def engine(self, check: str) -> Engine: ...
        def built(self, check: str) -> BuildResult: ...
        def context(self, extra_files: list[tuple[str, str]] | None = None) -> Any: ...

    def check_build(self) -> str:
        build = self.built("build")
        cached = sum(1 for s in build.steps if s.cached)
        return (
            f"built {build.image_id.removeprefix('sha256:')[:12]} in {build.seconds:.1f} s "
            f"({len(build.steps)} steps, {cached} from cache)"
            + (
                f"; {build.dropped_mb:.1f} MB of build output dropped past build.output_mb "
                f"({self.exercise.build_limits.output_mb:g} MB)"
                if build.dropped_mb
                else ""
            )
            + (
                f"; BuildKit clipped a step's output at its log limit ({build.clipped})"
                if build.clipped
                else ""
            )
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
        # A fresh line each probe: BuildKit keeps its cache after the grader's images are
        # removed, so a probe with the same bytes as last run's would come from the cache.
        changed = (
            source.read_text(encoding="utf-8")
            + f"\n# layer-cache probe {uuid.uuid4().hex}: app code changed\n"
        )
        tag = engine.image_tag(self.exercise.slug, "-cache-probe")
        try:
            with self.context(extra_files=[(touch, changed)]) as tar:
                probe = engine.build(
                    tar,
                    self.exercise.dockerfile,
                    tag,
                    engine.image_labels(self.exercise.slug),
                    self.exercise.build_limits,
                )
        except BuildFailed as error:
            raise CheckFailed(
                "layer-cache",
                f"the rebuild after changing {touch} failed",
                found=str(error),
                log_title="build log",
                log_tail=tail(error.log),
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
