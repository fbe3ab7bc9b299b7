"""Loading sheets: the TOML/JSON format, the outline CSV (strict and lenient), and writing it."""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ocop_workflow.scoring
from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring import (
    GapResolution,
    ProblemKind,
    ScoringSheet,
    SheetError,
    read_outline_csv,
    shipped_sheet,
    shipped_sheet_numbers,
    write_outline_csv,
)
from ocop_workflow.scoring.loading import sheet_from_toml_text, sheet_to_dict
from tests.strategies import mutated_text_files, mutated_trees, scoring_sheets

SHEETS = Path(__file__).resolve().parents[1].parent / "shared" / "domain" / "sheets"
needs_sheets = pytest.mark.skipif(
    not SHEETS.is_dir(), reason=f"the third-party sheet transcriptions are not at {SHEETS}"
)

HEADER = "title,description,level,stars,score\n"


def _write(tmp_path: Path, body: str, name: str = "sheet-05.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


# -- the project's own format --------------------------------------------------------------------


def _strict_load_fails(path: Path, data: object) -> SheetError:
    """Write ``data`` as a JSON sheet at ``path``; the strict load must raise: its error."""
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SheetError) as caught:
        ScoringSheet.load(path)
    return caught.value


def test_the_shipped_coffee_sheet_loads_strictly_and_totals_100() -> None:
    assert shipped_sheet_numbers() == tuple(range(1, 27))
    sheet = shipped_sheet(13)
    assert sheet.problems() == ()
    assert sheet.maximum == 100.0  # declared; its criteria give 98 (a declared shortfall)
    assert (sheet.group, sheet.sub_group) == ("food", "coffee and cocoa")
    with pytest.raises(InvalidInput, match=r"no shipped sheet 27"):
        shipped_sheet(27)


def test_json_round_trip(tmp_path: Path) -> None:
    sheet = shipped_sheet(13)
    path = tmp_path / "coffee.json"
    path.write_text(json.dumps(sheet.to_dict(), ensure_ascii=False), encoding="utf-8")
    assert ScoringSheet.load(path) == sheet


def test_toml_problems_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        """
format = 1
number = 13
[[parts]]
letter = "A"
title = "A"
maximum = 40
[[parts.groups]]
title = "g"
maximum = 9
min_star = 4
[[parts.groups.criteria]]
title = "c"
maximum = "five"
options = [{ title = "x", points = 6, min_star = 2 }]
""",
        encoding="utf-8",
    )
    with pytest.raises(SheetError) as caught:
        ScoringSheet.load(path)
    kinds = {p.kind for p in caught.value.problems}
    assert kinds == {ProblemKind.BAD_STAR_MARKER, ProblemKind.NOT_A_NUMBER}
    assert "A.1.1/0: 'min_star' must be 3, 4 or 5 (expected 3, 4 or 5, found 2)" in str(
        caught.value
    )
    assert "'maximum' is not a number (expected a number, found 'five')" in str(caught.value)


def test_toml_sums_are_checked(tmp_path: Path) -> None:
    data = shipped_sheet(1).to_dict()  # a sheet without gaps
    parts = data["parts"]
    assert isinstance(parts, list)
    parts[2]["maximum"] = 36
    error = _strict_load_fails(tmp_path / "c36.json", data)
    messages = [str(p) for p in error.problems]
    assert messages == [
        "C: the maxima of part C's groups add up to 35, not to C's 36 (expected 36, found 35)",
        "sheet: the parts' maxima do not add up to 100 (expected 100, found 101)",
    ]


def test_load_refuses_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"'path' must end in .toml or .json"):
        ScoringSheet.load(tmp_path / "sheet.yaml")


def _coffee_dict() -> dict[str, Any]:
    """The shipped coffee sheet as the structure a sheet file holds (a fresh copy)."""
    return shipped_sheet(13).to_dict()


def test_a_misspelt_min_star_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    data = _coffee_dict()
    option = data["parts"][0]["groups"][0]["criteria"][0]["options"][1]
    assert option.pop("min_star") == 3  # A.1.1 option 1 is the 3-star minimum
    option["min_stars"] = 3
    error = _strict_load_fails(tmp_path / "typo.json", data)
    (problem,) = error.problems
    assert (problem.kind, problem.code) == (ProblemKind.UNKNOWN_KEY, "A.1.1/1")
    assert (problem.expected, problem.found) == ("one of title, points, min_star", "'min_stars'")
    assert "A.1.1/1: unknown key 'min_stars'; not read (did you mean 'min_star'?)" in str(error)


