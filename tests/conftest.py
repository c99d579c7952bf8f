"""Shared pytest configuration for the project's own tests.

Fixtures that one area needs live in that area's helper module (tests/_<area>.py)
and are imported by its test files; only truly shared set-up belongs here.
"""

pytest_plugins = ["pytester"]
