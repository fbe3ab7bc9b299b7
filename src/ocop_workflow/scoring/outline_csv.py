"""The flat outline CSV of the third-party transcriptions (read for tests, written for them).

Columns ``title, description, level, stars, score``; level 0 part, 1 group or a criterion whose
options sit directly under it, 2 criterion, 3 option. Rows are numbered as a spreadsheet shows
them: the header is row 1, and a quoted multi-line title is still one row.

Every column and cell is read or reported: a column other than the five (or a repeated one, or an
unnamed column that holds data) and cells beyond the header's last column are ``UNKNOWN_KEY``
problems.

How a lenient load builds a sheet despite problems (every one of these is also reported):

* a missing or non-numeric maximum is replaced by what the children give: a criterion's best
  option, a group's or part's sum of children;
* a non-numeric or negative option score counts as 0 points (the option is kept, so the option
  indexes still match the file);
* a bad star marker (not 3, 4 or 5, or on a part or a group with criteria) is ignored;
* a criterion, group or part with nothing under it, an option before any criterion, and a row with
  an unknown level are left out (codes are then the positions in the built sheet; group numbers
  keep counting the file's group rows);
* a part title without "Phần X" / "Part X" takes the next letter (A, B, C...).

If not even one part with one criterion can be built, :class:`SheetError` is raised even when
lenient.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from ocop_workflow._files import atomic_target, path_argument
from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring.catalogue import SHEETS
from ocop_workflow.scoring.checks import check_sheet
from ocop_workflow.scoring.model import (
    MINIMUM_STARS,
    Criterion,
    Group,
    Option,
    Part,
    ScoringSheet,
)
from ocop_workflow.scoring.problems import (
    SHEET_TOTAL,
    Problem,
    ProblemCollector,
    ProblemKind,
    SheetError,
    fmt_points,
    unreadable,
)
from ocop_workflow.validators import instance, shown

__all__ = ["COLUMNS", "read_outline_csv", "write_outline_csv"]

COLUMNS = ("title", "description", "level", "stars", "score")
"""The outline CSV's columns, in order."""

_PART_LETTER = re.compile(r"\s*(?:Phần|Part)\s+([A-Z])\b")
_GROUP_NUMBER = re.compile(r"\s*(\d+)\s*\.")
_ASTERISKS = re.compile(r"(?<!\*)\*{3,5}(?!\*)")


@attrs.define
class _Node:
    """A header or option row while the tree is being built."""

    row: int
    title: str
    description: str
    maximum: float | None
    stars: int | None
    children: list[_Node] = attrs.field(factory=list)
    number: int = 0
    letter: str = ""
    direct: bool = False
    unreadable: bool = False


def _cell_number(
    text: str, row: int, column: str, out: ProblemCollector
) -> tuple[float | None, bool]:
    """(value, present): a blank cell is (None, False); an unreadable one (None, True)."""
    cleaned = text.strip()
    if not cleaned:
        return None, False
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= SHEET_TOTAL:
        out.add(
            ProblemKind.NOT_A_NUMBER,
            f"the {column!r} cell is not a number from 0 to {SHEET_TOTAL:g}",
            row=row,
            expected="a number",
            found=repr(text),
        )
        return None, True
    return value, True


def _parse_stars(text: str, title: str, row: int, out: ProblemCollector) -> int | None:
    value, present = _cell_number(text, row, "stars", out)
    if not present or value is None:
        marks = _ASTERISKS.findall(title)
        if marks and not present:
            out.add(
                ProblemKind.BAD_STAR_MARKER,
                "the title carries a star marker the 'stars' column lacks",
                row=row,
                expected=str(len(marks[-1])),
                found="empty",
            )
        return None
    if value not in MINIMUM_STARS:
        out.add(
            ProblemKind.BAD_STAR_MARKER,
            "a star marker must be 3, 4 or 5",
            row=row,
            expected="3, 4 or 5",
            found=repr(text),
        )
        return None
    stars = int(value)
    marks = _ASTERISKS.findall(title)
    if marks and len(marks[-1]) != stars:
        out.add(
            ProblemKind.BAD_STAR_MARKER,
            "the title's asterisks and the 'stars' column disagree",
            row=row,
            expected=f"{stars} asterisks",
            found=marks[-1],
        )
    return stars