def test_unknown_keys_at_every_level_are_all_listed() -> None:
    data = _coffee_dict()
    data["version"] = 2
    part_b = data["parts"][1]
    part_b["maximun"] = 25
    group = part_b["groups"][0]  # group 4
    group["note"] = "x"
    group["criteria"][1]["descripton"] = "typo"
    group["criteria"][1]["options"][0]["stars"] = 4
    direct = next(g for g in data["parts"][2]["groups"] if "options" in g)
    direct["min_stars"] = 4
    with pytest.raises(SheetError) as caught:
        ScoringSheet.from_dict(data)
    found = [(p.kind, p.code, p.found) for p in caught.value.problems]
    assert found == [
        (ProblemKind.UNKNOWN_KEY, "sheet", "'version'"),
        (ProblemKind.UNKNOWN_KEY, "B", "'maximun'"),
        (ProblemKind.UNKNOWN_KEY, "B.4", "'note'"),
        (ProblemKind.UNKNOWN_KEY, "B.4.2", "'descripton'"),
        (ProblemKind.UNKNOWN_KEY, "B.4.2/0", "'stars'"),
        (ProblemKind.UNKNOWN_KEY, "C.7", "'min_stars'"),
    ]
    assert all(p.expected and p.expected.startswith("one of ") for p in caught.value.problems)


def test_every_key_of_the_format_is_read() -> None:
    # Every key the format has is accepted: a full round trip raises nothing.
    data = _coffee_dict()
    data["parts"][0]["groups"][0]["description"] = "written"
    data["parts"][0]["groups"][0]["criteria"][0]["description"] = "written"
    data["parts"][0]["groups"][0]["criteria"][0]["min_star"] = 4
    sheet = ScoringSheet.from_dict(data)
    assert sheet.criterion("A.1.1").min_star == 4
    assert sheet.to_dict() == data


@pytest.mark.parametrize("top", [None, [], "format = 1", 13])
def test_a_top_level_that_is_not_a_table_is_a_sheet_error(top: object) -> None:
    with pytest.raises(SheetError, match=r"sheet: the top level must be a table") as caught:
        ScoringSheet.from_dict(top)  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert problem.found == f"{type(top).__name__} {top!r}"


def test_a_json_file_whose_top_level_is_a_list_is_a_sheet_error(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SheetError, match=r"the top level must be a table .*found list \[1, 2\]"):
        ScoringSheet.load(path)


def _replace(data: dict[str, Any], where: str, value: object) -> None:
    """Set the entry at ``where`` ("parts.1", "parts.0.groups.2", ...) to ``value``."""
    *path, last = where.split(".")
    target: Any = data
    for step in path:
        target = target[int(step)] if step.isdigit() else target[step]
    target[int(last) if last.isdigit() else last] = value


@pytest.mark.parametrize(
    ("where", "value", "code", "message"),
    [
        ("parts.1", 5, "parts[1]", "part 2 must be a table"),
        ("parts.0.groups.2", "x", "A.3", "group 3 must be a table"),
        ("parts.0.groups.0.criteria.1", None, "A.1.2", "criterion 2 of group A.1 must be a table"),
        ("parts.0.groups.0.criteria.0.options.2", [5], "A.1.1/2", "option 2 must be a table"),
        ("parts", {"A": 1}, "sheet", "'parts' must be a non-empty list of tables"),
        ("parts.2.groups", "none", "C", "'groups' must be a non-empty list of tables"),
    ],
)
def test_an_entry_that_is_not_a_table_is_named(
    where: str, value: object, code: str, message: str
) -> None:
    data = _coffee_dict()
    _replace(data, where, value)
    with pytest.raises(SheetError) as caught:
        ScoringSheet.from_dict(data)
    (problem,) = [p for p in caught.value.problems if p.code == code]
    assert problem.message == message
    assert problem.found is not None
    assert repr(value) in problem.found


