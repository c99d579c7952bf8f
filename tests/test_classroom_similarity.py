"""`course-grade similarity`: copydetect over the submitted Dockerfiles, the starter as
boilerplate. A disguised copy is flagged, untouched starters are not, bad files are named
and left out, and nothing of a submission runs. Pure: no engine."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from _classroom import EX01, STARTER01, course_grade
from course_classroom import similarity
from course_classroom.batch import load
from course_classroom.similarity import SimilarityError

ORIGINAL = """\
# Exercise 01, my solution.
FROM python:3.11-slim AS runtime
ARG APP_HOME=/app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_PORT=8000
WORKDIR ${APP_HOME}

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Then the code, and the model trained with the libraries installed above.
COPY app/ app/
COPY train.py .
RUN python train.py
RUN useradd --create-home appuser
USER appuser

EXPOSE ${APP_PORT}
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""


def disguise(dockerfile: str) -> str:
    """*dockerfile* with every variable renamed and its comments rewritten and moved."""
    renamed = dockerfile.replace("APP_HOME", "SERVICE_DIR").replace("APP_PORT", "LISTEN_PORT")
    lines = [line for line in renamed.splitlines() if line and not line.startswith("#")]
    lines.insert(1, "# Listen on every interface so the grader can reach the app.")
    lines.insert(6, "# install packages before the source so the cache is reused")
    lines.insert(10, "# train at build time")
    return "\n".join([*lines, "# written by me", ""])


DISGUISED = disguise(ORIGINAL)

#: An independent solution: another structure (entrypoint, labels, no healthcheck).
INDEPENDENT = """\
FROM python:3.11-slim
LABEL org.opencontainers.image.title="prediction api"
WORKDIR /srv/api
COPY . /srv/api
RUN python -m pip install --requirement /srv/api/requirements.txt && python train.py
ENTRYPOINT ["python", "-m", "uvicorn"]
CMD ["app.main:app", "--host=0.0.0.0", "--port=8000"]
"""


def hand_in(root: Path, student: str, files: dict[str, str | bytes]) -> Path:
    folder = root / student
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def class_of(tmp_path):
    root = tmp_path / "submissions"
    return [
        hand_in(root, "ann", {"Dockerfile": ORIGINAL}),
        hand_in(root, "ben", {"Dockerfile": DISGUISED}),
        hand_in(root, "cy", {"Dockerfile": STARTER01}),
        hand_in(root, "dee", {"Dockerfile": STARTER01}),
        hand_in(root, "eve", {"Dockerfile": INDEPENDENT}),
    ]


def shares(comparison: similarity.Comparison) -> dict[tuple[str, str], float]:
    return {(p.student_a, p.student_b): p.similarity for p in comparison.pairs}


def test_a_disguised_copy_is_flagged_and_untouched_starters_are_not(class_of):
    assert "APP_HOME" not in DISGUISED and "# Then the code" not in DISGUISED
    found = shares(similarity.compare(load(EX01), class_of, threshold=0.0))
    assert found[("ann", "ben")] >= 0.8
    assert found.get(("cy", "dee"), 0.0) == 0.0
    assert max(v for (a, b), v in found.items() if "eve" in (a, b)) < 0.8
    flagged = similarity.compare(load(EX01), class_of, threshold=0.8).pairs
    assert [(p.student_a, p.student_b, p.file) for p in flagged] == [("ann", "ben", "Dockerfile")]


