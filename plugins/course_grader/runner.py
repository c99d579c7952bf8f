"""Running the graded container: its own internal network, the sandbox's limits, start.

A mixin of `Engine` (engine.py): the network can be made while the image builds
(`prepare_network`), so the first container starts without waiting for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from docker.errors import APIError

from .container import Container
from .limits import RunLimits
from .sandbox import Protection, Sandbox, address_is_local, gateway_of, run_disk

if TYPE_CHECKING:
    import docker

T = TypeVar("T")


def in_background(work: Callable[[], T]) -> Future[T]:
    """Run *work* on a daemon thread; its result (or exception) waits in the future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name="course-grader-background", daemon=True).start()
    return future


class ContainerRunner:
    """Creates, confines and starts graded containers (see `Engine`)."""

    if TYPE_CHECKING:
        client: docker.DockerClient
        containers: list[str]
        networks: list[str]
        next_network: Future[tuple[str | None, str]] | None

        @property
        def sandbox(self) -> Sandbox: ...

        @property
        def owner(self) -> str: ...

        def remove_network(self, network_id: str) -> None: ...

    def prepare_network(self, labels: dict[str, str]) -> None:
        """Start making the next container's network now (it takes a round trip or two
        to the engine), so `run` finds it ready."""
        if self.next_network is None:
            self.next_network = in_background(lambda: self._probe_network(labels))

    def _probe_network(self, labels: dict[str, str]) -> tuple[str | None, str]:
        """An internal network for one container (no route out), if the probe can reach
        its addresses from here; else None and why not."""
        if not self.sandbox.local:
            return None, "the engine is not on this machine, so its bridges are not routable"
        name = f"course-grader-{self.owner}-n{len(self.networks) + 1}"
        try:
            network = self.client.networks.create(name, internal=True, labels=labels)
        except APIError as error:  # e.g. the engine's address pools are used up
            return None, f"the engine could not make a network: {error.explanation or error}"
        self.networks.append(network.id)
        network.reload()
        gateway = gateway_of(network.attrs)
        if gateway and address_is_local(gateway):
            return network.name, ""
        self.remove_network(network.id)
        return None, f"this machine has no route to the network's gateway {gateway}"

    def _network_for_next_container(self, labels: dict[str, str]) -> tuple[str | None, str]:
        prepared, self.next_network = self.next_network, None
        if prepared is not None:
            return prepared.result()
        return self._probe_network(labels)

    def run(
        self,
        image: str,
        port: int,
        labels: dict[str, str],
        limits: RunLimits,
        healthcheck_interval: float | None,
        environment: dict[str, str] | None = None,
    ) -> tuple[Container, list[Protection]]:
        """Create and start the graded container, confined (sandbox.py); returns it and the
        protections it really has."""
        network, why_not = self._network_for_next_container(labels)
        kwargs: dict[str, Any] = {"detach": True, "labels": labels, **Sandbox.run_kwargs(limits)}
        if environment:
            kwargs["environment"] = environment
        if network:
            kwargs["network"] = network
            where = f"internal: alone on network {network}, no route out; probed at its address"
        else:
            kwargs["ports"] = {f"{port}/tcp": ("127.0.0.1", None)}
            where = f"not applied: default bridge, published on 127.0.0.1 ({why_not})"
        if healthcheck_interval:
            # Keep the student's test, timeout and retries; only check more often.
            kwargs["healthcheck"] = {"interval": int(healthcheck_interval * 1e9)}
        quota_error = None
        if not limits.read_only:
            try:
                container = self.client.containers.create(
                    image, storage_opt={"size": f"{limits.tmp_mb}m"}, **kwargs
                )
            except APIError as error:
                quota_error = str(error.explanation or error)
            else:
                return self._start(container, port, network, limits, where, None)
        container = self.client.containers.create(image, **kwargs)
        return self._start(container, port, network, limits, where, quota_error)

    def _start(
        self,
        handle: Any,
        port: int,
        network: str | None,
        limits: RunLimits,
        where: str,
        quota_error: str | None,
    ) -> tuple[Container, list[Protection]]:
        self.containers.append(handle.id)
        handle.start()
        handle.reload()
        protections = self.sandbox.run_protections(
            limits, handle.attrs, where, run_disk(limits, quota_error)
        )
        return Container(self, handle, port, network=network), protections  # type: ignore[arg-type]
