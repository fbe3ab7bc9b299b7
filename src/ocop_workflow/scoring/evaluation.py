"""Scoring one set of answers on a sheet: points, parts, total, band, minimums and final star.

Facts page section 3: the final star is the band of the total (section 2), capped by the highest
star whose per-star minimums are all met.
"""

from __future__ import annotations

import functools
import math
import operator
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import StarBands
from ocop_workflow.scoring.model import MINIMUM_STARS, Criterion, Gap, ScoringSheet
from ocop_workflow.scoring.problems import fmt_points

if TYPE_CHECKING:
    from ocop_workflow.scoring.advice import Advice

__all__ = [
    "Answers",
    "SheetResult",
    "UnmetMinimum",
    "answers_error",
    "evaluate",
    "minimum_stars_of",
]

Answers = Mapping[str, int | None]
"""Criterion code -> chosen option index (0-based, sheet order), or ``None`` for "no option
applies" (0 points; fails any minimum on that criterion)."""

_ANSWER_TYPES = frozenset({int, type(None)})


@attrs.frozen
class UnmetMinimum:
    """A per-star minimum that an evaluation does not meet.

    ``required_points`` is the fewest points the criterion needs for ``star``; ``required_option``
    is the cheapest option worth that much (``None`` if no option is). ``chosen`` is the chosen
    option index (``None`` for "no option applies"), worth ``chosen_points``. For a council,
    ``chosen`` is ``None``, ``chosen_points`` is the members' mean, and ``met_by`` of ``members``
    met the minimum.
    """

    star: int
    code: str
    title: str
    required_points: float
    required_option: int | None
    chosen: int | None
    chosen_points: float
    met_by: int = 0
    members: int = 1

    @classmethod
    def blocking(
        cls,
        criterion: Criterion,
        star: int,
        *,
        chosen: int | None,
        chosen_points: float,
        met_by: int = 0,
        members: int = 1,
    ) -> UnmetMinimum:
        """The record of ``criterion``'s ``star`` minimum left unmet by ``chosen_points``."""
        need = criterion.requirement(star)
        return cls(
            star=star,
            code=criterion.code,
            title=criterion.title,
            required_points=need,
            required_option=criterion.lowest_option_reaching(need),
            chosen=chosen,
            chosen_points=chosen_points,
            met_by=met_by,
            members=members,
        )

    def __str__(self) -> str:
        need = (
            f"option {self.required_option} ({fmt_points(self.required_points)} points)"
            if self.required_option is not None
            else f"{fmt_points(self.required_points)} points"
        )
        if self.members > 1:
            got = (
                f"met by {self.met_by} of {self.members} members, "
                f"mean {fmt_points(round(self.chosen_points, 2))} points"
            )
        elif self.chosen is None:
            got = "no option chosen (0 points)"
        else:
            got = f"chose option {self.chosen} ({fmt_points(self.chosen_points)} points)"
        return f"{self.star}★ needs {self.code} {self.title!r} at {need}; {got}"


def minimum_stars_of(unmet: Mapping[int, tuple[UnmetMinimum, ...]]) -> int:
    """The highest star whose minimums (and every lower star's) are all met.

    When even the 3-star minimums fail the answer is 2: the product cannot be recognised
    (facts page section 2) and the total's band decides between 1 and 2 stars.
    """
    for star in MINIMUM_STARS:
        if unmet[star]:
            return star - 1
    return MINIMUM_STARS[-1]


