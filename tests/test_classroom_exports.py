"""`course-grade export`: gradebooks as Canvas and Moodle import them (each documented rule
asserted), students matched through the roster, bad input refused before anything is
written. Pure: no engine."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from _classroom import CHECKS, EX01, course_grade
from course_classroom import gradebook, lms_export, lms_roster
from course_classroom.gradebook import ERROR, GRADED, MISSING, TIMEOUT, Row
from course_classroom.lms_export import ExportError
from course_classroom.roster import RosterError
from hypothesis import given
from hypothesis import strategies as st

ROSTER = (
    "student,name,canvas_id,sis_user_id,section,username,email,idnumber\n"
    'ann,"Lovelace, Ada",101,S-1,Tue,ada,ada@uni.example,A1\n'
    'ben,"O\'Brien ""Benny""",102,,Tue,ben,ben@uni.example,A2\n'
    "cy,Zoë Ŝtraße,103,S-3,Wed,cy,cy@uni.example,A3\n"
    "dee,Dee,104,S-4,Wed,dee,dee@uni.example,A4\n"
    "eve,Eve,105,S-5,Wed,eve,eve@uni.example,A5\n"
)
STATUSES = {"ann": GRADED, "ben": MISSING, "cy": GRADED, "dee": ERROR, "eve": TIMEOUT}


def book(path: Path, statuses: dict[str, str] = STATUSES, max_score: float = 10) -> Path:
    rows = []
    for student, status in statuses.items():
        graded = status == GRADED
        checks = {c: "1" for c in CHECKS} if graded else {}
        score = 7.5 if student == "cy" else 5
        rows.append(
            Row(student, f"{student}-sha", checks, score if graded else 0, max_score, status, "T")
        )
    gradebook.write(path, rows, CHECKS)
    return path


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


@pytest.fixture
def files(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return book(tmp_path / "gradebook.csv"), roster


def export(gradebook_csv: Path, roster: Path, out: Path, *options: str):
    return course_grade(
        "export", str(gradebook_csv), "--roster", str(roster), "--out", str(out), *options
    )


CANVAS = ("--to", "canvas", "--assignment-id", "4711", "--title", "Exercise 01")


# -- Canvas -------------------------------------------------------------------------------


def test_canvas_header_points_possible_row_and_one_row_per_student(files, tmp_path):
    out = tmp_path / "canvas.csv"
    result = export(*files, out, *CANVAS)
    assert result.returncode == 0, result.stderr
    records = read_csv(out)
    assert records[0] == ["Student", "ID", "SIS User ID", "Section", "Exercise 01 (4711)"]
    assert records[1] == ["Points Possible", "", "", "", "10"]
    assert records[2:] == [
        ["Lovelace, Ada", "101", "S-1", "Tue", "5"],
        ['O\'Brien "Benny"', "102", "", "Tue", ""],
        ["Zoë Ŝtraße", "103", "S-3", "Wed", "7.5"],
        ["Dee", "104", "S-4", "Wed", ""],
        ["Eve", "105", "S-5", "Wed", ""],
    ]
    assert "no grade (empty cell) for 3: ben, dee, eve" in result.stderr


def test_canvas_missing_is_zero_only_when_asked_and_error_or_timeout_never(files, tmp_path):
    out = tmp_path / "canvas.csv"
    assert export(*files, out, *CANVAS, "--missing-as-zero").returncode == 0
    scores = {r[0]: r[-1] for r in read_csv(out)[2:]}
    assert (scores['O\'Brien "Benny"'], scores["Dee"], scores["Eve"]) == ("0", "", "")


def test_canvas_needs_a_numeric_assignment_id_so_no_new_assignment_is_made(files, tmp_path):
    out = tmp_path / "canvas.csv"
    result = export(*files, out, "--to", "canvas", "--title", "Exercise 01")
    assert result.returncode == 2 and "--assignment-id" in result.stderr
    result = export(*files, out, "--to", "canvas", "--title", "E", "--assignment-id", "x1")
    assert result.returncode == 2 and "numeric assignment id" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_student_without_a_canvas_or_sis_id_is_named_and_nothing_is_written(files, tmp_path):
    gradebook_csv, roster = files
    roster.write_text(ROSTER.replace("\ncy,Zoë Ŝtraße,103,S-3,", "\ncy,Zoë Ŝtraße,,,"))
    out = tmp_path / "canvas.csv"
    out.write_text("the previous export\n")
    result = export(gradebook_csv, roster, out, *CANVAS)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no canvas_id or sis_user_id or sis_login_id: 'cy'" in result.stderr
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".canvas")] == []


def test_a_gradebook_student_missing_from_the_roster_is_named(files, tmp_path):
    gradebook_csv, roster = files
    roster.write_text("\n".join(ROSTER.splitlines()[:-1]) + "\n")
    result = export(gradebook_csv, roster, tmp_path / "out.csv", *CANVAS)
    assert result.returncode == 2 and "not in the roster: 'eve'" in result.stderr


def test_sis_columns_appear_only_when_the_roster_has_them(tmp_path):
    people = {"ann": lms_roster.Person("ann", 2, {"canvas_id": "1"})}
    rows = [Row("ann", "c", {}, 3, 4, GRADED)]
    text = lms_export.canvas(rows, people, possible=4, title="T", assignment_id="9").text
    assert text.splitlines()[0] == "Student,ID,Section,T (9)"
    assert text.splitlines()[2] == "ann,1,,3"  # no name column: the student is the name


