"""Reading and writing sheets: this library's TOML/JSON format and the flat outline CSV.

The TOML/JSON format is described in ``docs/sheet-format.md``. Both readers report every problem
at once (facts page section 3: transcriptions have errors, and a loader must name each one with its
row or code, expected and found value, never trust or silently repair them).

Outline CSV (columns ``title, description, level, stars, score``; level 0 part, 1 group or a
criterion whose options sit directly under it, 2 criterion, 3 option). Rows are numbered as a
spreadsheet shows them: the header is row 1, and a quoted multi-line title is still one row.

Every column and cell is read or reported: a column other than the five (or a repeated one, or an
unnamed column that holds data) and cells beyond the header's last column are ``UNKNOWN_KEY``
problems. Likewise the TOML/JSON reader reports every key the format does not have.

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
import difflib
import io
import json
import math
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring.catalogue import SHEETS
from ocop_workflow.scoring.model import (
    MINIMUM_STARS,
    Criterion,
    Gap,
    GapResolution,
    Group,
    Option,
    Part,
    ScoringSheet,
)
from ocop_workflow.scoring.problems import Problem, ProblemKind, SheetError, check_sheet, fmt_points

__all__ = [
    "COLUMNS",
    "FORMAT_VERSION",
    "load_sheet",
    "read_outline_csv",
    "sheet_from_dict",
    "sheet_from_toml_text",
    "sheet_to_dict",
    "write_outline_csv",
]

COLUMNS = ("title", "description", "level", "stars", "score")
"""The outline CSV's columns, in order."""

FORMAT_VERSION = 1
"""The ``format`` value of this library's TOML/JSON sheet files."""

_PART_LETTER = re.compile(r"\s*(?:Phần|Part)\s+([A-Z])\b")
_GROUP_NUMBER = re.compile(r"\s*(\d+)\s*\.")
_ASTERISKS = re.compile(r"(?<!\*)\*{3,5}(?!\*)")


# --------------------------------------------------------------------------------------------
# TOML / JSON

_SHEET_KEYS = ("format", "number", "group", "sub_group", "gaps", "parts")
_PART_KEYS = ("letter", "title", "maximum", "groups")
_GROUP_KEYS = ("title", "maximum", "description", "criteria", "options", "min_star")
"""A group has ``criteria``, or (a direct group) ``options`` and maybe ``min_star``; a group that
mixes them is reported by its own checks, not as unknown keys."""
_CRITERION_KEYS = ("title", "maximum", "min_star", "description", "options")
_OPTION_KEYS = ("title", "points", "min_star")
_GAP_KEYS = ("code", "resolution", "given", "required", "note", "criteria")


def _as_path(path: object) -> Path:
    """``path`` as a :class:`Path`; :class:`InvalidInput` unless it is a ``str`` or path object."""
    if not isinstance(path, str | os.PathLike) or isinstance(os.fspath(path), bytes):
        raise InvalidInput(f"'path' must be a file path (a str or a Path) (got {path!r})")
    return Path(path)


def _unreadable(source: str, what: str, error: Exception) -> SheetError:
    """The error for a file whose bytes are not a text in the expected format."""
    return SheetError(source, (Problem(ProblemKind.STRUCTURE, f"not {what}: {error}"),))


def load_sheet(path: str | Path) -> ScoringSheet:
    """Read a ``.toml`` or ``.json`` sheet file strictly (:class:`SheetError` on any problem).

    A path that cannot be read is :class:`InvalidInput` naming ``'path'``; a file that is not
    UTF-8 TOML or JSON, a :class:`SheetError`.
    """
    source = _as_path(path)
    suffix = source.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InvalidInput(f"'path' must end in .toml or .json (got {str(source)!r})")
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"'path': cannot read sheet file {str(source)!r} ({error})") from None
    except UnicodeDecodeError as error:
        raise _unreadable(str(source), "a UTF-8 text file", error) from None
    if suffix == ".toml":
        return sheet_from_toml_text(text, source=str(source))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problem = Problem(ProblemKind.STRUCTURE, f"not valid JSON: {error}", row=error.lineno)
        raise SheetError(str(source), (problem,)) from None
    except (ValueError, RecursionError) as error:  # an int of over 4300 digits, deep nesting
        raise _unreadable(str(source), "usable JSON", error) from None
    return sheet_from_dict(data, source=str(source))


