"""This library's own sheet format: TOML, or the same structure as JSON (``docs/sheet-format.md``).

The reader reports every problem at once (facts page section 3: transcriptions have errors, and a
loader must name each one with its code, expected and found value, never trust or silently repair
them), every key the format does not have included. A file that is not UTF-8 TOML or JSON, too
large or nested too deep is one :class:`SheetError`; a path that cannot be read, an
:class:`InvalidInput` naming ``'path'``.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

from ocop_workflow._files import FileFault, path_argument, read_limited, toml_table, utf8
from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring.catalogue import SHEETS
from ocop_workflow.scoring.checks import check_sheet
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
from ocop_workflow.scoring.problems import (
    SHEET_TOTAL,
    Problem,
    ProblemCollector,
    ProblemKind,
    SheetError,
    unreadable,
)
from ocop_workflow.validators import instance, shown

__all__ = [
    "FORMAT_VERSION",
    "load_sheet",
    "sheet_from_dict",
    "sheet_from_toml_text",
    "sheet_to_dict",
]

FORMAT_VERSION = 1
"""The ``format`` value of this library's TOML/JSON sheet files."""


_SHEET_KEYS = ("format", "number", "group", "sub_group", "gaps", "parts")
_PART_KEYS = ("letter", "title", "maximum", "groups")
_GROUP_KEYS = ("title", "maximum", "description", "criteria", "options", "min_star")
"""A group has ``criteria``, or (a direct group) ``options`` and maybe ``min_star``; a group that
mixes them is reported by its own checks, not as unknown keys."""
_CRITERION_KEYS = ("title", "maximum", "min_star", "description", "options")
_OPTION_KEYS = ("title", "points", "min_star")
_GAP_KEYS = ("code", "resolution", "given", "required", "note", "criteria")


def load_sheet(path: str | Path) -> ScoringSheet:
    """Read a ``.toml`` or ``.json`` sheet file strictly (:class:`SheetError` on any problem).

    A path that cannot be read, or a file over ``_files.MAX_FILE_BYTES``, is
    :class:`InvalidInput` naming ``'path'``; a file that is not UTF-8 TOML or JSON, a
    :class:`SheetError`.
    """
    source = path_argument(path)
    suffix = source.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InvalidInput(f"'path' must end in .toml or .json (got {str(source)!r})")
    try:
        data_bytes = read_limited(source)
    except FileFault as fault:
        raise InvalidInput(f"'path': sheet file {str(source)!r} {fault.reason}") from None
    try:
        text = utf8(data_bytes)
    except FileFault as fault:
        raise _unusable(str(source), fault) from None
    if suffix == ".toml":
        return sheet_from_toml_text(text, source=str(source))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problem = Problem(ProblemKind.STRUCTURE, f"not valid JSON: {error}", row=error.lineno)
        raise SheetError(str(source), (problem,)) from None
    except (ValueError, RecursionError) as error:  # an int of over 4300 digits, deep nesting
        raise unreadable(str(source), "usable JSON", error) from None
    return sheet_from_dict(data, source=str(source))


def sheet_from_toml_text(text: str, source: str = "<toml>") -> ScoringSheet:
    """Parse TOML text in this library's sheet format, strictly."""
    if not isinstance(text, str):
        raise InvalidInput(f"'text' must be TOML text, a str (got {shown(text)})")
    try:
        data = toml_table(text)
    except FileFault as fault:  # not TOML; an int of over 4300 digits; nested too deep
        raise _unusable(source, fault) from None
    return sheet_from_dict(data, source=source)


def _unusable(source: str, fault: FileFault) -> SheetError:
    """A file whose bytes are no usable text of the format ("not valid TOML: ...")."""
    return SheetError(source, (Problem(ProblemKind.STRUCTURE, fault.reason.removeprefix("is ")),))


