"""Exercise 03 against the real engine: the reference earns every point, and the
starter fails exactly the three service checks, each with the hint for its mistake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from _grader import anchor_images, copy_exercise, engine_client, grade, grader_leftovers

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("ship_it_anchor")]

EX03 = "03-ship-it"
SERVICE_CHECKS = {"oci-labels", "env-config", "graceful-stop"}


@pytest.fixture(scope="module")
def ship_it_client() -> Iterator[Any]:
    """The engine; once these tests are done, nothing the grader made may remain."""
    client = engine_client()
    yield client
    leftovers = grader_leftovers(client, os.getpid())
    client.close()
    assert not leftovers, f"the grader left these behind: {leftovers}"


@pytest.fixture(scope="module")
def ship_it_anchor(ship_it_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The reference image, built once: the graded runs take their layers from its cache."""
    with anchor_images(ship_it_client, tmp_path_factory.mktemp("anchor-03"), (EX03,)):
        yield


def test_solution_03_earns_full_points(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX03, solution=True))
    run.result.assert_outcomes(passed=14)
    assert run.report["score"] == run.report["max_score"] == 18
    output = {t["name"].split(": ", 1)[1]: t["output"] for t in run.report["tests"]}
    assert "docker stop -> exit 0" in output["graceful-stop"]
    assert "was answered 200" in output["graceful-stop"]
    assert "version and revision set" in output["oci-labels"]
    assert "answered on port 9000" in output["env-config"]


def test_starter_03_fails_exactly_the_three_service_checks(pytester, tmp_path):
    run = grade(pytester, copy_exercise(tmp_path, EX03))
    assert run.failed() == SERVICE_CHECKS, run.output
    assert set(run.outcomes()) - SERVICE_CHECKS <= {
        check for check, outcome in run.outcomes().items() if outcome == "passed"
    }
    stop = run.message("graceful-stop")
    assert "exit code 137" in stop and "shell-form: line" in stop
    assert "hard-coded-port: the CMD hard-codes port 8000" in run.message("env-config")
    labels = run.message("oci-labels")
    assert "label-missing:" in labels and "org.opencontainers.image.version is missing" in labels
    assert run.report["score"] == 11 and run.report["max_score"] == 18


def test_an_unexpanded_port_variable_fails_env_config_with_its_hint(pytester, tmp_path):
    def edit(text: str) -> str:
        return text.replace(
            'CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port \\"$PORT\\""]',
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "$PORT"]',
        )

    folder = copy_exercise(tmp_path, EX03, solution=True, edit=edit)
    run = grade(pytester, folder, "-k", "env-config")
    assert run.outcomes() == {"env-config": "failed"}, run.output
    message = run.message("env-config")
    assert "the container exited" in message and "exec-form-variable:" in message