def sheet_from_toml_text(text: str, source: str = "<toml>") -> ScoringSheet:
    """Parse TOML text in this library's sheet format, strictly."""
    if not isinstance(text, str):
        raise InvalidInput(f"'text' must be TOML text, a str (got {_shown(text)})")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _unreadable(source, "valid TOML", error) from None
    except (ValueError, RecursionError) as error:  # an int of over 4300 digits, deep nesting
        raise _unreadable(source, "usable TOML", error) from None
    return sheet_from_dict(data, source=source)


class _Collector:
    """Problems found while reading, in the order found."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        kind: ProblemKind,
        message: str,
        *,
        row: int | None = None,
        code: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.problems.append(Problem(kind, message, row, code, expected, found))


def _shown(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a misplaced table can be very long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unknown_keys(
    data: Mapping[str, object], known: tuple[str, ...], where: str, out: _Collector
) -> None:
    """Report every key of ``data`` that the format does not have (it would not be read)."""
    for key in data:
        if key in known:
            continue
        hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        out.add(
            ProblemKind.UNKNOWN_KEY,
            f"unknown key {key!r}; not read" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
            code=where,
            expected="one of " + ", ".join(known),
            found=repr(key),
        )


_LARGEST_INT = 2**53
"""Above this an int is no longer exactly a float (JSON allows ints of any length)."""


def _is_number(value: object) -> bool:
    """A finite int or float that converts to a float exactly (bools are not numbers here)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= _LARGEST_INT
    return isinstance(value, float) and math.isfinite(value)


def _number(value: object, where: str, field: str, out: _Collector) -> float | None:
    if value is None:
        out.add(
            ProblemKind.MISSING_MAXIMUM if field == "maximum" else ProblemKind.STRUCTURE,
            f"{field!r} is missing",
            code=where,
            expected="a number",
            found="nothing",
        )
        return None
    if not _is_number(value):
        out.add(
            ProblemKind.NOT_A_NUMBER,
            f"{field!r} is not a number",
            code=where,
            expected="a number",
            found=_shown(value),
        )
        return None
    number = float(value)  # type: ignore[arg-type]  # _is_number: an int or a float
    if number < 0:
        out.add(
            ProblemKind.NOT_A_NUMBER,
            f"{field!r} must not be negative",
            code=where,
            expected="a number >= 0",
            found=repr(value),
        )
        return None
    return number


def _marker(value: object, where: str, out: _Collector) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in MINIMUM_STARS:
        out.add(
            ProblemKind.BAD_STAR_MARKER,
            "'min_star' must be 3, 4 or 5",
            code=where,
            expected="3, 4 or 5",
            found=_shown(value),
        )
        return None
    return int(value)


def _text(
    data: Mapping[str, object], key: str, where: str, out: _Collector, default: str | None = None
) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        out.add(
            ProblemKind.STRUCTURE,
            f"{key!r} must be a string",
            code=where,
            expected="a string",
            found="nothing" if value is None and key not in data else _shown(value),
        )
        return ""
    return value


def _items(data: Mapping[str, object], key: str, where: str, out: _Collector) -> list[object]:
    """The entries of the list ``data[key]`` (each still to be checked with :func:`_table`)."""
    value = data.get(key)
    if not isinstance(value, list | tuple) or not value:
        out.add(
            ProblemKind.STRUCTURE,
            f"{key!r} must be a non-empty list of tables",
            code=where,
            expected="a non-empty list",
            found=_shown(value) if key in data else "nothing",
        )
        return []
    return list(value)


def _table(value: object, what: str, where: str, out: _Collector) -> Mapping[str, object] | None:
    """``value`` if it is a table (a mapping), else ``None`` and a problem naming ``where``."""
    if isinstance(value, Mapping):
        return value
    out.add(
        ProblemKind.STRUCTURE,
        f"{what} must be a table",
        code=where,
        expected="a table (mapping)",
        found=f"{type(value).__name__} {_shown(value)}",
    )
    return None


