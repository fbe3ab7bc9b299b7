"""Problems found in a sheet's definition, and the error a strict load raises with all of them.

A sheet transcription can be wrong in many places at once (facts page section 3: the coffee
sheet's Part C adds up to 33, not 35). Each problem is a record saying where (a row of the file
and/or a code), what was expected and what was found, so that a person can fix the file in one pass.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from ocop_workflow.errors import InvalidInput

if TYPE_CHECKING:
    from ocop_workflow.scoring.model import ScoringSheet

__all__ = ["SHEET_TOTAL", "Problem", "ProblemKind", "SheetError", "check_sheet", "fmt_points"]

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
    """Every arithmetic inconsistency of ``sheet``'s declared maxima, in sheet order.

    ``rows`` maps a label (part letter ``"C"``, group ``"C.6"``, criterion code ``"C.6.3"``) to
    the file row it came from, so that problems can name it. Checked (facts page section 3):
    parts add up to 100; each part's groups add up to the part; each group's criteria add up to
    the group; no option is worth more than its criterion; some option reaches the criterion's
    maximum (a criterion's maximum is its best option).
    """
    rows = rows or {}
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
