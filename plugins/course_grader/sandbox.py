"""The sandbox: limits from exercise.yml -> engine arguments, and what is in force.

A submission runs code twice: its RUN steps during the build, its CMD in the
graded container. `Sandbox` learns once what this engine can enforce (a cgroup
parent for builds, a probe-only network, disk quotas), turns an exercise's
`BuildLimits` / `RunLimits` into engine arguments, and records every protection
as applied or not applied, with the reason, for the reports.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from .cgroups import BuildCgroup, CgroupUnavailable, cgroup_support, host_slug, stale_cgroups
from .limits import BuildLimits, RunLimits, human_size
from .shared_cgroup import STABLE_PARENT, SharedBuildCgroup
from .systemd_slice import SystemdSlice, slice_name, stale_slices

#: From this Docker Engine on, BuildKit puts a build's steps in its `--cgroup-parent`.
PER_BUILD_BUILDKIT = 23

CPU_PERIOD = 100_000


@dataclass(frozen=True)
class Protection:
    """One protection for one phase: applied, or not applied and why."""

    name: str
    applied: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"protection": self.name, "applied": self.applied, "detail": self.detail}


def engine_is_local(info: dict[str, Any]) -> bool:
    """Is the engine on this machine (so its cgroups and bridges are ours to use)?"""
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return False
    return info.get("Name") == socket.gethostname() and "Docker Desktop" not in str(
        info.get("OperatingSystem", "")
    )


def address_is_local(address: str) -> bool:
    """Is *address* one of this machine's own (a bridge's gateway we can route from)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


