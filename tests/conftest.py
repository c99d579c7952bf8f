"""Shared pytest configuration for the project's own tests.

Fixtures that one area needs live in that area's helper module (tests/_<area>.py)
and are imported by its test files; only truly shared set-up belongs here.

Hypothesis profiles (README, "Property-based tests"): `ci`, the default, is
deterministic and time-bounded; `HYPOTHESIS_PROFILE=long` explores many more
random examples locally.
"""

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

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