def test_a_part_with_a_bad_letter_keeps_the_group_numbers_of_the_file() -> None:
    data = _coffee_dict()
    data["parts"][0]["letter"] = "a"
    data["parts"][1]["groups"][0]["criteria"][0]["options"][0]["points"] = "one"
    with pytest.raises(SheetError) as caught:
        ScoringSheet.from_dict(data)
    assert [(p.code, p.found) for p in caught.value.problems] == [
        ("parts[0]", "'a'"),
        ("B.4.1/0", "'one'"),  # group 4, as in the file, though part A could not be read
    ]


def test_a_number_too_large_for_a_float_is_not_a_number(tmp_path: Path) -> None:
    data = _coffee_dict()
    data["parts"][0]["maximum"] = 10**400
    error = _strict_load_fails(tmp_path / "huge.json", data)
    (problem,) = error.problems
    assert (problem.kind, problem.code) == (ProblemKind.NOT_A_NUMBER, "A")
    assert problem.found is not None
    assert problem.found == "1" + "0" * 56 + "..."  # cut to 60 characters


def test_a_sheet_file_that_is_not_utf8_text_is_a_sheet_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"format": 1, "number": 13, "group": "caf\xe9"}')
    with pytest.raises(SheetError, match=r"sheet: not a UTF-8 text file: 'utf-8' codec"):
        ScoringSheet.load(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("huge.json", '{"number": 1' + "0" * 5000 + "}", r"not usable JSON: Exceeds the limit"),
        ("huge.toml", "number = 1" + "0" * 5000 + "\n", r"not usable TOML: Exceeds the limit"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, r"not usable JSON: maximum recursion"),
    ],
)
def test_text_the_parser_cannot_use_is_a_sheet_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SheetError, match=message):
        ScoringSheet.load(path)


@pytest.mark.parametrize("path", [None, 13, b"sheet.toml"])
def test_a_path_must_be_a_path(path: object) -> None:
    message = rf"'path' must be a file path \(a str or a Path\) \(got {re.escape(repr(path))}\)"
    with pytest.raises(InvalidInput, match=message):
        ScoringSheet.load(path)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        ScoringSheet.from_outline_csv(path)  # type: ignore[call-overload]
    with pytest.raises(InvalidInput, match=message):
        shipped_sheet(1).to_outline_csv(path)  # type: ignore[arg-type]


def test_toml_text_must_be_a_string() -> None:
    with pytest.raises(
        InvalidInput, match=r"'text' must be TOML text, a str \(got b'format = 1'\)"
    ):
        sheet_from_toml_text(b"format = 1")  # type: ignore[arg-type]


def test_writing_functions_need_a_sheet(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"'sheet' must be a ScoringSheet \(got None\)"):
        sheet_to_dict(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"'sheet' must be a ScoringSheet \(got 'coffee'\)"):
        write_outline_csv("coffee", tmp_path / "x.csv")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


# -- outline CSV ---------------------------------------------------------------------------------


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scoring_sheets())
def test_a_sheet_written_to_outline_csv_loads_back_equal(
    tmp_path: Path, sheet: ScoringSheet
) -> None:
    path = tmp_path / "written.csv"
    sheet.to_outline_csv(path)
    loaded, problems = ScoringSheet.from_outline_csv(
        path, strict=False, number=sheet.number, group=sheet.group, sub_group=sheet.sub_group
    )
    assert loaded == sheet
    # The file's rows are the only addition to the sheet's own (arithmetic) problems.
    assert [(p.kind, p.code, p.message) for p in problems] == [
        (p.kind, p.code, p.message) for p in sheet.problems()
    ]


