"""Problems found in a sheet's definition, and the error a strict load raises with all of them.

A sheet transcription can be wrong in many places at once (facts page section 3: the coffee
sheet's Part C adds up to 33, not 35). Each problem is a record saying where (a row of the file
and/or a code), what was expected and what was found, so that a person can fix the file in one pass.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias

import attrs

from ocop_workflow.errors import InvalidInput

if TYPE_CHECKING:
    from ocop_workflow.scoring.model import Criterion, Gap, Group, Option, Part, ScoringSheet

    _Node: TypeAlias = Part | Group | Criterion | Option

__all__ = [
    "SHEET_TOTAL",
    "Problem",
    "ProblemKind",
    "SheetError",
    "check_gaps",
    "check_sheet",
    "fmt_points",
]

SHEET_TOTAL = 100.0
"""Every sheet's parts add up to 100 points (facts page section 3: A 40 + B 25 + C 35)."""


class ProblemKind(enum.Enum):
    """What is wrong."""

    SUM_MISMATCH = "sum_mismatch"
    """The children's maxima do not add up to the parent's maximum."""
    PARTS_TOTAL = "parts_total"
    """The parts' maxima do not add up to 100."""
    OPTION_ABOVE_MAXIMUM = "option_above_maximum"
    """An option is worth more than its criterion's maximum."""
    MAXIMUM_UNREACHABLE = "maximum_unreachable"
    """No option reaches the criterion's maximum."""
    BAD_STAR_MARKER = "bad_star_marker"
    """A star marker that is not 3, 4 or 5, sits where markers mean nothing, or disagrees with the
    asterisks in the title."""
    DUPLICATE_CODE = "duplicate_code"
    """A code (or a group number written in a title) is used twice or is not its position's."""
    NOT_A_NUMBER = "not_a_number"
    """A cell that must hold a number does not."""
    MISSING_MAXIMUM = "missing_maximum"
    """A part, group or criterion has no maximum."""
    UNKNOWN_KEY = "unknown_key"
    """A key of a sheet file (or a column of an outline CSV) that the format does not have: it is
    not read, so a misspelt ``min_stars`` would otherwise silently drop a per-star minimum."""
    GAP_MISMATCH = "gap_mismatch"
    """A declared gap that does not match the sheet: nothing at its code, a value other than its
    ``required``, children that do not give its ``given``, or a code declared twice."""
    STRUCTURE = "structure"
    """A row or entry that does not fit the tree (an option outside a criterion, an empty group,
    an unknown level, a missing field)."""