@attrs.frozen
class SheetResult:
    """The evaluation of one set of answers on one sheet.

    ``points`` maps each criterion code to its points, ``parts`` each part letter to its points,
    ``total`` is their sum. ``band_stars`` is the total's star band, ``minimum_stars`` the highest
    star whose minimums are all met (2 when the 3-star minimums fail), ``stars`` the lower of the
    two. ``unmet[star]`` (for 3, 4 and 5) lists every minimum that blocks ``star``, including the
    lower stars' ones, since markers are cumulative. Its records are built on first access: most
    callers only need the star, and scoring many dossiers should not pay for explanations.
    """

    sheet: ScoringSheet = attrs.field(repr=False)
    _choices: tuple[int | None, ...] = attrs.field(repr=False)
    """The chosen option of each criterion, in sheet order."""
    parts: Mapping[str, float]
    total: float
    band_stars: int
    minimum_stars: int
    stars: int
    bands: StarBands = attrs.field(repr=False)
    _values: tuple[float, ...] = attrs.field(repr=False)
    """The points of each criterion, in sheet order."""

    @property
    def answers(self) -> Mapping[str, int | None]:
        """Criterion code -> chosen option index (or ``None``), in sheet order: a read-only copy
        of what was evaluated."""
        return types.MappingProxyType(dict(zip(self.sheet.codes, self._choices, strict=True)))

    @functools.cached_property
    def points(self) -> Mapping[str, float]:
        """Criterion code -> points earned, in sheet order."""
        return types.MappingProxyType(dict(zip(self.sheet.codes, self._values, strict=True)))

    @functools.cached_property
    def unmet(self) -> Mapping[int, tuple[UnmetMinimum, ...]]:
        """Star (3, 4, 5) -> the minimums that block it, in sheet order."""
        found: dict[int, list[UnmetMinimum]] = {3: [], 4: [], 5: []}
        for criterion, choice, got in zip(
            self.sheet.criteria, self._choices, self._values, strict=True
        ):
            for star in MINIMUM_STARS:
                if got < criterion.requirement(star):
                    found[star].append(
                        UnmetMinimum.blocking(criterion, star, chosen=choice, chosen_points=got)
                    )
        return types.MappingProxyType({star: tuple(items) for star, items in found.items()})

    @property
    def sheet_number(self) -> int:
        """The sheet's number (1-26)."""
        return self.sheet.number

    @property
    def part_maxima(self) -> dict[str, float]:
        """The sheet's part maxima, by letter (what a regime checks; see ``ScoreResult``)."""
        return self.sheet.part_maxima

    @property
    def answer_sets(self) -> tuple[Mapping[str, int | None], ...]:
        """The one member's answers, as the workflow keeps them (see ``ScoreResult``)."""
        return (self.answers,)

    @property
    def agreement(self) -> None:
        """A single evaluation has no council agreement (see ``ScoreResult``)."""
        return None

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """What the sheet's sources leave open (its declared gaps): when not empty, this result
        rests on a sheet with an unconfirmed part (facts page section 3)."""
        return self.sheet.gaps

    def advice(self) -> Advice | None:
        """The cheapest option changes that raise ``stars`` by one; ``None`` at 5 stars or when no
        change can. See :func:`ocop_workflow.scoring.advice.advise`."""
        from ocop_workflow.scoring.advice import advise

        return advise(self.sheet, (self.answers,), self.stars, self.bands)


def answers_error(sheet: ScoringSheet, answers: object) -> InvalidInput | None:
    """The error naming what is wrong with ``answers`` for ``sheet``, or ``None`` if they are valid:
    a mapping with one answer per criterion, each an option index (an ``int``, not a ``bool``) or
    ``None``. This is what :meth:`ScoringSheet.evaluate` accepts."""
    if not isinstance(answers, Mapping):
        return InvalidInput(
            f"'answers' must map criterion codes to option indexes (got {answers!r})"
        )
    known = sheet._compiled.index
    for code in answers:
        if not isinstance(code, str) or code not in known:
            return InvalidInput(f"sheet {sheet.number} has no criterion {code!r}")
    for code, criterion in zip(sheet.codes, sheet.criteria, strict=True):
        if code not in answers:
            return InvalidInput(f"criterion {code!r} is not answered")
        choice = answers[code]
        if choice is None:
            continue
        count = len(criterion.options)
        # Exactly int, as the fast path requires: True is not option 1, nor is an IntEnum member.
        if type(choice) is not int or not 0 <= choice < count:
            return InvalidInput(
                f"answer to {code!r} must be an option index from 0 to {count - 1} or None "
                f"(got {choice!r})"
            )
    return None


def _explain_bad_answers(sheet: ScoringSheet, answers: Answers) -> InvalidInput:
    """The precise error for answers that failed the fast path."""
    found = answers_error(sheet, answers)
    if found is not None:
        return found
    return InvalidInput(f"'answers' are not valid for sheet {sheet.number} (got {answers!r})")


def evaluate(sheet: ScoringSheet, answers: Answers, bands: StarBands) -> SheetResult:
    """Score ``answers`` on ``sheet`` (see :meth:`ScoringSheet.evaluate`, which checks ``bands``
    and is the way to call this: the answers are checked here, the other arguments are not)."""
    compiled = sheet._compiled
    # The fast path: exact types (bool is refused: True is not an option index), one answer per
    # criterion, and every index found in its criterion's table; anything else is explained.
    try:
        if len(answers) != len(compiled.codes) or not _ANSWER_TYPES.issuperset(
            map(type, answers.values())
        ):
            raise _explain_bad_answers(sheet, answers)
        choices = compiled.pick_answers(answers)
        points = tuple(map(operator.getitem, compiled.points, choices))
    except (KeyError, TypeError, AttributeError):
        raise _explain_bad_answers(sheet, answers) from None
    parts = {letter: math.fsum(points[part]) for letter, part in compiled.part_slices}
    total = math.fsum(parts.values())
    # Facts page section 3: the lowest star with an unmet minimum caps the final star just below
    # it. Requirements are cumulative, so the stars are tried from 3 up (comparisons at C speed).
    marked = compiled.pick_marked(points)
    need3, need4, need5 = compiled.needs
    if any(map(operator.lt, marked, need3)):
        minimum = 2
    elif any(map(operator.lt, marked, need4)):
        minimum = 3
    elif any(map(operator.lt, marked, need5)):
        minimum = 4
    else:
        minimum = 5
    band = bands.stars(total)
    # Positional, in field order: keyword passing costs a measurable share of an evaluation.
    return SheetResult(
        sheet,
        choices,
        types.MappingProxyType(parts),
        total,
        band,
        minimum,
        min(band, minimum),
        bands,
        points,
    )