def _read_records(path: Path) -> list[list[str]]:
    """The file's CSV records. A path that cannot be read is :class:`InvalidInput` naming
    ``'path'``; bytes that are not UTF-8 CSV text, a :class:`SheetError`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    except OSError as error:
        raise InvalidInput(
            f"'path': cannot read outline CSV file {str(path)!r} ({error})"
        ) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise unreadable(str(path), "a UTF-8 CSV text file", error) from None


def _read_rows(
    path: Path, records: list[list[str]], out: ProblemCollector
) -> list[tuple[int, dict[str, str]]]:
    if not records:
        raise SheetError(str(path), (Problem(ProblemKind.STRUCTURE, "the file is empty", row=1),))
    header = [cell.strip().lower() for cell in records[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise SheetError(
            str(path),
            (
                Problem(
                    ProblemKind.STRUCTURE,
                    "the header lacks columns (is this an outline CSV file?)",
                    row=1,
                    expected=", ".join(COLUMNS),
                    found=shown(", ".join(header)),
                ),
            ),
        )
    where = {c: header.index(c) for c in COLUMNS}
    _unread_columns(records, header, where, out)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        extra = [cell for cell in record[len(header) :] if cell.strip()]
        if extra:
            out.add(
                ProblemKind.UNKNOWN_KEY,
                "cells beyond the header's last column; not read",
                row=number,
                expected=f"at most {len(header)} cells",
                found=", ".join(repr(cell) for cell in extra),
            )
        cells = {c: (record[i] if i < len(record) else "") for c, i in where.items()}
        rows.append((number, cells))
    return rows


def _unread_columns(
    records: list[list[str]], header: list[str], where: Mapping[str, int], out: ProblemCollector
) -> None:
    """Report every column that is not read: unknown, repeated, or unnamed yet holding data."""
    for index, name in enumerate(header):
        if where.get(name) == index:
            continue
        if name in where:
            message = f"the column {name!r} appears twice; only the first is read"
        elif name:
            message = f"unknown column {name!r}; not read"
        elif any(index < len(record) and record[index].strip() for record in records[1:]):
            message = "a column without a name holds data; not read"
        else:
            continue  # an empty column a spreadsheet left behind
        out.add(
            ProblemKind.UNKNOWN_KEY,
            message,
            row=1,
            expected=", ".join(COLUMNS),
            found=repr(records[0][index]),
        )


def _build_tree(rows: list[tuple[int, dict[str, str]]], out: ProblemCollector) -> list[_Node]:
    parts: list[_Node] = []
    group_count = 0
    seen_numbers: dict[int, int] = {}
    group: _Node | None = None
    criterion: _Node | None = None
    for row, cells in rows:
        title, description = cells["title"], cells["description"]
        level_text = cells["level"].strip()
        if level_text not in ("0", "1", "2", "3"):
            out.add(
                ProblemKind.STRUCTURE,
                "unknown level; row left out",
                row=row,
                expected="0, 1, 2 or 3",
                found=repr(cells["level"]),
            )
            continue
        level = int(level_text)
        score, present = _cell_number(cells["score"], row, "score", out)
        stars = _parse_stars(cells["stars"], title, row, out)
        node = _Node(row, title, description, score, stars, unreadable=present and score is None)
        if level == 0:
            if stars is not None:
                out.add(
                    ProblemKind.BAD_STAR_MARKER,
                    "a part cannot carry a star marker; ignored",
                    row=row,
                    expected="empty",
                    found=str(stars),
                )
                node.stars = None
            if description.strip():
                out.add(
                    ProblemKind.STRUCTURE,
                    "a part has no description; ignored",
                    row=row,
                    expected="empty",
                    found=repr(description),
                )
                node.description = ""
            parts.append(node)
            group = criterion = None
        elif level == 1:
            group_count += 1
            node.number = group_count
            written = _GROUP_NUMBER.match(title)
            if written:
                value = int(written.group(1))
                if value in seen_numbers:
                    out.add(
                        ProblemKind.DUPLICATE_CODE,
                        f"group number {value} is used twice (first at row {seen_numbers[value]})",
                        row=row,
                        expected=str(group_count),
                        found=str(value),
                    )
                elif value != group_count:
                    out.add(
                        ProblemKind.DUPLICATE_CODE,
                        "the group number in the title is not the group's position",
                        row=row,
                        expected=str(group_count),
                        found=str(value),
                    )
                seen_numbers.setdefault(value, row)
            if not parts:
                out.add(
                    ProblemKind.STRUCTURE,
                    "a group before any part; left out",
                    row=row,
                    expected="a part row (level 0) first",
                    found="level 1",
                )
                group = criterion = None
                continue
            parts[-1].children.append(node)
            group, criterion = node, None
        elif level == 2:
            if group is None:
                out.add(
                    ProblemKind.STRUCTURE,
                    "a criterion outside any group; left out",
                    row=row,
                    expected="a group row (level 1) first",
                    found="level 2",
                )
                criterion = None
                continue
            if group.direct:
                out.add(
                    ProblemKind.STRUCTURE,
                    "a criterion in a group whose options sit directly under it; left out",
                    row=row,
                    expected="level 3",
                    found="level 2",
                )
                criterion = None
                continue
            group.children.append(node)
            criterion = node
        else:
            if description.strip():
                out.add(
                    ProblemKind.STRUCTURE,
                    "an option has no description; ignored",
                    row=row,
                    expected="empty",
                    found=repr(description),
                )
            if criterion is not None:
                criterion.children.append(node)
            elif group is not None and (group.direct or not group.children):
                group.direct = True
                group.children.append(node)
            else:
                out.add(
                    ProblemKind.STRUCTURE,
                    "an option outside any criterion; left out",
                    row=row,
                    expected="a criterion row first",
                    found="level 3",
                )
    return parts


def _maximum(
    node: _Node, children: list[float], what: str, out: ProblemCollector, label: str
) -> float:
    """The node's maximum, or what its children give when it has none (reported)."""
    if node.maximum is not None:
        return node.maximum
    given = max(children) if what == "criterion" else math.fsum(children)
    if node.unreadable:  # already reported as not a number
        return given
    out.add(
        ProblemKind.MISSING_MAXIMUM,
        f"the {what} has no maximum; using its children's "
        f"{'best option' if what == 'criterion' else 'sum'}",
        row=node.row,
        code=label,
        expected="a number",
        found=f"empty (children give {fmt_points(given)})",
    )
    return given


