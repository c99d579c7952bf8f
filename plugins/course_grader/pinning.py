"""What a pinned base image is: one definition for the rule, its hint, and the lessons.

Pure. A tag that moves with every patch release (`python:3.11-slim`) is not pinned.
"""

from __future__ import annotations

import re

from .dockerfile import ImageRef

#: Quoted word for word in the exercises' READMEs and the lesson that teaches pinning.
DEFINITION = (
    "A base image is pinned when its FROM names a digest (`@sha256:…`), or a tag with a "
    "full major.minor.patch version (`3.11.9-slim`), or a tag naming a Debian or Ubuntu "
    "release codename (`3.11-slim-bookworm`, `jammy`) or an Alpine release (`alpine3.20`); "
    "for distribution images (ubuntu, debian, alpine, fedora, …) the release number "
    "itself (`ubuntu:22.04`) is pinned. `latest`, no tag, and `3.11-slim` are not."
)

#: Debian and Ubuntu release codenames: a tag naming one is a fixed OS release.
CODENAMES = frozenset(
    ("buster", "bullseye", "bookworm", "trixie", "forky", "focal", "jammy", "noble", "plucky")
)
#: Images whose major.minor tag IS the release (`ubuntu:22.04`, `alpine:3.20`).
DISTROS = frozenset(
    ("ubuntu", "debian", "alpine", "fedora", "rockylinux", "almalinux", "centos", "amazonlinux")
)
LEVELS = ("patch", "minor")


def _distro(name: str) -> bool:
    last = name.rsplit("/", 1)[-1]
    return last in DISTROS or last.startswith("opensuse")


def is_pinned(ref: ImageRef, level: str = "patch") -> bool:
    """Whether *ref* names an image that cannot change under the student (see DEFINITION)."""
    if ref.digest:
        return True
    tag = (ref.tag or "").lower()
    if not tag or tag == "latest":
        return False
    words = set(re.split(r"[-_.]", tag))
    if re.search(r"(?<![\d.])\d+\.\d+\.\d+", tag) or words & CODENAMES:
        return True
    if re.search(r"alpine\d+\.\d+", tag):
        return True
    minor = re.search(r"(?<![\d.])\d+\.\d+", tag) is not None
    return minor and (level == "minor" or _distro(ref.name))