class Sandbox:
    """What one engine can enforce, learnt once per session."""

    def __init__(self, info: dict[str, Any], owner: str):
        self.owner = owner
        self.local = engine_is_local(info)
        self.cgroup_version: int | None = None
        self.cgroup_driver = str(info.get("CgroupDriver", ""))
        self.cgroup_problem = ""
        try:
            self.cgroup_version, self.cgroup_driver = cgroup_support(info, self.local)
        except (CgroupUnavailable, OSError) as error:
            self.cgroup_problem = str(error)
        self.storage = str(info.get("Driver", "unknown"))
        backing = dict(
            (pair[0], pair[1]) for pair in info.get("DriverStatus") or [] if len(pair) == 2
        ).get("Backing Filesystem", "unknown")
        self.storage_detail = f"{self.storage} on {backing}"
        self.engine_version = str(info.get("ServerVersion", ""))
        self._builds = 0
        #: Cgroups this session could not remove (reported like leftover images).
        self.leftovers: list[str] = []

    # -- builds ------------------------------------------------------------------

    def build_cgroup(self, limits: BuildLimits, builder: str = "classic") -> BuildCgroup | None:
        """The cgroup that holds one build's limits, created; None if none can be made.

        The classic builder takes a cgroup parent per build. BuildKit's steps share one
        host-wide cgroup, limited for this build alone (see shared_cgroup.py): the
        engine's `docker/buildkit` before Engine 23, which ignores the parent; from 23 on
        STABLE_PARENT, since BuildKit keys its cache on the parent."""
        if self.cgroup_version is None:
            return None
        self._builds += 1
        old_buildkit = (
            builder == "buildkit" and engine_major(self.engine_version) < PER_BUILD_BUILDKIT
        )
        if old_buildkit and self.cgroup_driver == "systemd":
            self.cgroup_problem = (
                f"Docker Engine {self.engine_version} puts BuildKit's steps in its own "
                "systemd scope whatever the build's cgroup parent; grade with Engine 23 or "
                "later, or with COURSE_GRADER_BUILDER=classic"
            )
            return None
        if old_buildkit:
            cgroup: BuildCgroup = SharedBuildCgroup("docker/buildkit", self.cgroup_version)
        elif builder == "buildkit":
            cgroup = SharedBuildCgroup(
                STABLE_PARENT, self.cgroup_version, given_as_parent=True, steps_under="buildkit"
            )
        elif self.cgroup_driver == "systemd":
            cgroup = SystemdSlice(slice_name(self.owner, self._builds), self.cgroup_version)
        else:
            name = f"course-grader-{self.owner}-b{self._builds}"
            cgroup = BuildCgroup(name, self.cgroup_version)
        try:
            cgroup.create(limits)
        except (OSError, TimeoutError) as error:
            self.cgroup_problem = f"creating {cgroup.name} failed: {error}"
            return None
        return cgroup

    def release(self, cgroup: BuildCgroup, wait: float = 10) -> None:
        """Remove a build's cgroup (once the engine has removed its steps' cgroups), or hand
        the shared one back; what cannot be undone is reported as a leftover."""
        deadline = time.monotonic() + wait
        while True:
            problems = cgroup.remove()
            if not problems or not cgroup.per_build:
                self.leftovers.extend(problems)
                return
            if time.monotonic() > deadline:
                self.leftovers.extend(problems)
                return
            cgroup.kill()
            time.sleep(0.1)

    @staticmethod
    def build_params(limits: BuildLimits, cgroup: BuildCgroup | None) -> dict[str, Any]:
        """Query parameters of the classic build API that apply the limits to every RUN step."""
        params: dict[str, Any] = {} if limits.network else {"networkmode": "none"}
        if cgroup is not None:
            return {**params, "cgroupparent": cgroup.parent}
        # No cgroup of ours: the engine's own per-step limits (memory and CPU; no pids).
        return {
            **params,
            "memory": limits.memory,
            "memswap": limits.memory,
            "cpuperiod": CPU_PERIOD,
            "cpuquota": max(1000, int(limits.cpus * CPU_PERIOD)),
        }

    def _where(self, cgroup: BuildCgroup | None, builder: str) -> str:
        steps = "BuildKit's RUN steps" if builder == "buildkit" else "the RUN containers"
        if cgroup is None:
            return "per RUN container, by the engine"
        if cgroup.given_as_parent and not cgroup.per_build:
            return (
                f"in cgroup {cgroup.parent} (v{cgroup.version}), the parent of {steps}, lent "
                "to one grader build at a time (BuildKit keys its cache on the parent, so it "
                "is the same for every build)"
            )
        if not cgroup.per_build:
            return (
                f"in the engine's cgroup {cgroup.parent} (v{cgroup.version}), the parent of "
                f"{steps}: Engine {self.engine_version} ignores a build's cgroup parent, so "
                "grader builds take turns in it"
            )
        return f"in cgroup {cgroup.parent} (v{cgroup.version}), the parent of {steps}"

    def _unlimited(self, builder: str) -> str:
        """Why a build's memory/CPU/pids limit is not in force, and what would apply it."""
        why = self.cgroup_problem or "no cgroup parent could be made"
        builder_has = (
            "BuildKit has no per-step limits"
            if builder == "buildkit"
            else "the classic builder has no per-step pids limit"
        )
        return f"{builder_has} and the grader could not make a cgroup parent: {why}"

    def build_protections(
        self,
        limits: BuildLimits,
        cgroup: BuildCgroup | None,
        dropped_mb: float = 0,
        builder: str = "classic",
        placement_problem: str = "",
        clipped: str = "",
    ) -> list[Protection]:
        where = self._where(cgroup, builder)
        in_force = cgroup is not None and not placement_problem
        output = f"output past {limits.output_mb:g} MB dropped, head and tail kept"
        if dropped_mb:
            output += f" ({dropped_mb:.1f} MB dropped in this build)"
        if clipped:
            output += f"; BuildKit clipped a step's output itself ({clipped})"
        stopped = (
            "buildx interrupted (the engine cancels the build) and every RUN process killed"
            if builder == "buildkit"
            else "the build is cancelled, its RUN container killed and removed"
        )
        engine_limits = builder == "classic" and cgroup is None
        unlimited = placement_problem or self._unlimited(builder)

        def limited(name: str, detail: str, fallback: bool) -> Protection:
            if in_force:
                return Protection(name, True, f"{detail}, {where}")
            if fallback:
                return Protection(name, True, f"{detail}, per RUN container, by the engine")
            return Protection(name, False, f"{detail} not enforced: {unlimited}")

        return [
            Protection("build-timeout", True, f"{limits.timeout:g} s, then {stopped}"),
            limited("build-memory", f"{human_size(limits.memory)}, no swap", engine_limits),
            limited("build-cpus", f"{limits.cpus:g} CPU", engine_limits),
            limited("build-pids", f"{limits.pids} processes", False),
            Protection("build-output", True, output),
            Protection(
                "build-context",
                True,
                f"a context over {limits.context_mb:g} MB is refused before sending",
            ),
            Protection(
                "build-disk",
                False,
                f"the builders have no size limit for a RUN step's writes (storage "
                f"{self.storage_detail}); a RUN step can fill the engine's disk. Remedy: "
                "put the engine's data root (/var/lib/docker) on a filesystem of its own",
            ),
            Protection(
                "build-network",
                not limits.network,
                "RUN steps have no network (build.network: false)"
                if not limits.network
                else "RUN steps keep the default network to download packages "
                "(build.network: false cuts it)",
            ),
        ]

    def sweep_cgroups(self) -> int:
        """Remove the cgroups of grader runs on this host that are gone; returns how many."""
        if self.cgroup_version is None:
            return 0
        removed = 0
        if self.cgroup_driver == "systemd":
            for name in stale_slices(host=host_slug()):
                if not SystemdSlice(name, 2).remove():
                    removed += 1
            return removed
        for name in stale_cgroups(self.cgroup_version):
            cgroup = BuildCgroup(name, self.cgroup_version)
            cgroup.kill()
            if not cgroup.remove():
                removed += 1
        return removed

    # -- the graded container ---------------------------------------------------------

    @staticmethod
    def run_kwargs(limits: RunLimits) -> dict[str, Any]:
        """`containers.create` arguments that confine the graded container."""
        kwargs: dict[str, Any] = {
            "mem_limit": limits.memory,
            "memswap_limit": limits.memory,
            "nano_cpus": int(limits.cpus * 1e9),
            "pids_limit": limits.pids,
            "security_opt": ["no-new-privileges"],
            "cap_drop": ["ALL"],
            "privileged": False,
            "ulimits": [
                {"Name": "nofile", "Soft": limits.nofile, "Hard": limits.nofile},
                {"Name": "nproc", "Soft": limits.pids, "Hard": limits.pids},
            ],
            "log_config": {
                "Type": "json-file",
                "Config": {"max-size": f"{max(1, limits.log_mb // 2)}m", "max-file": "2"},
            },
            "init": False,
        }
        if limits.read_only:
            kwargs["read_only"] = True
            kwargs["tmpfs"] = {"/tmp": f"rw,nosuid,nodev,size={limits.tmp_mb}m"}
        return kwargs

    def run_protections(
        self,
        limits: RunLimits,
        attrs: dict[str, Any],
        network: str,
        disk: str,
    ) -> list[Protection]:
        """What the created container really has (read back from the engine)."""
        host = attrs.get("HostConfig") or {}
        mounts = attrs.get("Mounts") or []
        binds = [m for m in mounts if m.get("Type") == "bind"]
        socket_mounted = any("docker.sock" in str(m.get("Source")) for m in mounts)
        ulimits = {u.get("Name"): u.get("Hard") for u in host.get("Ulimits") or []}
        log = host.get("LogConfig") or {}
        return [
            Protection("run-memory", bool(host.get("Memory")), human_size(limits.memory)),
            Protection("run-cpus", bool(host.get("NanoCpus")), f"{limits.cpus:g} CPU"),
            Protection("run-pids", bool(host.get("PidsLimit")), f"{limits.pids} processes"),
            Protection("run-capabilities", "ALL" in (host.get("CapDrop") or []), "all dropped"),
            Protection(
                "run-no-new-privileges",
                "no-new-privileges" in (host.get("SecurityOpt") or []),
                "setuid programs cannot raise privileges",
            ),
            Protection("run-unprivileged", not host.get("Privileged"), "never --privileged"),
            Protection(
                "run-no-host-mounts",
                not binds and not socket_mounted,
                "no bind mounts, no Docker socket"
                if not binds
                else "bind mounts: " + ", ".join(str(m.get("Source")) for m in binds),
            ),
            Protection(
                "run-ulimits",
                ulimits.get("nofile") == limits.nofile and ulimits.get("nproc") == limits.pids,
                f"nofile {limits.nofile}, nproc {limits.pids} (nproc does not bind uid 0)",
            ),
            Protection(
                "run-read-only-root",
                bool(host.get("ReadonlyRootfs")),
                f"root filesystem read-only, /tmp a {limits.tmp_mb} MB tmpfs"
                if limits.read_only
                else "the exercise opts out (run.read_only: false)",
            ),
            Protection(
                "run-logs",
                log.get("Type") == "json-file" and "max-size" in (log.get("Config") or {}),
                f"json-file, {(log.get('Config') or {}).get('max-size')} x "
                f"{(log.get('Config') or {}).get('max-file')} files, read with a tail",
            ),
            Protection("run-network", network.startswith("internal"), network),
            Protection("run-disk", disk.startswith("applied"), disk.removeprefix("applied: ")),
        ]


def engine_major(version: str) -> int:
    """24 of "24.0.7"; 0 when unknown."""
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def run_disk(limits: RunLimits, quota_error: str | None) -> str:
    """How the container's writes are bounded (applied: …) or why they are not."""
    if limits.read_only:
        return f"applied: read-only root; writes go to the {limits.tmp_mb} MB /tmp tmpfs"
    if quota_error is None:
        return "applied: storage quota on the writable layer"
    return f"not applied: the storage driver has no quota here ({quota_error})"


def owner_name(session: str) -> str:
    """host-pid-session, as in image tags: who made a cgroup or network."""
    return f"{host_slug()}-{os.getpid()}-{session}"


def gateway_of(network_attrs: dict[str, Any]) -> str | None:
    with contextlib.suppress(AttributeError, IndexError, KeyError, TypeError):
        return network_attrs["IPAM"]["Config"][0]["Gateway"]
    return None