def fmt_points(value: float) -> str:
    """Points as people write them: ``5`` rather than ``5.0``, ``2.5`` stays ``2.5``."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


@attrs.frozen
class Problem:
    """One problem: where it is (``row`` of the file, 1 = header, and/or ``code``), what kind,
    what was expected and what was found."""

    kind: ProblemKind
    message: str
    row: int | None = None
    code: str | None = None
    expected: str | None = None
    found: str | None = None

    @property
    def where(self) -> str:
        """``"row 99 (C)"``, ``"row 12"``, ``"C.6.3"`` or ``"sheet"``."""
        if self.row is not None and self.code is not None:
            return f"row {self.row} ({self.code})"
        if self.row is not None:
            return f"row {self.row}"
        return self.code or "sheet"

    def __str__(self) -> str:
        detail = ""
        if self.expected is not None or self.found is not None:
            detail = f" (expected {self.expected}, found {self.found})"
        return f"{self.where}: {self.message}{detail}"


class SheetError(InvalidInput):
    """A sheet definition has problems; ``problems`` lists every one, in file order."""

    def __init__(self, source: str, problems: tuple[Problem, ...]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        count = len(problems)
        super().__init__(f"{source}: {count} problem{'s' if count != 1 else ''}\n{lines}")


def _sum_problem(
    label: str, what: str, declared: float, children: list[float], rows: Mapping[str, int]
) -> Problem | None:
    found = math.fsum(children)
    if math.isclose(found, declared, abs_tol=1e-9):
        return None
    return Problem(
        ProblemKind.SUM_MISMATCH,
        f"the maxima of {what} add up to {fmt_points(found)}, not to {label}'s "
        f"{fmt_points(declared)}",
        row=rows.get(label),
        code=label,
        expected=fmt_points(declared),
        found=fmt_points(found),
    )


def check_sheet(sheet: ScoringSheet, rows: Mapping[str, int] | None = None) -> tuple[Problem, ...]:
    """Every arithmetic inconsistency of ``sheet``'s declared maxima that its gaps do not declare,
    in sheet order, then every gap declaration that does not match the sheet (see
    :func:`check_gaps`).

    ``rows`` maps a label (part letter ``"C"``, group ``"C.6"``, criterion code ``"C.6.3"``) to
    the file row it came from, so that problems can name it. Checked (facts page section 3):
    parts add up to 100; each part's groups add up to the part; each group's criteria add up to
    the group; no option is worth more than its criterion; some option reaches the criterion's
    maximum (a criterion's maximum is its best option).
    """
    found = _arithmetic(sheet, rows or {})
    if not sheet.gaps:
        return found
    return check_gaps(sheet, found)


def _arithmetic(sheet: ScoringSheet, rows: Mapping[str, int]) -> tuple[Problem, ...]:
    """Every arithmetic inconsistency of the declared maxima, gaps not considered."""
    found: list[Problem] = []
    for part in sheet.parts:
        problem = _sum_problem(
            part.letter,
            f"part {part.letter}'s groups",
            part.maximum,
            [g.maximum for g in part.groups],
            rows,
        )
        if problem:
            found.append(problem)
        for group in part.groups:
            label = f"{part.letter}.{group.number}"
            if not group.direct:
                problem = _sum_problem(
                    label,
                    f"group {label}'s criteria",
                    group.maximum,
                    [c.maximum for c in group.criteria],
                    rows,
                )
                if problem:
                    found.append(problem)
            for criterion in group.criteria:
                row = rows.get(criterion.code)
                for index, option in enumerate(criterion.options):
                    if option.points > criterion.maximum + 1e-9:
                        found.append(
                            Problem(
                                ProblemKind.OPTION_ABOVE_MAXIMUM,
                                f"option {index} of {criterion.code} is worth more than the "
                                "criterion's maximum",
                                row=rows.get(f"{criterion.code}/{index}", row),
                                code=criterion.code,
                                expected=f"at most {fmt_points(criterion.maximum)}",
                                found=fmt_points(option.points),
                            )
                        )
                if criterion.best < criterion.maximum - 1e-9:
                    found.append(
                        Problem(
                            ProblemKind.MAXIMUM_UNREACHABLE,
                            f"no option of {criterion.code} reaches its maximum",
                            row=row,
                            code=criterion.code,
                            expected=fmt_points(criterion.maximum),
                            found=f"best option {fmt_points(criterion.best)}",
                        )
                    )
                for star in (3, 4, 5):
                    if math.isinf(criterion.requirement(star)):
                        found.append(
                            Problem(
                                ProblemKind.BAD_STAR_MARKER,
                                f"{criterion.code} is mandatory for {star} stars but no option "
                                "earns points",
                                row=row,
                                code=criterion.code,
                                expected="an option worth more than 0",
                                found="none",
                            )
                        )
                        break
    total = sheet.maximum
    if not math.isclose(total, SHEET_TOTAL, abs_tol=1e-9):
        found.append(
            Problem(
                ProblemKind.PARTS_TOTAL,
                "the parts' maxima do not add up to 100",
                code="sheet",
                expected=fmt_points(SHEET_TOTAL),
                found=fmt_points(total),
            )
        )
    return tuple(found)


def _nodes(sheet: ScoringSheet) -> dict[str, _Node]:
    """Every place a gap can name: ``"C"``, ``"C.6"``, ``"C.6.4"`` and ``"C.6.4/0"``."""
    found: dict[str, _Node] = {}
    for part in sheet.parts:
        found[part.letter] = part
        for group in part.groups:
            found[f"{part.letter}.{group.number}"] = group
            for criterion in group.criteria:
                found[criterion.code] = criterion
                for index, option in enumerate(criterion.options):
                    found[f"{criterion.code}/{index}"] = option
    return found


def _declared_value(node: _Node) -> float:
    from ocop_workflow.scoring.model import Option

    return node.points if isinstance(node, Option) else node.maximum


def _held(node: _Node) -> float | None:
    """What a part, group or criterion holds: its children's maxima, or its best option."""
    from ocop_workflow.scoring.model import Criterion, Group, Part

    if isinstance(node, Part):
        return math.fsum(g.maximum for g in node.groups)
    if isinstance(node, Group):
        return math.fsum(c.maximum for c in node.criteria)
    if isinstance(node, Criterion):
        return node.best
    return None


def _mismatch(gap: Gap, message: str, expected: str, found: str) -> Problem:
    return Problem(
        ProblemKind.GAP_MISMATCH,
        f"declared {gap.resolution.value} gap: {message}",
        code=gap.code,
        expected=expected,
        found=found,
    )


def _gap_problem(gap: Gap, node: _Node | None, nodes: Mapping[str, _Node]) -> Problem | None:
    """Why ``gap`` does not match the sheet, or ``None`` when it does."""
    from ocop_workflow.scoring.model import Criterion, GapResolution, Group, Part

    resolution = gap.resolution
    if node is None:
        return _mismatch(
            gap, "the sheet has nothing at this code", "a part, group, criterion or option", "none"
        )
    value = _declared_value(node)
    if not math.isclose(value, gap.required, abs_tol=1e-9):
        return _mismatch(
            gap,
            "the sheet declares another value here",
            fmt_points(gap.required),
            fmt_points(value),
        )
    if resolution is GapResolution.INFERRED:
        return None
    if resolution is GapResolution.ONE_OF:
        if not isinstance(node, Group) or len(node.criteria) != 1:
            return _mismatch(
                gap,
                "alternatives are merged into one criterion of a group",
                "a group with one criterion",
                type(node).__name__.lower(),
            )
        return None
    held = _held(node)
    if held is None:  # an option: the gap's own checks refuse this code for these resolutions
        return _mismatch(gap, "an option holds nothing", "a part, group or criterion", "option")
    if resolution is GapResolution.SHORTFALL:
        if not math.isclose(held, gap.given or 0.0, abs_tol=1e-9):
            return _mismatch(
                gap,
                "what the sheet holds here is not what the gap says the source gives",
                fmt_points(gap.given or 0.0),
                fmt_points(held),
            )
        return None
    # ASSUMED: the added criteria sit under the code and make up the difference exactly.
    if not isinstance(node, Part | Group):
        return _mismatch(
            gap, "criteria are added to a part or a group", "a part or group", "criterion"
        )
    prefix = gap.code + "."
    added = []
    for code in gap.criteria:
        criterion = nodes.get(code)
        if not isinstance(criterion, Criterion) or not code.startswith(prefix):
            return _mismatch(
                gap,
                f"assumed criterion {code} is not in {gap.code}",
                f"a criterion of {gap.code}",
                "none",
            )
        added.append(criterion.maximum)
    without = held - math.fsum(added)
    if not math.isclose(without, gap.given or 0.0, abs_tol=1e-9):
        return _mismatch(
            gap,
            "without the assumed criteria the sheet does not hold what the source gives",
            fmt_points(gap.given or 0.0),
            fmt_points(without),
        )
    return None


def _declared_by(problem: Problem, gaps: Mapping[str, Gap]) -> bool:
    """Whether ``problem`` is the arithmetic a matching shortfall gap declares."""
    from ocop_workflow.scoring.model import GapResolution

    gap = gaps.get(problem.code or "")
    if gap is None or gap.resolution is not GapResolution.SHORTFALL:
        return False
    if problem.kind is ProblemKind.SUM_MISMATCH:
        return problem.expected == fmt_points(gap.required) and problem.found == fmt_points(
            gap.given or 0.0
        )
    if problem.kind is ProblemKind.MAXIMUM_UNREACHABLE:
        return problem.expected == fmt_points(gap.required)
    return False


def check_gaps(sheet: ScoringSheet, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """``problems`` (the sheet's arithmetic) without what its gaps declare, then every gap that
    does not match the sheet.

    Facts page section 3: a gap is reported, never repaired silently. A declaration matches when
    the sheet has something at its code worth its ``required`` and, by resolution: a shortfall's
    children (or best option) give exactly its ``given`` (its sum or unreachable-maximum problem is
    then declared, not a problem); an assumed gap's ``criteria`` sit under its code and the rest
    gives exactly ``given``; alternatives made one (``one_of``) are a group of one criterion.
    """
    nodes = _nodes(sheet)
    matching: dict[str, Gap] = {}
    extra: list[Problem] = []
    for gap in sheet.gaps:
        if gap.code in matching:
            extra.append(_mismatch(gap, "the code is declared twice", "one gap per code", "two"))
            continue
        problem = _gap_problem(gap, nodes.get(gap.code), nodes)
        if problem is None:
            matching[gap.code] = gap
        else:
            extra.append(problem)
    kept = tuple(p for p in problems if not _declared_by(p, matching))
    return (*kept, *extra)