def _options(data: Mapping[str, object], code: str, out: _Collector) -> list[Option]:
    options = []
    for index, entry in enumerate(_items(data, "options", code, out)):
        where = f"{code}/{index}"
        item = _table(entry, f"option {index}", where, out)
        if item is None:
            continue
        _unknown_keys(item, _OPTION_KEYS, where, out)
        points = _number(item.get("points"), where, "points", out)
        options.append(
            Option(
                _text(item, "title", where, out),
                0.0 if points is None else points,
                _marker(item.get("min_star"), where, out),
            )
        )
    return options


def _criterion(data: Mapping[str, object], code: str, out: _Collector) -> Criterion | None:
    options = _options(data, code, out)
    maximum = _number(data.get("maximum"), code, "maximum", out)
    title = _text(data, "title", code, out)
    min_star = _marker(data.get("min_star"), code, out)
    description = _text(data, "description", code, out, default="")
    if not options:
        return None
    return Criterion(
        code=code,
        title=title,
        maximum=max(o.points for o in options) if maximum is None else maximum,
        options=tuple(options),
        min_star=min_star,
        description=description,
    )


def _group(data: Mapping[str, object], letter: str, number: int, out: _Collector) -> Group | None:
    """Group ``number`` of part ``letter``, or ``None`` when it has nothing usable (reported)."""
    label = f"{letter}.{number}"
    _unknown_keys(data, _GROUP_KEYS, label, out)
    title = _text(data, "title", label, out)
    description = _text(data, "description", label, out, default="")
    if "options" in data:
        if "criteria" in data:
            out.add(
                ProblemKind.STRUCTURE,
                "a group has 'options' or 'criteria', not both",
                code=label,
                expected="one of them",
                found="both",
            )
        criterion = _criterion({**data, "description": description}, f"{label}.1", out)
        if criterion is None:
            return None
        return Group(number, title, criterion.maximum, (criterion,), True, description)
    if "min_star" in data:
        out.add(
            ProblemKind.BAD_STAR_MARKER,
            "a group with criteria cannot carry 'min_star'",
            code=label,
            expected="no marker",
            found=_shown(data["min_star"]),
        )
    criteria = []
    for position, entry in enumerate(_items(data, "criteria", label, out), 1):
        code = f"{label}.{position}"
        item = _table(entry, f"criterion {position} of group {label}", code, out)
        if item is None:
            continue
        _unknown_keys(item, _CRITERION_KEYS, code, out)
        made = _criterion(item, code, out)
        if made is not None:
            criteria.append(made)
    maximum = _number(data.get("maximum"), label, "maximum", out)
    if not criteria:
        return None
    total = math.fsum(c.maximum for c in criteria)
    return Group(
        number, title, total if maximum is None else maximum, tuple(criteria), False, description
    )


def _gaps(data: Mapping[str, object], out: _Collector) -> list[Gap]:
    """The sheet's ``[[gaps]]`` (none when the key is absent), each checked as a :class:`Gap`."""
    if "gaps" not in data:
        return []
    entries = data["gaps"]
    if not isinstance(entries, list | tuple):
        out.add(
            ProblemKind.STRUCTURE,
            "'gaps' must be a list of tables",
            code="sheet",
            expected="a list",
            found=_shown(entries),
        )
        return []
    gaps = []
    for index, entry in enumerate(entries):
        where = f"gaps[{index}]"
        item = _table(entry, f"gap {index + 1}", where, out)
        if item is None:
            continue
        _unknown_keys(item, _GAP_KEYS, where, out)
        code = _text(item, "code", where, out)
        resolution = item.get("resolution")
        known = [r.value for r in GapResolution]
        if resolution not in known:
            out.add(
                ProblemKind.STRUCTURE,
                "unknown 'resolution'",
                code=where,
                expected="one of " + ", ".join(known),
                found=_shown(resolution) if "resolution" in item else "nothing",
            )
            continue
        given = None
        if "given" in item:
            given = _number(item["given"], where, "given", out)
            if given is None:
                continue
        required = _number(item.get("required"), where, "required", out)
        note = _text(item, "note", where, out, default="")
        criteria = item.get("criteria", [])
        if not isinstance(criteria, list | tuple) or not all(isinstance(c, str) for c in criteria):
            out.add(
                ProblemKind.STRUCTURE,
                "'criteria' must be a list of criterion codes",
                code=where,
                expected="a list of strings",
                found=_shown(criteria),
            )
            continue
        if required is None or not code:
            continue
        try:
            gaps.append(
                Gap(code, GapResolution(resolution), given, required, note, tuple(criteria))
            )
        except InvalidInput as error:
            out.add(
                ProblemKind.STRUCTURE,
                str(error),
                code=where,
                expected="a consistent gap",
                found=_shown(dict(item)),
            )
    return gaps