@given(st.lists(st.text(min_size=1).filter(str.strip), min_size=1, max_size=5, unique=True))
def test_any_student_name_survives_the_canvas_csv(names):
    people = {
        f"s{i}": lms_roster.Person(f"s{i}", i + 2, {"name": name.strip(), "canvas_id": str(i)})
        for i, name in enumerate(names)
    }
    rows = [Row(student, "c", {}, 1, 2, GRADED) for student in people]
    text = lms_export.canvas(rows, people, possible=2, title='T, "1"', assignment_id="3").text
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0][-1] == 'T, "1" (3)'
    assert [r[0] for r in records[2:]] == [people[s].name for s in sorted(people)]


# -- Moodle -------------------------------------------------------------------------------


def test_moodle_has_one_identifier_column_a_grade_and_a_one_line_feedback(files, tmp_path):
    out = tmp_path / "moodle.csv"
    result = export(*files, out, "--to", "moodle", "--identifier", "email", "--exercise", str(EX01))
    assert result.returncode == 0, result.stderr
    records = read_csv(out)
    title = "Containerize the prediction API"
    assert records[0] == ["Email address", title, f"{title} feedback"]
    assert [r[:2] for r in records[1:]] == [
        ["ada@uni.example", "5"],
        ["ben@uni.example", ""],
        ["cy@uni.example", "7.5"],
        ["dee@uni.example", ""],
        ["eve@uni.example", ""],
    ]
    feedback = {r[0]: r[2] for r in records[1:]}
    assert feedback["ada@uni.example"].startswith("5/10 points (50.0%): lint 1/1, build 1/2,")
    assert feedback["ben@uni.example"] == "missing: nothing was handed in"
    assert feedback["dee@uni.example"].startswith("not graded: the grader could not finish")
    assert all("\n" not in text for text in feedback.values())


def test_moodle_refuses_a_student_without_the_chosen_identifier(files, tmp_path):
    gradebook_csv, roster = files
    roster.write_text(ROSTER.replace(",dee,dee@uni.example,A4", ",,dee@uni.example,A4"))
    out = tmp_path / "moodle.csv"
    result = export(gradebook_csv, roster, out, "--to", "moodle", "--title", "Ex 1")
    assert result.returncode == 2 and "no username: 'dee'" in result.stderr
    assert not out.exists()
    assert (
        export(
            gradebook_csv,
            roster,
            out,
            "--to",
            "moodle",
            "--title",
            "Ex 1",
            "--identifier",
            "idnumber",
        ).returncode
        == 0
    )
    assert read_csv(out)[0][0] == "ID number"


# -- bad input -----------------------------------------------------------------------------


def test_a_roster_with_a_duplicate_identifier_names_both_lines(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER.replace("cy@uni.example", "ADA@uni.example"))
    with pytest.raises(
        RosterError,
        match=r"roster\.csv:4: field 'email': 'ADA@uni\.example' is "
        r"also student 'ann' \(line 2\)",
    ):
        lms_roster.read(roster)
    roster.write_text(ROSTER + "ann,Ann again,106,,,ann2,ann2@uni.example,A6\n")
    with pytest.raises(RosterError, match=r":7: field 'student': 'ann' is also on line 2"):
        lms_roster.read(roster)


def test_bom_and_windows_line_endings_read_like_plain_csv(files, tmp_path):
    gradebook_csv, roster = files
    roster.write_bytes(b"\xef\xbb\xbf" + ROSTER.replace("\n", "\r\n").encode("utf-8"))
    gradebook_csv.write_bytes(
        b"\xef\xbb\xbf" + gradebook_csv.read_text().replace("\n", "\r\n").encode("utf-8")
    )
    out = tmp_path / "canvas.csv"
    result = export(gradebook_csv, roster, out, *CANVAS)
    assert result.returncode == 0, result.stderr
    assert read_csv(out)[4] == ["Zoë Ŝtraße", "103", "S-3", "Wed", "7.5"]


def test_a_roster_that_is_not_utf8_is_named_with_what_to_do(files, tmp_path):
    gradebook_csv, roster = files
    roster.write_bytes(ROSTER.encode("cp1252", errors="replace"))
    result = export(gradebook_csv, roster, tmp_path / "out.csv", *CANVAS)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "roster.csv: byte" in result.stderr and "CSV UTF-8" in result.stderr


def test_a_gradebook_of_another_exercise_is_refused(tmp_path, files):
    _, roster = files
    other = tmp_path / "other.csv"
    gradebook.write(other, [Row("ann", "c", {"lint": "1"}, 1, 1, GRADED)], ["lint"])
    result = export(other, roster, tmp_path / "out.csv", *CANVAS, "--exercise", str(EX01))
    assert result.returncode == 2
    assert "its checks (lint) are not those of exercise 01-containerize-api" in result.stderr


def test_rows_of_two_exercises_in_one_gradebook_are_refused(tmp_path):
    path = book(tmp_path / "a.csv", {"ann": GRADED})
    rows = (
        gradebook.read(path)[1]
        + gradebook.read(book(tmp_path / "b.csv", {"ben": GRADED}, max_score=8))[1]
    )
    with pytest.raises(ExportError, match=r"student 'ben' has max_score 8, student 'ann' 10"):
        lms_export.check_gradebook(path, CHECKS, rows, None)


def test_the_gradebook_itself_is_never_the_output(files):
    gradebook_csv, roster = files
    before = gradebook_csv.read_text()
    result = export(gradebook_csv, roster, gradebook_csv, *CANVAS)
    assert result.returncode == 2 and "that is the gradebook" in result.stderr
    assert gradebook_csv.read_text() == before
