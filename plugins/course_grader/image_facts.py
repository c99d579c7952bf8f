"""What the built image itself says about its user and its HEALTHCHECK.

The Dockerfile alone cannot tell who a container runs as: a base image may set
its own USER (Chainguard's uid 65532, Jupyter's uid 1000), a stage inherits
another's, an ARG may expand to 0. The image's configuration is what Docker
uses, so `non-root` and `healthcheck-declared` judge it when the build succeeded.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docker.errors import APIError, NotFound

if TYPE_CHECKING:
    from .engine import Engine

#: /etc/passwd is read at most this far (a huge one is someone's mischief, not an account list).
PASSWD_LIMIT = 1 << 20
#: The command a container made only to read a file gets; it is never started.
NEVER_STARTED = ["/course-grader-never-started"]


@dataclass(frozen=True)
class ImageFacts:
    """The image's `Config.User` (raw), the uid it runs as (None: a name with no account),
    whether the image has an /etc/passwd, and its HEALTHCHECK test (None: none)."""

    user: str
    uid: int | None
    has_passwd: bool
    healthcheck: list[str] | None

    @property
    def user_name(self) -> str:
        return user_part(self.user)


def user_part(user: str) -> str:
    """`app:app` -> `app`; `0:1000` -> `0`: the user, not the group, decides who runs."""
    return user.split(":", 1)[0].strip()


def uid_in_passwd(name: str, passwd: str) -> int | None:
    """The uid /etc/passwd gives `name`, or None when no account has that name."""
    for line in passwd.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] == name and fields[2].strip().isdigit():
            return int(fields[2])
    return None


def resolve_uid(user: str, passwd: str | None) -> int | None:
    """The uid a container of an image with this `Config.User` runs as (empty is root)."""
    name = user_part(user)
    if name in ("", "root"):
        return 0
    if name.isdigit():
        return int(name)
    return uid_in_passwd(name, passwd or "")


def healthcheck_test(config: dict[str, Any]) -> list[str] | None:
    """The image's HEALTHCHECK test; None when it has none or it is `HEALTHCHECK NONE`."""
    test = (config.get("Healthcheck") or {}).get("Test") or []
    if not test or test[0] == "NONE":
        return None
    return [str(word) for word in test]


def read_passwd(engine: Engine, image_id: str, labels: dict[str, str]) -> str | None:
    """The image's /etc/passwd (None when it has none), read from a container that is
    created, never started, and removed by id whatever happens."""
    created = engine.client.api.create_container(
        image_id, entrypoint=NEVER_STARTED, command=[], labels=labels, network_disabled=True
    )
    container_id = created["Id"]
    engine.containers.append(container_id)
    try:
        try:
            stream, _ = engine.client.api.get_archive(container_id, "/etc/passwd")
        except NotFound:
            return None
        packed = bytearray()
        for chunk in stream:
            packed += chunk
            if len(packed) > PASSWD_LIMIT + 4096:
                break
        with (
            contextlib.suppress(tarfile.TarError, KeyError),
            tarfile.open(fileobj=io.BytesIO(bytes(packed))) as archive,
        ):
            member = archive.next()
            handle = archive.extractfile(member) if member else None
            if handle is not None:
                return handle.read(PASSWD_LIMIT).decode("utf-8", "replace")
        return ""
    finally:
        engine.remove_container(container_id)


def read(engine: Engine, image_id: str, labels: dict[str, str]) -> ImageFacts:
    """One inspect, and one never-started container only when the user is a name."""
    config = (engine.image_attrs(image_id) or {}).get("Config") or {}
    user = str(config.get("User") or "")
    name = user_part(user)
    passwd: str | None = ""
    if name not in ("", "root") and not name.isdigit():
        try:
            passwd = read_passwd(engine, image_id, labels)
        except APIError:
            passwd = None
    return ImageFacts(user, resolve_uid(user, passwd), passwd is not None, healthcheck_test(config))