def sheet_from_dict(data: Mapping[str, object], source: str = "<dict>") -> ScoringSheet:
    """Build a sheet from the parsed TOML/JSON structure, strictly (``docs/sheet-format.md``).

    Every problem is collected, including every key the format does not have (a misspelt key
    would not be read) and every entry that is not a table, and raised as one :class:`SheetError`.
    """
    out = _Collector()
    if _table(data, "the top level", "sheet", out) is None:
        raise SheetError(source, tuple(out.problems))
    _unknown_keys(data, _SHEET_KEYS, "sheet", out)
    if data.get("format") != FORMAT_VERSION:
        out.add(
            ProblemKind.STRUCTURE,
            "unknown 'format'",
            code="sheet",
            expected=str(FORMAT_VERSION),
            found=_shown(data.get("format")),
        )
    number = data.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number not in SHEETS:
        out.add(
            ProblemKind.STRUCTURE,
            "'number' must be a sheet number",
            code="sheet",
            expected="1 to 26",
            found=_shown(number),
        )
        number = 0
    default_group, default_sub = SHEETS.get(number, ("", ""))
    group = _text(data, "group", "sheet", out, default=default_group)
    sub_group = _text(data, "sub_group", "sheet", out, default=default_sub)
    gaps = _gaps(data, out)
    parts: list[Part] = []
    group_number = 0
    for index, entry in enumerate(_items(data, "parts", "sheet", out)):
        part_data = _table(entry, f"part {index + 1}", f"parts[{index}]", out)
        if part_data is None:
            continue
        letter = part_data.get("letter")
        if not isinstance(letter, str) or not re.fullmatch(r"[A-Z]", letter):
            out.add(
                ProblemKind.STRUCTURE,
                "'letter' must be one capital letter",
                code=f"parts[{index}]",
                expected="A, B, C...",
                found=_shown(letter) if "letter" in part_data else "nothing",
            )
            # Its groups still take their numbers, so that later codes match the file.
            entries = part_data.get("groups")
            group_number += len(entries) if isinstance(entries, list | tuple) else 0
            continue
        _unknown_keys(part_data, _PART_KEYS, letter, out)
        groups: list[Group] = []
        for entry_of_group in _items(part_data, "groups", letter, out):
            group_number += 1
            group_data = _table(
                entry_of_group, f"group {group_number}", f"{letter}.{group_number}", out
            )
            if group_data is not None:
                made = _group(group_data, letter, group_number, out)
                if made is not None:
                    groups.append(made)
        maximum = _number(part_data.get("maximum"), letter, "maximum", out)
        title = _text(part_data, "title", letter, out)
        if groups:
            total = math.fsum(g.maximum for g in groups)
            parts.append(Part(letter, title, total if maximum is None else maximum, tuple(groups)))
    if out.problems or not parts or not number:
        raise SheetError(source, tuple(out.problems))
    try:
        sheet = ScoringSheet(number, group, sub_group, tuple(parts), tuple(gaps))
    except InvalidInput as error:
        raise SheetError(source, (Problem(ProblemKind.STRUCTURE, str(error)),)) from None
    problems = check_sheet(sheet)
    if problems:
        raise SheetError(source, problems)
    return sheet


