"""A council's result: several members' evaluations of the same product on the same sheet.

Facts page section 2: the score is the council's average of its members' scores, so it can be
fractional (49.99 is 2 stars, 50.00 is 3 stars). Section 3's per-star minimums are judged per
criterion; how a council reaches a verdict on each is a :class:`CouncilPolicy`.
"""

from __future__ import annotations

import enum
import math
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import StarBands
from ocop_workflow.scoring.evaluation import (
    Answers,
    SheetResult,
    UnmetMinimum,
    minimum_stars_of,
)
from ocop_workflow.scoring.model import Gap, ScoringSheet

if TYPE_CHECKING:
    from ocop_workflow.scoring.advice import Advice

__all__ = [
    "Agreement",
    "CouncilPolicy",
    "CouncilResult",
    "evaluate_council",
    "minimum_met",
    "result_from_details",
]


class Agreement(enum.Enum):
    """When a per-star minimum counts as met by a council."""

    MAJORITY = "majority"
    """More than half of the members met it (a tie is not a majority: it counts as unmet)."""
    ALL = "all"
    """Every member met it."""
    MEAN_POINTS = "mean_points"
    """The members' mean points on the criterion reach the required points."""


def minimum_met(points: Sequence[float], need: float, agreement: Agreement) -> bool:
    """Whether members who gave ``points`` on one criterion meet a minimum of ``need`` points."""
    if not isinstance(agreement, Agreement):
        raise InvalidInput(f"'agreement' must be an Agreement (got {agreement!r})")
    if isinstance(need, bool) or not isinstance(need, int | float) or math.isnan(need):
        raise InvalidInput(f"'need' must be a number (got {need!r})")
    if (
        not isinstance(points, Sequence)
        or isinstance(points, str | bytes)
        or not all(isinstance(p, int | float) and not isinstance(p, bool) for p in points)
    ):
        raise InvalidInput(f"'points' must be a sequence of numbers (got {points!r})")
    if agreement is Agreement.MEAN_POINTS:
        return math.fsum(points) >= need * len(points)
    met = sum(1 for p in points if p >= need)
    if agreement is Agreement.ALL:
        return met == len(points)
    return 2 * met > len(points)


def _check_agreement(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Agreement):
        known = {a.value: a.name for a in Agreement}
        hint = (
            f"; use Agreement.{known[value]}" if isinstance(value, str) and value in known else ""
        )
        raise InvalidInput(
            f"{attribute.name!r} must be an Agreement such as Agreement.MAJORITY "
            f"(got {value!r}{hint})"
        )


def _check_bands(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, StarBands):
        raise InvalidInput(f"{attribute.name!r} must be a StarBands (got {value!r})")


@attrs.frozen
class CouncilPolicy:
    """How a council's star is decided from its members' evaluations.

    ``minimums`` defaults to :attr:`Agreement.MAJORITY`. Why: a council decides by vote, and a
    minimum is a yes/no question ("does the product have a certified quality system?"), so the
    verdict of most members is the council's verdict. ``ALL`` would let a single dissenting member
    veto a star that the rest of the council found earned; ``MEAN_POINTS`` would let one generous
    member lift a criterion that most members found unmet. A tie counts as unmet, because a
    certificate is granted only on positive evidence (provinces revoke certificates over exactly
    these minimums, facts page section 3).

    ``bands`` places the council's mean total in a star band (section 2).
    """

    minimums: Agreement = attrs.field(default=Agreement.MAJORITY, validator=_check_agreement)
    bands: StarBands = attrs.field(factory=StarBands, validator=_check_bands)


def _members_tuple(value: Iterable[SheetResult]) -> tuple[SheetResult, ...]:
    if isinstance(value, tuple):
        return value
    if not isinstance(value, Iterable):
        raise InvalidInput(f"'members' must be one or more SheetResult (got {value!r})")
    return tuple(value)


def _check_members(
    instance: CouncilResult, attribute: attrs.Attribute[object], value: object
) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(m, SheetResult) for m in value)
    ):
        raise InvalidInput(f"'members' must be one or more SheetResult (got {value!r})")
    first = value[0].sheet
    for position, member in enumerate(value):
        if member.sheet is not first and member.sheet != first:
            used = f"sheet {member.sheet.number}"
            if member.sheet.number == first.number:
                used = f"a different sheet {first.number} (not equal to member 0's)"
            raise InvalidInput(
                f"'members' must evaluate the same sheet: member {position} used {used}, "
                f"member 0 sheet {first.number}"
            )


def _check_policy(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, CouncilPolicy):
        raise InvalidInput(f"'policy' must be a CouncilPolicy (got {value!r})")


