"""The graded container as the checks see it: state, logs (tail only), HTTP probes.

The probe reaches the app at `Container.address`: the container's own address on
its internal network when the engine is on this machine, else a port published
on 127.0.0.1 (see `Engine.run`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docker.errors import APIError, NotFound

if TYPE_CHECKING:
    from .engine import Engine

#: Docker's embedded DNS listens here in every container on a user-defined network.
DOCKER_DNS = "127.0.0.11"
#: A log line longer than this is cut: a flood of one endless line stays small.
MAX_LOG_LINE = 2000


@dataclass
class Probe:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def http_request(
    address: tuple[str, int], method: str, path: str, body: Any = None, timeout: float = 5.0
) -> Probe:
    """One HTTP request to (host, port); raises OSError/HTTPException when nothing answers."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(address[0], address[1], timeout=timeout)
    try:
        headers = {"Connection": "close"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Probe(response.status, data, time.perf_counter() - started)
    finally:
        connection.close()


def parse_proc_net_tcp(text: str) -> list[tuple[str, int]]:
    """Listening (host, port) pairs from /proc/net/tcp and tcp6 contents."""
    result = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[3] != "0A" or ":" not in parts[1]:
            continue
        address, port_hex = parts[1].rsplit(":", 1)
        try:
            port = int(port_hex, 16)
        except ValueError:
            continue
        if len(address) == 8:
            octets = bytes.fromhex(address)[::-1]
            host = ".".join(str(b) for b in octets)
        elif set(address) == {"0"}:
            host = "::"
        elif address == "00000000000000000000000001000000":
            host = "::1"
        elif address.startswith("0000000000000000FFFF0000"):
            host = ".".join(str(b) for b in bytes.fromhex(address[24:])[::-1])
        else:
            host = address
        result.append((host, port))
    return result


@dataclass
class Container:
    engine: Engine
    handle: Any
    port: int
    #: The internal network the container is alone on, or None (published on loopback).
    network: str | None = None
    #: Where the probe reaches the app: (host, port); None until the engine says.
    address: tuple[str, int] | None = None
    _attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.handle.id

    def reload(self) -> dict[str, Any]:
        self.handle.reload()
        self._attrs = self.handle.attrs
        if self.address is None:
            settings = self._attrs.get("NetworkSettings") or {}
            if self.network:
                ip = ((settings.get("Networks") or {}).get(self.network) or {}).get("IPAddress")
                if ip:
                    self.address = (ip, self.port)
            else:
                for binding in (settings.get("Ports") or {}).get(f"{self.port}/tcp") or []:
                    if binding.get("HostPort"):
                        self.address = ("127.0.0.1", int(binding["HostPort"]))
        return self._attrs

    def where(self) -> str:
        """The probed address as a reader would type it."""
        if self.address is None:
            return "(no address yet)"
        return f"{self.address[0]}:{self.address[1]}"

    @property
    def state(self) -> dict[str, Any]:
        return self._attrs.get("State", {})

    def running(self) -> bool:
        return self.reload().get("State", {}).get("Running", False)

    def logs(self, tail: int = 30) -> list[str]:
        try:
            text = self.handle.logs(tail=tail).decode("utf-8", "replace")
        except (APIError, NotFound):
            return []
        lines = [line.rstrip() for line in text.splitlines()][-tail:]
        return [line if len(line) <= MAX_LOG_LINE else line[:MAX_LOG_LINE] + "…" for line in lines]

    def listening(self) -> list[tuple[str, int]] | None:
        """What the container listens on, read from its /proc/net/tcp (None if unknown)."""
        text = self.proc_net_tcp_from_host()
        if text is None:
            text = self.proc_net_tcp_by_exec()
        if text is None:
            return None
        return [(host, port) for host, port in parse_proc_net_tcp(text) if host != DOCKER_DNS]

    def proc_net_tcp_from_host(self) -> str | None:
        """The container's /proc/net/tcp{,6} read through /proc/<its pid> on this machine.

        Costs the container nothing, where an exec would start a process in it (seconds of
        CPU under emulation, taken from the app's start). Only for a local engine (the
        container is on its internal network) and only if that pid is in the container's
        cgroup here, so a pid from another pid namespace is never read."""
        pid = self.state.get("Pid")
        if self.network is None or not pid:
            return None
        proc = Path(f"/proc/{pid}")
        try:
            if self.id not in (proc / "cgroup").read_text(encoding="utf-8"):
                return None
            text = (proc / "net" / "tcp").read_text(encoding="utf-8")
        except OSError:
            return None
        with contextlib.suppress(OSError):  # no tcp6 without IPv6
            text += (proc / "net" / "tcp6").read_text(encoding="utf-8")
        return text

    def proc_net_tcp_by_exec(self) -> str | None:
        """The same files read by `cat` run in the container (a remote engine, another
        pid namespace)."""
        try:
            result = self.handle.exec_run(["cat", "/proc/net/tcp", "/proc/net/tcp6"], user="0")
        except (APIError, NotFound):
            return None
        if result.exit_code not in (0, 1):
            return None
        return result.output.decode("utf-8", "replace")

    def stop(self, timeout: float) -> float:
        """`docker stop` (SIGTERM, then SIGKILL after *timeout*); seconds until it exited."""
        started = time.perf_counter()
        with contextlib.suppress(APIError, NotFound):
            self.handle.stop(timeout=int(timeout))
        seconds = time.perf_counter() - started
        self.reload()
        return seconds

    def has_command(self, name: str) -> bool | None:
        try:
            result = self.handle.exec_run(["sh", "-c", f"command -v {name}"], user="0")
        except (APIError, NotFound):
            return None
        return result.exit_code == 0