def _options_of(nodes: list[_Node]) -> tuple[Option, ...]:
    return tuple(Option(n.title, 0.0 if n.maximum is None else n.maximum, n.stars) for n in nodes)


def read_outline_csv(
    path: str | Path,
    *,
    number: int | None = None,
    group: str | None = None,
    sub_group: str | None = None,
) -> tuple[ScoringSheet, tuple[Problem, ...]]:
    """Read an outline CSV leniently: the sheet as built (see the module) and every problem.

    ``number`` defaults to the digits of the file name (``sheet-13.csv`` is 13); ``group`` and
    ``sub_group`` to that number's :data:`~ocop_workflow.scoring.catalogue.SHEETS` entry.
    A path that cannot be read is :class:`InvalidInput` naming ``'path'``; a file that is not
    UTF-8 CSV text, or lacks the columns, a :class:`SheetError`.
    """
    source = path_argument(path)
    if number is not None and (type(number) is not int or number not in SHEETS):
        raise InvalidInput(f"'number' must be a sheet number from 1 to 26 (got {number!r})")
    for name, value in (("group", group), ("sub_group", sub_group)):
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{name!r} must be a string or None (got {value!r})")
    records = _read_records(source)
    if number is None:
        digits = re.findall(r"\d+", source.stem)
        number = int(digits[-1]) if digits else None
        if number not in SHEETS:
            raise InvalidInput(
                f"'number' must be given: the file name {source.name!r} has no sheet number "
                "from 1 to 26"
            )
    default_group, default_sub = SHEETS[number]
    out = ProblemCollector()
    tree = _build_tree(_read_rows(source, records, out), out)
    rows: dict[str, int] = {}
    parts: list[Part] = []
    used_letters: set[str] = set()
    for part_node in tree:
        written = _PART_LETTER.match(part_node.title)
        letter = written.group(1) if written else ""
        if not letter or letter in used_letters:
            fallback = next(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used_letters)
            if letter:
                out.add(
                    ProblemKind.DUPLICATE_CODE,
                    f"part {letter} appears twice; using the next free letter",
                    row=part_node.row,
                    expected=fallback,
                    found=letter,
                )
            letter = fallback
        used_letters.add(letter)
        groups: list[Group] = []
        for group_node in part_node.children:
            label = f"{letter}.{group_node.number}"
            if not group_node.children:
                out.add(
                    ProblemKind.STRUCTURE,
                    f"group {group_node.number} has no criteria or options; left out",
                    row=group_node.row,
                    expected="criteria or options",
                    found="none",
                )
                continue
            if group_node.direct:
                code = f"{label}.1"
                options = _options_of(group_node.children)
                maximum = _maximum(group_node, [o.points for o in options], "criterion", out, code)
                criterion = Criterion(
                    code,
                    group_node.title,
                    maximum,
                    options,
                    group_node.stars,
                    group_node.description,
                )
                rows[code] = rows[label] = group_node.row
                for index, option_node in enumerate(group_node.children):
                    rows[f"{code}/{index}"] = option_node.row
                groups.append(
                    Group(
                        group_node.number,
                        group_node.title,
                        maximum,
                        (criterion,),
                        direct=True,
                        description=group_node.description,
                    )
                )
                continue
            if group_node.stars is not None:
                out.add(
                    ProblemKind.BAD_STAR_MARKER,
                    "a group with criteria cannot carry a star marker; ignored",
                    row=group_node.row,
                    code=label,
                    expected="empty",
                    found=str(group_node.stars),
                )
            criteria: list[Criterion] = []
            for criterion_node in group_node.children:
                code = f"{label}.{len(criteria) + 1}"
                if not criterion_node.children:
                    out.add(
                        ProblemKind.STRUCTURE,
                        f"a criterion with no options (a sub-heading?); left out of group {label}",
                        row=criterion_node.row,
                        expected="options",
                        found="none",
                    )
                    continue
                options = _options_of(criterion_node.children)
                maximum = _maximum(
                    criterion_node, [o.points for o in options], "criterion", out, code
                )
                criteria.append(
                    Criterion(
                        code,
                        criterion_node.title,
                        maximum,
                        options,
                        criterion_node.stars,
                        criterion_node.description,
                    )
                )
                rows[code] = criterion_node.row
                for index, option_node in enumerate(criterion_node.children):
                    rows[f"{code}/{index}"] = option_node.row
            if not criteria:
                continue
            maximum = _maximum(group_node, [c.maximum for c in criteria], "group", out, label)
            rows[label] = group_node.row
            groups.append(
                Group(
                    group_node.number,
                    group_node.title,
                    maximum,
                    tuple(criteria),
                    description=group_node.description,
                )
            )
        if not groups:
            out.add(
                ProblemKind.STRUCTURE,
                "a part with no groups; left out",
                row=part_node.row,
                code=letter,
                expected="groups",
                found="none",
            )
            continue
        maximum = _maximum(part_node, [g.maximum for g in groups], "part", out, letter)
        rows[letter] = part_node.row
        parts.append(Part(letter, part_node.title, maximum, tuple(groups)))
    if not parts:
        out.add(
            ProblemKind.STRUCTURE,
            "no part with criteria could be read",
            expected="parts",
            found="none",
        )
        raise SheetError(str(source), tuple(out.problems))
    sheet = ScoringSheet(
        number,
        default_group if group is None else group,
        default_sub if sub_group is None else sub_group,
        tuple(parts),
    )
    problems = [*out.problems, *check_sheet(sheet, rows)]
    problems.sort(key=lambda p: math.inf if p.row is None else p.row)
    return sheet, tuple(problems)


