"""A build's cgroup on hosts whose engine uses the systemd cgroup driver (cgroup v2).

There the cgroup parent must be a `*.slice` unit, and systemd owns the cgroup tree:
its limits are set through systemd, not by writing its files. So each build gets a
transient slice, started over D-Bus (`StartTransientUnit`, with `TasksMax`,
`MemoryMax`, `MemorySwapMax`, `CPUQuotaPerSecUSec`), which Docker then puts the
build's RUN steps under; at the end the slice is killed and stopped. A dash in a
slice name means nesting (`a-b.slice` sits in `a.slice`), so the name has none:
each build's slice sits at the top of the tree, `/sys/fs/cgroup/<name>`.

jeepney (pure Python, no dependencies) speaks D-Bus; only root may start units.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cgroups import ROOT, BuildCgroup, CgroupUnavailable
from .limits import BuildLimits

SLICE_PREFIX = "course_grader_"
_SLICE = re.compile(
    re.escape(SLICE_PREFIX) + r"(?P<host>.+)_(?P<pid>\d+)_(?P<session>[0-9a-f]+)_b\d+\.slice"
)
SYSTEMD = {
    "object_path": "/org/freedesktop/systemd1",
    "bus_name": "org.freedesktop.systemd1",
    "interface": "org.freedesktop.systemd1.Manager",
}


def slice_name(owner: str, build: int) -> str:
    """`course_grader_<host>_<pid>_<session>_b<n>.slice`: no dash, so no nesting."""
    return f"{SLICE_PREFIX}{re.sub(r'[^A-Za-z0-9_.]', '_', owner)}_b{build}.slice"


def _call(method: str, signature: str, body: tuple[Any, ...]) -> tuple[Any, ...]:
    """One call to systemd's manager on the system bus; raises OSError with its error."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import DBusErrorResponse, unwrap_msg

    address = DBusAddress(**SYSTEMD)
    try:
        with open_dbus_connection(bus="SYSTEM") as connection:
            reply = connection.send_and_get_reply(
                new_method_call(address, method, signature, body), timeout=30
            )
            return tuple(unwrap_msg(reply))
    except DBusErrorResponse as error:
        raise OSError(f"systemd refused {method}: {error.name}: {error.data}") from error
    except (OSError, TimeoutError, ValueError) as error:
        raise OSError(f"no answer from systemd over D-Bus ({method}): {error}") from error


def systemd_support(root: Path = ROOT) -> None:
    """Raise CgroupUnavailable (with the remedy) unless we can start slices here."""
    if os.geteuid() != 0:
        raise CgroupUnavailable(
            "only root may start systemd slices (grading as another user); run the grader "
            "as root, e.g. `sudo -E course-grade batch …`"
        )
    if not (root / "cgroup.controllers").exists():
        raise CgroupUnavailable(
            "the systemd driver on cgroup v1 is not supported; boot with cgroup v2 "
            "(systemd.unified_cgroup_hierarchy=1)"
        )
    try:
        _call("GetUnit", "s", ("-.slice",))
    except OSError as error:
        raise CgroupUnavailable(
            f"{error}; the grader needs systemd's D-Bus API (is systemd PID 1 and "
            "/run/dbus/system_bus_socket there? `apt-get install dbus`)"
        ) from error


@dataclass
class SystemdSlice(BuildCgroup):
    """One build's transient slice; its cgroup is /sys/fs/cgroup/<name> (cgroup v2)."""

    @property
    def parent(self) -> str:
        """The cgroup parent for the engine: the slice's unit name (systemd driver)."""
        return self.name

    def create(self, limits: BuildLimits, wait: float = 10) -> None:
        """Start the slice with the build's limits; raises OSError if systemd refuses."""
        properties = [
            ("Description", ("s", "course-grader: one build's RUN steps")),
            ("TasksAccounting", ("b", True)),
            ("TasksMax", ("t", limits.pids)),
            ("MemoryAccounting", ("b", True)),
            ("MemoryMax", ("t", limits.memory)),
            ("MemorySwapMax", ("t", 0)),
            ("CPUQuotaPerSecUSec", ("t", max(10_000, int(limits.cpus * 1_000_000)))),
        ]
        _call("StartTransientUnit", "ssa(sv)a(sa(sv))", (self.name, "fail", properties, []))
        deadline = time.monotonic() + wait
        while not (self._dir("") / "pids.max").exists():  # systemd makes it right after
            if time.monotonic() > deadline:
                self.remove()
                raise OSError(f"systemd started {self.name} but made no {self._dir('')}")
            time.sleep(0.05)

    def containers(self) -> list[str]:
        """Ids of the containers Docker placed in this slice (`docker-<id>.scope`)."""
        with contextlib.suppress(OSError):
            return [
                m.group(1)
                for p in self._dir("").iterdir()
                if (m := re.fullmatch(r"docker-([0-9a-f]{64})\.scope", p.name))
            ]
        return []

    def kill(self) -> int:
        count = len(self.tasks())
        kill_file = self._dir("") / "cgroup.kill"
        with contextlib.suppress(OSError):
            if kill_file.exists():
                kill_file.write_text("1")
                return count
        with contextlib.suppress(OSError):
            _call("KillUnit", "ssi", (self.name, "all", 9))
        return count

    def remove(self) -> list[str]:
        """Stop the slice (systemd removes its cgroup); returns what could not be stopped."""
        try:
            _call("StopUnit", "ss", (self.name, "replace"))
        except OSError as error:
            if "NoSuchUnit" in str(error):
                return []
            return [f"slice {self.name}: {error}"]
        deadline = time.monotonic() + 5
        while self._dir("").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return [f"slice {self.name}: its cgroup is still there"] if self._dir("").exists() else []


def stale_slices(root: Path = ROOT, host: str = "") -> list[str]:
    """Names of build slices on this host whose grader process is gone."""
    names = []
    with contextlib.suppress(OSError):
        for entry in root.iterdir():
            match = _SLICE.fullmatch(entry.name)
            if not match or (host and match["host"] != host):
                continue
            try:
                os.kill(int(match["pid"]), 0)
            except ProcessLookupError:
                names.append(entry.name)
            except PermissionError:
                continue
    return names