def test_every_kind_of_problem_is_reported_with_row_expected_and_found(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Phần A. first,,0,,40\n"  # row 2: groups add up to 12
        "1. group,,1,,10\n"  # row 3: criteria add up to 7
        "a) criterion,,2,,5\n"  # row 4
        "□ low,,3,,1\n"
        "□ too much,,3,,6\n"  # row 6: worth more than 5
        "b) criterion,,2,,\n"  # row 7: no maximum
        "□ marked ***,,3,4,2\n"  # row 8: asterisks say 3, column 4
        "3. group,,1,2,2\n"  # row 9: title says 3 (position 2); marker 2 is bad
        "□ x,,3,,two\n"  # row 10: not a number
        "□ y,,3,,2\n",
    )
    with pytest.raises(SheetError) as caught:
        ScoringSheet.from_outline_csv(path)
    found = {(p.kind, p.row) for p in caught.value.problems}
    assert found == {
        (ProblemKind.SUM_MISMATCH, 2),
        (ProblemKind.SUM_MISMATCH, 3),
        (ProblemKind.OPTION_ABOVE_MAXIMUM, 6),
        (ProblemKind.MISSING_MAXIMUM, 7),
        (ProblemKind.BAD_STAR_MARKER, 8),
        (ProblemKind.DUPLICATE_CODE, 9),
        (ProblemKind.BAD_STAR_MARKER, 9),
        (ProblemKind.NOT_A_NUMBER, 10),
        (ProblemKind.PARTS_TOTAL, None),
    }
    by_row = {p.row: p for p in caught.value.problems if p.kind is not ProblemKind.BAD_STAR_MARKER}
    assert (by_row[2].expected, by_row[2].found) == ("40", "12")
    assert (by_row[6].code, by_row[6].expected, by_row[6].found) == ("A.1.1", "at most 5", "6")
    assert (by_row[9].expected, by_row[9].found) == ("2", "3")
    assert by_row[10].found == "'two'"
    assert str(caught.value).startswith(f"{path}: 9 problems")


def test_a_duplicate_group_number_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "Phần A. a,,0,,4\n1. g,,1,,2\n□ x,,3,,2\n1. g again,,1,,2\n□ y,,3,,2\n")
    _, problems = ScoringSheet.from_outline_csv(path, strict=False)
    duplicate = next(p for p in problems if p.kind is ProblemKind.DUPLICATE_CODE)
    assert duplicate.row == 5
    assert "group number 1 is used twice (first at row 3)" in duplicate.message


def test_a_lenient_load_fills_missing_maxima_from_the_children(tmp_path: Path) -> None:
    path = _write(tmp_path, "Phần A. a,,0,,\n1. g,,1,,\na),,2,,\n□ x,,3,,1\n□ y,,3,,l\n")
    sheet, problems = ScoringSheet.from_outline_csv(path, strict=False)
    assert [(p.kind, p.row) for p in problems] == [
        (ProblemKind.MISSING_MAXIMUM, 2),
        (ProblemKind.MISSING_MAXIMUM, 3),
        (ProblemKind.MISSING_MAXIMUM, 4),
        (ProblemKind.NOT_A_NUMBER, 6),
        (ProblemKind.PARTS_TOTAL, None),
    ]
    (criterion,) = sheet.criteria
    assert [o.points for o in criterion.options] == [1.0, 0.0]  # the unreadable option counts 0
    assert (criterion.maximum, sheet.parts[0].maximum) == (1.0, 1.0)


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sheet-01.csv"
    path.write_text("name,points\nx,1\n", encoding="utf-8")
    with pytest.raises(SheetError, match="the header lacks columns"):
        read_outline_csv(path)


def test_columns_and_cells_that_are_not_read_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "sheet-05.csv"
    path.write_text(
        "title,description,level,stars,score,min_star,score,\n"
        "Phần A. a,,0,,2,,,\n"
        "1. g,,1,,2,,,\n"
        "□ x,,3,,1,4,,\n"
        "□ y,,3,,2,,,note\n"
        "□ z,,3,,0,,,,,stray\n",
        encoding="utf-8",
    )
    with pytest.raises(SheetError, match=r"row 1: unknown column 'min_star'; not read"):
        ScoringSheet.from_outline_csv(path)
    sheet, problems = ScoringSheet.from_outline_csv(path, strict=False)
    assert [(p.kind, p.row, p.message, p.found) for p in problems[:4]] == [
        (ProblemKind.UNKNOWN_KEY, 1, "unknown column 'min_star'; not read", "'min_star'"),
        (
            ProblemKind.UNKNOWN_KEY,
            1,
            "the column 'score' appears twice; only the first is read",
            "'score'",
        ),
        (ProblemKind.UNKNOWN_KEY, 1, "a column without a name holds data; not read", "''"),
        (
            ProblemKind.UNKNOWN_KEY,
            6,
            "cells beyond the header's last column; not read",
            "'stray'",
        ),
    ]
    assert problems[0].expected == "title, description, level, stars, score"
    assert problems[3].expected == "at most 8 cells"
    # The lenient sheet reads the five known columns: the stray marker is not a minimum.
    assert [o.min_star for o in sheet.criteria[0].options] == [None, None, None]


