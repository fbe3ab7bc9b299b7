"""Problems found in a sheet's definition, and the error a strict load raises with all of them.

A sheet transcription can be wrong in many places at once (facts page section 3: the coffee
sheet's Part C adds up to 33, not 35). Each problem is a record saying where (a row of the file
and/or a code), what was expected and what was found, so that a person can fix the file in one pass.
"""

from __future__ import annotations

import enum
import math

import attrs

from ocop_workflow.errors import InvalidInput

__all__ = [
    "SHEET_TOTAL",
    "Problem",
    "ProblemCollector",
    "ProblemKind",
    "SheetError",
    "fmt_points",
    "unreadable",
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


class ProblemCollector:
    """Problems found while reading or checking a sheet, in the order found: every reader and
    check adds to one, so that a person sees them all at once."""

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
        """Record one problem."""
        self.problems.append(Problem(kind, message, row, code, expected, found))


def unreadable(source: str, what: str, error: object) -> SheetError:
    """The error for a file whose bytes are not a text in the expected format (``what``)."""
    return SheetError(source, (Problem(ProblemKind.STRUCTURE, f"not {what}: {error}"),))
