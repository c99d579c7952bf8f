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
from dataclasses import dataclass
from typing import Any

from .cgroups import BuildCgroup, CgroupUnavailable, cgroup_support, host_slug, stale_cgroups
from .limits import BuildLimits, RunLimits, human_size

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
        self.cgroup_problem = ""
        try:
            self.cgroup_version = cgroup_support(info, self.local)
        except (CgroupUnavailable, OSError) as error:
            self.cgroup_problem = str(error)
        self.storage = str(info.get("Driver", "unknown"))
        backing = dict(
            (pair[0], pair[1]) for pair in info.get("DriverStatus") or [] if len(pair) == 2
        ).get("Backing Filesystem", "unknown")
        self.storage_detail = f"{self.storage} on {backing}"
        self._builds = 0
        #: Cgroups this session could not remove (reported like leftover images).
        self.leftovers: list[str] = []

    # -- builds ------------------------------------------------------------------

    def build_cgroup(self, limits: BuildLimits) -> BuildCgroup | None:
        """A fresh cgroup for one build, with the limits written; None if none can be made."""
        if self.cgroup_version is None:
            return None
        self._builds += 1
        cgroup = BuildCgroup(f"course-grader-{self.owner}-b{self._builds}", self.cgroup_version)
        try:
            cgroup.create(limits)
        except OSError as error:
            self.cgroup_problem = f"creating {cgroup.name} failed: {error}"
            self.cgroup_version = None
            return None
        return cgroup

    @staticmethod
    def build_params(limits: BuildLimits, cgroup: BuildCgroup | None) -> dict[str, Any]:
        """Query parameters of the build API that apply the limits to every RUN step."""
        if cgroup is not None:
            return {"cgroupparent": cgroup.parent}
        # No cgroup of ours: the engine's own per-step limits (memory and CPU; no pids).
        return {
            "memory": limits.memory,
            "memswap": limits.memory,
            "cpuperiod": CPU_PERIOD,
            "cpuquota": max(1000, int(limits.cpus * CPU_PERIOD)),
        }

    def build_protections(
        self, limits: BuildLimits, cgroup: BuildCgroup | None, dropped_mb: float = 0
    ) -> list[Protection]:
        where = (
            f"in cgroup {cgroup.parent} (v{cgroup.version}), the RUN containers' parent"
            if cgroup
            else "per RUN container, by the engine"
        )
        output = f"output past {limits.output_mb:g} MB dropped, head and tail kept"
        if dropped_mb:
            output += f" ({dropped_mb:.1f} MB dropped in this build)"
        found = [
            Protection(
                "build-timeout",
                True,
                f"{limits.timeout:g} s, then the build is cancelled, its RUN container "
                "killed and removed",
            ),
            Protection("build-memory", True, f"{human_size(limits.memory)}, no swap, {where}"),
            Protection("build-cpus", True, f"{limits.cpus:g} CPU, {where}"),
            Protection(
                "build-pids",
                cgroup is not None,
                f"{limits.pids} processes, {where}"
                if cgroup
                else "the classic builder has no per-step pids limit and the grader could "
                f"not make a cgroup parent: {self.cgroup_problem}",
            ),
            Protection("build-output", True, output),
            Protection(
                "build-context",
                True,
                f"a context over {limits.context_mb:g} MB is refused before sending",
            ),
            Protection(
                "build-disk",
                False,
                f"the classic builder has no size limit for a RUN step's layer "
                f"(storage {self.storage_detail}); a RUN step can fill the engine's disk",
            ),
            Protection(
                "build-network",
                False,
                "RUN steps keep the default network to download packages",
            ),
        ]
        return found

    def sweep_cgroups(self) -> int:
        """Remove the cgroups of grader runs on this host that are gone; returns how many."""
        if self.cgroup_version is None:
            return 0
        removed = 0
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