def test_an_empty_unnamed_column_is_not_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "sheet-05.csv"
    path.write_text(HEADER.strip() + ",\n" + "Phần A. a,,0,,2,\n1. g,,1,,2,\n□ x,,3,,2,\n")
    sheet, problems = ScoringSheet.from_outline_csv(path, strict=False)
    assert [p.kind for p in problems] == [ProblemKind.PARTS_TOTAL]
    assert sheet.maximum == 2.0


def test_a_missing_file_or_a_folder_is_invalid_input_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "coffee.csv"  # no sheet number in the name: the file is still named
    with pytest.raises(InvalidInput, match=r"'path': cannot read outline CSV file .*coffee.csv"):
        ScoringSheet.from_outline_csv(missing)
    with pytest.raises(
        InvalidInput, match=r"'path': cannot read outline CSV file .*Is a directory"
    ):
        ScoringSheet.from_outline_csv(tmp_path, number=13)


def test_a_file_that_is_not_an_outline_csv_is_a_sheet_error(tmp_path: Path) -> None:
    binary = tmp_path / "sheet-13.xlsx"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U")
    with pytest.raises(SheetError, match=r"sheet: not a UTF-8 CSV text file: 'utf-8' codec"):
        ScoringSheet.from_outline_csv(binary)
    toml = tmp_path / "sheet-13.toml"
    toml.write_text("format = 1\nnumber = 13\n", encoding="utf-8")
    with pytest.raises(SheetError) as caught:
        ScoringSheet.from_outline_csv(toml)
    (problem,) = caught.value.problems
    assert problem.message == "the header lacks columns (is this an outline CSV file?)"
    assert (problem.row, problem.found) == (1, "'format = 1'")


def test_the_sheet_number_comes_from_the_name_or_the_argument(tmp_path: Path) -> None:
    path = _write(tmp_path, "Phần A. a,,0,,2\n1. g,,1,,2\n□ x,,3,,2\n", name="coffee.csv")
    with pytest.raises(InvalidInput, match=r"'number' must be given: the file name 'coffee.csv'"):
        ScoringSheet.from_outline_csv(path, strict=False)
    sheet, _ = ScoringSheet.from_outline_csv(path, strict=False, number=13)
    assert (sheet.number, sheet.sub_group) == (13, "coffee and cocoa")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"number": [13]}, r"'number' must be a sheet number from 1 to 26 \(got \[13\]\)"),
        ({"number": "13"}, r"'number' must be a sheet number from 1 to 26 \(got '13'\)"),
        ({"number": True}, r"'number' must be a sheet number from 1 to 26 \(got True\)"),
        ({"group": 5}, r"'group' must be a string or None \(got 5\)"),
        ({"sub_group": b"x"}, r"'sub_group' must be a string or None \(got b'x'\)"),
        ({"strict": "no"}, r"'strict' must be True or False \(got 'no'\)"),
    ],
)
def test_outline_csv_arguments_are_checked(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, "Phần A. a,,0,,2\n1. g,,1,,2\n□ x,,3,,2\n")
    with pytest.raises(InvalidInput, match=message):
        ScoringSheet.from_outline_csv(path, **arguments)  # type: ignore[call-overload]