def write_outline_csv(sheet: ScoringSheet, path: str | Path) -> None:
    """Write ``sheet`` as an outline CSV that :func:`read_outline_csv` reads back equal.

    Part titles should start with "Phần X" or "Part X" for the letter to survive; otherwise the
    reader gives parts the letters A, B, C... in order, which is what most sheets use anyway.
    A path that cannot be written is :class:`InvalidInput` naming ``'path'``, and leaves any file
    already there as it was: the rows go to a new file in the same folder, renamed over the target
    once complete. The outline CSV has no place for gaps: a sheet that declares some is refused
    (:class:`InvalidInput` naming ``'sheet'``) rather than written without them.
    """
    instance(sheet, ScoringSheet, "sheet")
    if sheet.gaps:
        raise InvalidInput(
            f"'sheet': sheet {sheet.number} declares gaps "
            f"({', '.join(g.code for g in sheet.gaps)}), which an outline CSV cannot hold; "
            "write it with to_dict (the TOML/JSON format) instead"
        )
    target = path_argument(path)
    text = io.StringIO(newline="")
    _write_rows(sheet, text)
    try:
        with atomic_target(target) as temporary:
            temporary.write_text(text.getvalue(), encoding="utf-8", newline="")
    except OSError as error:
        reason = error.strerror or str(error)  # not the temporary file's name
        raise InvalidInput(
            f"'path': cannot write outline CSV file {str(target)!r} ({reason})"
        ) from None


def _write_rows(sheet: ScoringSheet, stream: io.StringIO) -> None:
    """Write ``sheet``'s rows, header first, as CSV into ``stream``."""

    def marker(value: int | None) -> str:
        return "" if value is None else str(value)

    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for part in sheet.parts:
        writer.writerow((part.title, "", 0, "", fmt_points(part.maximum)))
        for group in part.groups:
            if group.direct:
                only = group.criteria[0]
                writer.writerow(
                    (
                        group.title,
                        group.description,
                        1,
                        marker(only.min_star),
                        fmt_points(group.maximum),
                    )
                )
                criteria: tuple[Criterion, ...] = ()
                options = only.options
            else:
                writer.writerow((group.title, group.description, 1, "", fmt_points(group.maximum)))
                criteria, options = group.criteria, ()
            for criterion in criteria:
                writer.writerow(
                    (
                        criterion.title,
                        criterion.description,
                        2,
                        marker(criterion.min_star),
                        fmt_points(criterion.maximum),
                    )
                )
                for option in criterion.options:
                    writer.writerow(
                        (
                            option.title,
                            "",
                            3,
                            marker(option.min_star),
                            fmt_points(option.points),
                        )
                    )
            for option in options:
                writer.writerow(
                    (option.title, "", 3, marker(option.min_star), fmt_points(option.points))
                )
