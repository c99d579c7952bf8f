"""pytest plugin for bench_sandbox.py only: the same grader with the sandbox switched off.

Builds get no cgroup and no limits, the container runs as before issue 9 (limits,
no-new-privileges, cap-drop ALL, published on 127.0.0.1; no read-only root, no
ulimits, no log cap, no internal network). Never use it to grade.
"""

from __future__ import annotations

from typing import Any

from course_grader import engine, sandbox
from course_grader.limits import RunLimits

_HARDENED = sandbox.Sandbox.run_kwargs
#: What issue 9 added to the run container; the rest is how it ran before.
_ADDED = ("read_only", "tmpfs", "ulimits", "log_config", "privileged")


def _run_kwargs(limits: RunLimits) -> dict[str, Any]:
    return {k: v for k, v in _HARDENED(limits).items() if k not in _ADDED}


sandbox.Sandbox.build_cgroup = lambda self, limits: None  # type: ignore[method-assign]
sandbox.Sandbox.build_params = staticmethod(lambda limits, cgroup: {})  # type: ignore[method-assign]
sandbox.Sandbox.run_kwargs = staticmethod(_run_kwargs)  # type: ignore[method-assign]
engine.Engine._probe_network = lambda self, labels: (None, "benchmark without sandbox")  # type: ignore[method-assign]