@attrs.frozen
class CouncilResult:
    """A council's evaluation: the mean of its members' totals, minimums judged by ``policy``.

    ``total`` is the mean of the members' totals; ``parts`` the mean of each part (their sum equals
    ``total`` up to float rounding). ``unmet[star]`` lists every minimum that blocks ``star`` under
    the policy (cumulative, like :class:`SheetResult`), each saying how many members met it.
    """

    members: tuple[SheetResult, ...] = attrs.field(
        converter=_members_tuple, validator=_check_members
    )
    policy: CouncilPolicy = attrs.field(factory=CouncilPolicy, validator=_check_policy)
    parts: Mapping[str, float] = attrs.field(init=False)
    total: float = attrs.field(init=False)
    band_stars: int = attrs.field(init=False)
    minimum_stars: int = attrs.field(init=False)
    stars: int = attrs.field(init=False)
    unmet: Mapping[int, tuple[UnmetMinimum, ...]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        count = len(self.members)
        sheet = self.sheet
        parts = {
            part.letter: math.fsum(m.parts[part.letter] for m in self.members) / count
            for part in sheet.parts
        }
        total = math.fsum(m.total for m in self.members) / count
        unmet: dict[int, list[UnmetMinimum]] = {3: [], 4: [], 5: []}
        for criterion in sheet.criteria:
            given = [m.points[criterion.code] for m in self.members]
            for star in (3, 4, 5):
                need = criterion.requirement(star)
                if need and not minimum_met(given, need, self.policy.minimums):
                    unmet[star].append(
                        UnmetMinimum.blocking(
                            criterion,
                            star,
                            chosen=None,
                            chosen_points=math.fsum(given) / count,
                            met_by=sum(1 for p in given if p >= need),
                            members=count,
                        )
                    )
        frozen = {star: tuple(items) for star, items in unmet.items()}
        band = self.policy.bands.stars(total)
        minimum = minimum_stars_of(frozen)
        values = {
            "parts": types.MappingProxyType(parts),
            "total": total,
            "band_stars": band,
            "minimum_stars": minimum,
            "stars": min(band, minimum),
            "unmet": types.MappingProxyType(frozen),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def sheet(self) -> ScoringSheet:
        """The sheet every member used."""
        return self.members[0].sheet

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
        """Each member's answers, as the workflow keeps them (see ``ScoreResult``)."""
        return tuple(m.answers for m in self.members)

    @property
    def agreement(self) -> str:
        """The policy's rule for per-star minimums, as the workflow keeps it."""
        return self.policy.minimums.value

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """What the sheet's sources leave open (its declared gaps), as on each member's result."""
        return self.sheet.gaps

    def advice(self) -> Advice | None:
        """The cheapest option changes (applied to every member's answers) that raise ``stars`` by
        one; ``None`` at 5 stars or when no change can. See
        :func:`ocop_workflow.scoring.advice.advise`."""
        from ocop_workflow.scoring.advice import advise

        return advise(
            self.sheet,
            tuple(m.answers for m in self.members),
            self.stars,
            self.policy.bands,
            self.policy.minimums,
        )


def evaluate_council(
    sheet: ScoringSheet, answer_sets: Iterable[Answers], policy: CouncilPolicy | None = None
) -> CouncilResult:
    """Evaluate each member's answers on ``sheet`` and combine them under ``policy``.

    ``answer_sets`` holds one answer mapping per member (a list, a tuple or any iterable of
    them); ``policy`` defaults to :class:`CouncilPolicy`'s defaults. A bad argument, or a member's
    bad answers (named by position), is :class:`~ocop_workflow.errors.InvalidInput`.
    """
    if not isinstance(sheet, ScoringSheet):
        raise InvalidInput(f"'sheet' must be a ScoringSheet (got {sheet!r})")
    if policy is None:
        policy = CouncilPolicy()
    elif not isinstance(policy, CouncilPolicy):
        raise InvalidInput(f"'policy' must be a CouncilPolicy or None (got {policy!r})")
    if isinstance(answer_sets, Mapping | str | bytes) or not isinstance(answer_sets, Iterable):
        raise InvalidInput(
            f"'answer_sets' must be one answer mapping per member (got {answer_sets!r})"
        )
    sets = tuple(answer_sets)
    if not sets:
        raise InvalidInput(f"'answer_sets' must be one answer mapping per member (got {sets!r})")
    members = []
    for position, answers in enumerate(sets):
        try:
            members.append(sheet.evaluate(answers, policy.bands))
        except InvalidInput as error:
            raise InvalidInput(f"'answer_sets' member {position}: {error}") from None
    return CouncilResult(tuple(members), policy)


def result_from_details(
    sheet: ScoringSheet, details: Mapping[str, object]
) -> SheetResult | CouncilResult:
    """The sheet or council result behind a score, evaluated again from what its history record
    keeps (``details["answers"]``, one mapping per member, and a council's ``agreement``; see
    :class:`ocop_workflow.ScoreResult`): a stored dossier shows its result again. ``sheet`` is
    the sheet it was scored on."""
    answers = details.get("answers") if isinstance(details, Mapping) else None
    if not isinstance(answers, Sequence):
        raise InvalidInput(
            f"'details' must be a score record's details with its 'answers' (got {details!r})"
        )
    agreement = details.get("agreement")
    if agreement is None and len(answers) == 1:
        return sheet.evaluate(answers[0])
    try:
        minimums = Agreement(agreement) if agreement is not None else Agreement.MAJORITY
    except ValueError:
        raise InvalidInput(f"'details.agreement' is not an Agreement (got {agreement!r})") from None
    return evaluate_council(sheet, answers, CouncilPolicy(minimums=minimums))