def _options_to_list(options: tuple[Option, ...]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for option in options:
        item: dict[str, object] = {"title": option.title, "points": option.points}
        if option.min_star is not None:
            item["min_star"] = option.min_star
        out.append(item)
    return out


def _check_sheet_argument(sheet: object) -> None:
    if not isinstance(sheet, ScoringSheet):
        raise InvalidInput(f"'sheet' must be a ScoringSheet (got {_shown(sheet)})")


def sheet_to_dict(sheet: ScoringSheet) -> dict[str, object]:
    """``sheet`` as the structure :func:`sheet_from_dict` reads (JSON-ready, TOML-shaped)."""
    _check_sheet_argument(sheet)
    parts: list[dict[str, object]] = []
    for part in sheet.parts:
        groups: list[dict[str, object]] = []
        for group in part.groups:
            entry: dict[str, object] = {"title": group.title, "maximum": group.maximum}
            if group.description:
                entry["description"] = group.description
            if group.direct:
                only = group.criteria[0]
                if only.min_star is not None:
                    entry["min_star"] = only.min_star
                entry["options"] = _options_to_list(only.options)
            else:
                criteria: list[dict[str, object]] = []
                for criterion in group.criteria:
                    item: dict[str, object] = {
                        "title": criterion.title,
                        "maximum": criterion.maximum,
                    }
                    if criterion.description:
                        item["description"] = criterion.description
                    if criterion.min_star is not None:
                        item["min_star"] = criterion.min_star
                    item["options"] = _options_to_list(criterion.options)
                    criteria.append(item)
                entry["criteria"] = criteria
            groups.append(entry)
        parts.append(
            {"letter": part.letter, "title": part.title, "maximum": part.maximum, "groups": groups}
        )
    made: dict[str, object] = {
        "format": FORMAT_VERSION,
        "number": sheet.number,
        "group": sheet.group,
        "sub_group": sheet.sub_group,
    }
    if sheet.gaps:
        made["gaps"] = [_gap_to_dict(gap) for gap in sheet.gaps]
    made["parts"] = parts
    return made


def _gap_to_dict(gap: Gap) -> dict[str, object]:
    item: dict[str, object] = {"code": gap.code, "resolution": gap.resolution.value}
    if gap.given is not None:
        item["given"] = gap.given
    item["required"] = gap.required
    if gap.note:
        item["note"] = gap.note
    if gap.criteria:
        item["criteria"] = list(gap.criteria)
    return item


# --------------------------------------------------------------------------------------------
# Outline CSV


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


def _cell_number(text: str, row: int, column: str, out: _Collector) -> tuple[float | None, bool]:
    """(value, present): a blank cell is (None, False); an unreadable one (None, True)."""
    cleaned = text.strip()
    if not cleaned:
        return None, False
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        out.add(
            ProblemKind.NOT_A_NUMBER,
            f"the {column!r} cell is not a number >= 0",
            row=row,
            expected="a number",
            found=repr(text),
        )
        return None, True
    return value, True


def _parse_stars(text: str, title: str, row: int, out: _Collector) -> int | None:
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
        raise _unreadable(str(path), "a UTF-8 CSV text file", error) from None


def _read_rows(
    path: Path, records: list[list[str]], out: _Collector
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
                    found=_shown(", ".join(header)),
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
    records: list[list[str]], header: list[str], where: Mapping[str, int], out: _Collector
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


def _build_tree(rows: list[tuple[int, dict[str, str]]], out: _Collector) -> list[_Node]:
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


def _maximum(node: _Node, children: list[float], what: str, out: _Collector, label: str) -> float:
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
    source = _as_path(path)
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
    out = _Collector()
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
    _check_sheet_argument(sheet)
    if sheet.gaps:
        raise InvalidInput(
            f"'sheet': sheet {sheet.number} declares gaps "
            f"({', '.join(g.code for g in sheet.gaps)}), which an outline CSV cannot hold; "
            "write it with to_dict (the TOML/JSON format) instead"
        )
    target = _as_path(path)
    text = io.StringIO(newline="")
    _write_rows(sheet, text)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        try:
            with temporary.open("x", encoding="utf-8", newline="") as stream:
                stream.write(text.getvalue())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
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