def test_a_failed_write_leaves_the_old_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sheet-13.csv"
    path.write_text("old content", encoding="utf-8")

    def refuse(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ocop_workflow._files.os.replace", refuse)
    with pytest.raises(
        InvalidInput, match=r"'path': cannot write outline CSV file .* \(No space left on device\)"
    ):
        shipped_sheet(1).to_outline_csv(path)
    assert path.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["sheet-13.csv"]  # no temporary file left
    with pytest.raises(InvalidInput, match=r"'path': cannot write .*No such file or directory"):
        shipped_sheet(1).to_outline_csv(tmp_path / "missing" / "sheet-13.csv")


@needs_sheets
def test_the_coffee_transcription_fails_strictly_naming_part_c() -> None:
    with pytest.raises(SheetError) as caught:
        ScoringSheet.from_outline_csv(SHEETS / "sheet-13.csv")
    (problem,) = caught.value.problems
    assert (problem.kind, problem.row, problem.code) == (ProblemKind.SUM_MISMATCH, 99, "C")
    assert (problem.expected, problem.found) == ("35", "33")
    assert "row 99 (C): the maxima of part C's groups add up to 33" in str(caught.value)


@needs_sheets
def test_the_fresh_produce_transcription_loads_clean() -> None:
    sheet = ScoringSheet.from_outline_csv(SHEETS / "sheet-01.csv")
    assert sheet.number == 1
    assert sheet.maximum == 100.0
    assert [p.letter for p in sheet.parts] == ["A", "B", "C"]
    assert len(sheet.criteria) == 32


# What a lenient load of each transcription reports: (kind, row, code) per problem. Every sheet not
# listed loads clean. These are real transcription errors, checked by hand against the files.
EXPECTED_PROBLEMS: dict[str, set[tuple[ProblemKind, int, str | None]]] = {
    "sheet-03.csv": {
        (ProblemKind.MISSING_MAXIMUM, 121, "C.7.1"),
        (ProblemKind.MISSING_MAXIMUM, 126, "C.8.1"),
        (ProblemKind.MISSING_MAXIMUM, 142, "C.10.1"),
        (ProblemKind.MISSING_MAXIMUM, 153, "C.12.1"),
    },
    "sheet-07.csv": {(ProblemKind.MAXIMUM_UNREACHABLE, 113, "C.6.4")},
    "sheet-11.csv": {
        (ProblemKind.SUM_MISMATCH, 99, "C"),
        (ProblemKind.STRUCTURE, 101, None),  # "a) Ngoại hình": a sub-heading with no options
        (ProblemKind.STRUCTURE, 110, None),  # "b) Nước pha": likewise
    },
    "sheet-12.csv": {(ProblemKind.SUM_MISMATCH, 99, "C")},
    "sheet-13.csv": {(ProblemKind.SUM_MISMATCH, 99, "C")},
    "sheet-17.csv": {(ProblemKind.NOT_A_NUMBER, 18, None)},  # the letter l for a 1
    "sheet-18.csv": {(ProblemKind.NOT_A_NUMBER, 10, None)},  # a 't'
    "sheet-26.csv": {
        (ProblemKind.SUM_MISMATCH, 93, "C.8"),
        (ProblemKind.SUM_MISMATCH, 102, "C.9"),
        (ProblemKind.SUM_MISMATCH, 129, "C.15"),
    },
}


@needs_sheets
@pytest.mark.parametrize("number", range(1, 27))
def test_every_transcription_loads_leniently_with_precise_problems(number: int) -> None:
    name = f"sheet-{number:02d}.csv"
    sheet, problems = ScoringSheet.from_outline_csv(SHEETS / name, strict=False)
    assert {(p.kind, p.row, p.code) for p in problems} == EXPECTED_PROBLEMS.get(name, set())
    for problem in problems:
        assert problem.expected
        assert problem.found
        assert str(problem).startswith(f"row {problem.row}")
    # The lenient sheet is usable: three parts worth 100 as declared, every criterion answerable.
    assert sheet.number == number
    assert [p.letter for p in sheet.parts] == ["A", "B", "C"]
    assert sheet.maximum == 100.0
    result = sheet.evaluate({c.code: 0 for c in sheet.criteria})
    assert result.sheet_number == number
    assert result.stars in (1, 2)


# -- gaps declared as data -----------------------------------------------------------------------


def _coffee_gap(data: dict[str, Any]) -> dict[str, Any]:
    gaps = data["gaps"]
    assert isinstance(gaps, list)
    gap = gaps[0]
    assert isinstance(gap, dict)
    return gap


def test_a_declared_shortfall_loads_and_an_undeclared_one_fails(tmp_path: Path) -> None:
    sheet = shipped_sheet(13)
    (gap,) = sheet.gaps
    assert (gap.code, gap.resolution, gap.given, gap.required) == (
        "C",
        GapResolution.SHORTFALL,
        33.0,
        35.0,
    )
    data = _coffee_dict()
    del data["gaps"]
    error = _strict_load_fails(tmp_path / "undeclared.json", data)
    assert [str(p) for p in error.problems] == [
        "C: the maxima of part C's groups add up to 33, not to C's 35 (expected 35, found 33)"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"given": 32},
            "C: declared shortfall gap: what the sheet holds here is not what the gap says the "
            "source gives (expected 32, found 33)",
        ),
        (
            {"required": 34, "given": 33},
            "C: declared shortfall gap: the sheet declares another value here "
            "(expected 34, found 35)",
        ),
        (
            {"code": "B"},
            "B: declared shortfall gap: the sheet declares another value here "
            "(expected 35, found 25)",
        ),
        (
            {"code": "C.6.9"},
            "C.6.9: declared shortfall gap: the sheet has nothing at this code",
        ),
    ],
)
def test_a_declaration_that_does_not_match_the_sheet_is_a_problem(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    data = _coffee_dict()
    _coffee_gap(data).update(change)
    error = _strict_load_fails(tmp_path / "mismatch.json", data)
    messages = [str(p) for p in error.problems]
    assert any(m.startswith(message) for m in messages), messages
    # The part's own shortfall stays a problem unless a matching declaration covers it.
    assert "C: the maxima of part C's groups add up to 33, not to C's 35" in str(error)
    assert all(
        p.kind in (ProblemKind.GAP_MISMATCH, ProblemKind.SUM_MISMATCH) for p in error.problems
    )


def test_a_gap_declared_twice_is_a_problem(tmp_path: Path) -> None:
    data = _coffee_dict()
    data["gaps"] = [_coffee_gap(data), dict(_coffee_gap(data))]
    error = _strict_load_fails(tmp_path / "twice.json", data)
    assert [str(p) for p in error.problems] == [
        "C: declared shortfall gap: the code is declared twice (expected one gap per code, "
        "found two)"
    ]


def _with_aftertaste(data: dict[str, Any]) -> dict[str, Any]:
    """Coffee with an eighth sensory criterion (2 points) that no source gives: part C is 35."""
    parts = data["parts"]
    sensory = parts[2]["groups"][0]
    sensory["maximum"] = 16
    sensory["criteria"].append(
        {
            "title": "Brewed: aftertaste (an assumption)",
            "maximum": 2,
            "options": [{"title": "short", "points": 0}, {"title": "long", "points": 2}],
        }
    )
    return data


def test_an_assumed_criterion_must_be_declared_as_such(tmp_path: Path) -> None:
    data = _with_aftertaste(_coffee_dict())
    gap = _coffee_gap(data)
    # A shortfall no longer matches: part C now holds 35.
    error = _strict_load_fails(tmp_path / "shortfall.json", data)
    assert [p.kind for p in error.problems] == [ProblemKind.GAP_MISMATCH]
    gap.update(resolution="assumed", criteria=["C.6.8"], note="an aftertaste criterion")
    path = tmp_path / "assumed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sheet = ScoringSheet.load(path)
    (assumed,) = sheet.gaps
    assert (assumed.resolution, assumed.criteria) == (GapResolution.ASSUMED, ("C.6.8",))
    best = sheet.evaluate({c.code: len(c.options) - 1 for c in sheet.criteria})
    assert best.total == 100.0
    assert best.gaps == sheet.gaps  # the result says it rests on an assumption
    assert ScoringSheet.from_dict(sheet.to_dict()) == sheet
    gap["criteria"] = ["C.6.7"]  # a criterion worth 2 that a source does give: not the assumed one
    assert ScoringSheet.from_dict(data).gaps[0].criteria == ("C.6.7",)  # same points: cannot tell
    gap["criteria"] = ["B.4.1"]
    with pytest.raises(SheetError, match=r"assumed criterion B.4.1 is not in C"):
        ScoringSheet.from_dict(data)
    gap["criteria"] = ["C.6.8", "C.6.7"]
    with pytest.raises(
        SheetError, match=r"without the assumed criteria the sheet does not hold what the source"
    ):
        ScoringSheet.from_dict(data)


@pytest.mark.parametrize(
    ("gaps", "message"),
    [
        ("none", r"'gaps' must be a list of tables"),
        ([3], r"gaps\[0\]: gap 1 must be a table"),
        (
            [{"code": "C", "resolution": "guessed", "given": 33, "required": 35}],
            r"unknown 'resolution'",
        ),
        ([{"code": "C", "resolution": "shortfall", "given": 33}], r"'required' is missing"),
        (
            [{"code": "C", "resolution": "shortfall", "given": "33", "required": 35}],
            r"'given' is not a number",
        ),
        (
            [{"code": "C", "resolution": "shortfall", "given": 33, "required": 35, "gvien": 1}],
            r"unknown key 'gvien'; not read \(did you mean 'given'\?\)",
        ),
        (
            [{"code": "C", "resolution": "shortfall", "required": 35}],
            r"'given' is required for a shortfall gap",
        ),
        (
            [{"code": "C", "resolution": "shortfall", "given": 36, "required": 35}],
            r"a shortfall gives less than required",
        ),
        (
            [{"code": "c", "resolution": "shortfall", "given": 33, "required": 35}],
            r"'code' must name a part, group, criterion or option",
        ),
        (
            [{"code": "C", "resolution": "shortfall", "given": 33, "required": 35, "criteria": 7}],
            r"'criteria' must be a list of criterion codes",
        ),
    ],
)
def test_bad_gap_entries_are_named(tmp_path: Path, gaps: object, message: str) -> None:
    data = _coffee_dict()
    data["gaps"] = gaps
    error = _strict_load_fails(tmp_path / "bad-gaps.json", data)
    assert re.search(message, str(error)), str(error)


def test_a_sheet_with_gaps_is_not_written_as_outline_csv(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"'sheet': sheet 13 declares gaps \(C\), which an outline CSV cannot hold",
    ):
        shipped_sheet(13).to_outline_csv(tmp_path / "sheet-13.csv")
    assert list(tmp_path.iterdir()) == []


def test_every_shipped_sheet_round_trips_through_json(tmp_path: Path) -> None:
    for number in shipped_sheet_numbers():
        sheet = shipped_sheet(number)
        path = tmp_path / f"sheet-{number}.json"
        path.write_text(json.dumps(sheet.to_dict(), ensure_ascii=False), encoding="utf-8")
        assert ScoringSheet.load(path) == sheet


# -- fuzzing the loaders with the real files (hardening issue, item 6) --------------------------

_SHIPPED = sorted((Path(ocop_workflow.scoring.__file__).parent / "data").glob("sheet-*.toml"))


@needs_sheets
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_sample_csv_loads_or_is_the_loaders_own_error(tmp_path, data):
    original = data.draw(st.sampled_from(sorted(SHEETS.glob("sheet-*.csv"))))
    path = tmp_path / original.name
    path.write_bytes(data.draw(mutated_text_files(original.read_bytes())))
    for strict in (True, False):
        with contextlib.suppress(SheetError, InvalidInput):  # anything else fails the test
            ScoringSheet.from_outline_csv(path, strict=strict)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_shipped_sheet_file_loads_or_is_the_loaders_own_error(tmp_path, data):
    original = data.draw(st.sampled_from(_SHIPPED))
    path = tmp_path / original.name
    path.write_bytes(data.draw(mutated_text_files(original.read_bytes())))
    with contextlib.suppress(SheetError, InvalidInput):  # anything else fails the test
        ScoringSheet.load(path)


@settings(max_examples=60)
@given(data=st.data())
def test_a_mutated_parsed_sheet_builds_or_is_a_sheet_error(data):
    original = data.draw(st.sampled_from(_SHIPPED))
    tree = data.draw(mutated_trees(tomllib.loads(original.read_text(encoding="utf-8"))))
    with contextlib.suppress(SheetError, InvalidInput):  # anything else fails the test
        ScoringSheet.from_dict(tree)


def test_a_path_with_a_nul_character_is_refused_by_name():
    with pytest.raises(InvalidInput, match="'path' must not contain a NUL character"):
        ScoringSheet.from_outline_csv("\x00")


def test_shipped_sheets_take_whole_numbers_of_any_type():
    sheet = shipped_sheet(13.0)  # type: ignore[arg-type]
    assert sheet is shipped_sheet(13)  # read once, normalised
    with pytest.raises(InvalidInput, match="'number' must be a whole number"):
        shipped_sheet(True)