def _unknown_keys(
    data: Mapping[str, object], known: tuple[str, ...], where: str, out: ProblemCollector
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


def _number(value: object, where: str, field: str, out: ProblemCollector) -> float | None:
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
            found=shown(value),
        )
        return None
    number = float(value)  # type: ignore[arg-type]  # _is_number: an int or a float
    if not 0 <= number <= SHEET_TOTAL:  # no part of a 100-point sheet is worth more
        out.add(
            ProblemKind.NOT_A_NUMBER,
            f"{field!r} must be from 0 to {SHEET_TOTAL:g} points",
            code=where,
            expected=f"a number from 0 to {SHEET_TOTAL:g}",
            found=repr(value),
        )
        return None
    return number


def _marker(value: object, where: str, out: ProblemCollector) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in MINIMUM_STARS:
        out.add(
            ProblemKind.BAD_STAR_MARKER,
            "'min_star' must be 3, 4 or 5",
            code=where,
            expected="3, 4 or 5",
            found=shown(value),
        )
        return None
    return int(value)


def _text(
    data: Mapping[str, object],
    key: str,
    where: str,
    out: ProblemCollector,
    default: str | None = None,
) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        out.add(
            ProblemKind.STRUCTURE,
            f"{key!r} must be a string",
            code=where,
            expected="a string",
            found="nothing" if value is None and key not in data else shown(value),
        )
        return ""
    return value


def _items(data: Mapping[str, object], key: str, where: str, out: ProblemCollector) -> list[object]:
    """The entries of the list ``data[key]`` (each still to be checked with :func:`_table`)."""
    value = data.get(key)
    if not isinstance(value, list | tuple) or not value:
        out.add(
            ProblemKind.STRUCTURE,
            f"{key!r} must be a non-empty list of tables",
            code=where,
            expected="a non-empty list",
            found=shown(value) if key in data else "nothing",
        )
        return []
    return list(value)


def _table(
    value: object, what: str, where: str, out: ProblemCollector
) -> Mapping[str, object] | None:
    """``value`` if it is a table (a mapping), else ``None`` and a problem naming ``where``."""
    if isinstance(value, Mapping):
        return value
    out.add(
        ProblemKind.STRUCTURE,
        f"{what} must be a table",
        code=where,
        expected="a table (mapping)",
        found=f"{type(value).__name__} {shown(value)}",
    )
    return None


def _options(data: Mapping[str, object], code: str, out: ProblemCollector) -> list[Option]:
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


def _criterion(data: Mapping[str, object], code: str, out: ProblemCollector) -> Criterion | None:
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


def _group(
    data: Mapping[str, object], letter: str, number: int, out: ProblemCollector
) -> Group | None:
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
            found=shown(data["min_star"]),
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


def _gaps(data: Mapping[str, object], out: ProblemCollector) -> list[Gap]:
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
            found=shown(entries),
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
                found=shown(resolution) if "resolution" in item else "nothing",
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
                found=shown(criteria),
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
                found=shown(dict(item)),
            )
    return gaps


def sheet_from_dict(data: Mapping[str, object], source: str = "<dict>") -> ScoringSheet:
    """Build a sheet from the parsed TOML/JSON structure, strictly (``docs/sheet-format.md``).

    Every problem is collected, including every key the format does not have (a misspelt key
    would not be read) and every entry that is not a table, and raised as one :class:`SheetError`.
    """
    out = ProblemCollector()
    if _table(data, "the top level", "sheet", out) is None:
        raise SheetError(source, tuple(out.problems))
    _unknown_keys(data, _SHEET_KEYS, "sheet", out)
    if data.get("format") != FORMAT_VERSION:
        out.add(
            ProblemKind.STRUCTURE,
            "unknown 'format'",
            code="sheet",
            expected=str(FORMAT_VERSION),
            found=shown(data.get("format")),
        )
    number = data.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number not in SHEETS:
        out.add(
            ProblemKind.STRUCTURE,
            "'number' must be a sheet number",
            code="sheet",
            expected="1 to 26",
            found=shown(number),
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
                found=shown(letter) if "letter" in part_data else "nothing",
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


def sheet_to_dict(sheet: ScoringSheet) -> dict[str, object]:
    """``sheet`` as the structure :func:`sheet_from_dict` reads (JSON-ready, TOML-shaped)."""
    instance(sheet, ScoringSheet, "sheet")
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