def test_the_command_writes_the_html_report_and_the_csv_of_pairs(class_of, tmp_path):
    out = tmp_path / "report" / "report.html"
    result = course_grade("similarity", str(EX01), *map(str, class_of), "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.with_suffix(".csv").read_text())))
    assert rows[0] == ["student_a", "student_b", "similarity", "file"]
    assert [r[:2] + r[3:] for r in rows[1:]] == [["ann", "ben", "Dockerfile"]]
    assert 0.8 <= float(rows[1][2]) <= 1.0
    html = out.read_text()
    assert "ann/Dockerfile" in html and "ben/Dockerfile" in html
    assert "course-grade-similarity-" not in html  # no temporary paths
    assert "1 pairs at or above 0.80" in result.stderr


def test_markup_in_a_submission_is_shown_not_run_in_the_report(tmp_path):
    script = "# <script>alert('x')</script>\n"
    folders = [
        hand_in(tmp_path, "ann", {"Dockerfile": script + ORIGINAL}),
        hand_in(tmp_path, "ben", {"Dockerfile": script + ORIGINAL}),
    ]
    html = similarity.compare(load(EX01), folders).html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_binary_and_empty_files_are_named_and_left_out(class_of, tmp_path):
    hand_in(tmp_path / "submissions", "fay", {"Dockerfile": b"\x7fELF\x00\x01\x02"})
    hand_in(tmp_path / "submissions", "gus", {"Dockerfile": "\n  \n"})
    hand_in(tmp_path / "submissions", "hal", {"Dockerfile": ORIGINAL.encode("utf-16")})
    folders = sorted((tmp_path / "submissions").iterdir())
    out = tmp_path / "report.html"
    result = course_grade("similarity", str(EX01), *map(str, folders), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "fay/Dockerfile: a binary file (not UTF-8 text); not compared" in result.stderr
    assert "gus/Dockerfile: empty; not compared" in result.stderr
    assert "hal/Dockerfile: a binary file" in result.stderr
    assert "compared Dockerfile: 5" in result.stderr
    assert "Traceback" not in result.stderr


def test_fewer_than_two_comparable_submissions_is_an_error_and_writes_nothing(tmp_path):
    folders = [
        hand_in(tmp_path, "ann", {"Dockerfile": ORIGINAL}),
        hand_in(tmp_path, "ben", {"Dockerfile": ""}),
    ]
    out = tmp_path / "report.html"
    result = course_grade("similarity", str(EX01), *map(str, folders), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "fewer than two submissions hold a non-empty text copy" in result.stderr
    assert not out.exists() and not out.with_suffix(".csv").exists()


def test_nothing_of_a_submission_runs_or_is_read_through_a_link(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN\n" * 20)
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('ran')\n"
    ann = hand_in(tmp_path / "s", "ann", {"Dockerfile": ORIGINAL, "conftest.py": code})
    hand_in(tmp_path / "s", "ben", {"Dockerfile": DISGUISED, "sitecustomize.py": code})
    eve = hand_in(tmp_path / "s", "eve", {"conftest.py": code})
    os.symlink(secret, eve / "Dockerfile")
    out = tmp_path / "report.html"
    result = course_grade(
        "similarity",
        str(EX01),
        *map(str, sorted((tmp_path / "s").iterdir())),
        "--out",
        str(out),
        cwd=ann,
    )
    assert result.returncode == 0, result.stderr
    assert "eve/Dockerfile: is a symbolic link" in result.stderr
    assert "TOP-SECRET-TOKEN" not in out.read_text() and not marker.exists()


def test_bad_arguments_are_one_line_errors(class_of, tmp_path):
    out = str(tmp_path / "r.html")
    bad = course_grade(
        "similarity", str(EX01), *map(str, class_of), "--out", out, "--threshold", "80"
    )
    assert bad.returncode == 2 and "expected a number from 0 to 1, found 80" in bad.stderr
    other = course_grade(
        "similarity", str(EX01), *map(str, class_of), "--out", out, "--file", "app/main.py"
    )
    assert other.returncode == 2 and "--file app/main.py: not a submission file" in other.stderr
    with pytest.raises(SimilarityError, match="at least two"):
        similarity.compare(load(EX01), class_of[:1])
    odd = hand_in(tmp_path, "<b>x", {"Dockerfile": ORIGINAL})
    with pytest.raises(SimilarityError, match="characters of HTML markup"):
        similarity.compare(load(EX01), [class_of[0], odd])
