"""Shared pytest configuration for the project's own tests.

Fixtures that one area needs live in that area's helper module (tests/_<area>.py)
and are imported by its test files; only truly shared set-up belongs here.

Hypothesis profiles (README, "Property-based tests"): `ci`, the default, is
deterministic and time-bounded; `HYPOTHESIS_PROFILE=long` explores many more
random examples locally.
"""

import os
import shutil
import signal
import tempfile
from datetime import timedelta
from pathlib import Path

import docker
import pytest
from _testhost import VM_SUITE_TEST, start_vm_suite
from course_grader.build_cache import CacheWatch
from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

# What checks the test host VM from inside runs only there (tests/test_testhost.py boots it).
collect_ignore = [] if os.environ.get("COURSE_TESTHOST") == "1" else ["test_testhost_guest.py"]

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=50,
    deadline=timedelta(seconds=5),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


VM_SUITE = pytest.StashKey()
CACHE_WATCH = pytest.StashKey()


def pytest_sessionstart(session: pytest.Session) -> None:
    """List BuildKit's cache records now: the suite's own builds (anchors, hand-built images)
    leave records that no grading run owns, and they go at the end (build_cache.py).

    A suite started as a shell's background job (`make test &`) has SIGINT ignored, and so
    would every grading run it starts (an ignored signal survives exec, and Python then
    installs no KeyboardInterrupt handler); the Ctrl-C tests send SIGINT as a terminal
    does, so the runs get Python's default handling back."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        client = docker.from_env(timeout=300)
        client.ping()
    except Exception:  # no engine: the docker tests say so themselves
        return
    watch = CacheWatch(client)
    watch.start()
    session.config.stash[CACHE_WATCH] = watch


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the test host VM's suite as soon as its test is selected (see _testhost.py)."""
    if os.geteuid() != 0 or not any(item.name == VM_SUITE_TEST for item in session.items):
        return
    directory = Path(tempfile.mkdtemp(prefix="course-vm-suite-", dir="/var/tmp"))
    session.config.stash[VM_SUITE] = start_vm_suite(directory)


def pytest_sessionfinish(session: pytest.Session) -> None:
    watch = session.config.stash.get(CACHE_WATCH, None)
    if watch is not None:
        try:
            watch.remove_new()
        finally:
            watch.client.close()
    suite = session.config.stash.get(VM_SUITE, None)
    if suite is not None:
        suite.stop()
        if session.exitstatus == 0:  # kept for a look when anything failed
            shutil.rmtree(suite.results.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def vm_suite(request: pytest.FixtureRequest):
    """The background VM suite started at collection (None where it was not started)."""
    return request.config.stash.get(VM_SUITE, None)
