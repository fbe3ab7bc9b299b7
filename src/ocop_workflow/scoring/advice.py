"""The upgrade advisor: the cheapest option changes that raise a product's final star by one.

Definition (what "cheapest" means). The final star is the band of the total capped by the per-star
minimums (facts page section 3). To gain one star, ``target = stars + 1``:

1. every minimum that blocks ``target`` must be met: the criterion is raised to its cheapest
   option worth the required points (these changes are forced);
2. then, if the total is still under the target band's lowest score (section 2), further options
   are raised.

Among all sets of changes that do both, the advisor picks the one that adds the **fewest points
to the total** (the smallest improvement, in the sheet's own unit of effort), breaking ties by
the **fewest criteria changed** (remaining ties are broken deterministically). The search is exact
(a multiple-choice knapsack over point sums, computed with exact fractions).

For a council, a change describes the product, so it applies to every member's answers: a member
who already chose an option worth at least as much keeps it. Points added are counted on the
council's mean. A forced change is made whenever the council's policy judges the minimum unmet.

No advice (``None``) at 5 stars, or when no set of changes can reach the next star (a criterion
mandatory for it earns no points in any option, or even the best options fall short of the band).
Points are assumed to be whole or half points, as on every real sheet, so that the float totals the
evaluator computes agree with the exact sums the search uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import RECOGNISED_STARS, StarBands
from ocop_workflow.scoring.council import Agreement, minimum_met
from ocop_workflow.scoring.evaluation import Answers, UnmetMinimum, answers_error
from ocop_workflow.scoring.model import Criterion, ScoringSheet
from ocop_workflow.scoring.problems import fmt_points

__all__ = ["Advice", "Change", "advise"]


@attrs.frozen
class Change:
    """Raise one criterion to option ``to_option``.

    ``gain`` is what the change adds to the total (for a council: to the mean), ``from_points``
    what the criterion earns now (a council's mean). ``minimum_star`` is the star whose minimum the
    change meets, or ``None`` when it is made for points only.
    """

    code: str
    title: str
    to_option: int
    to_title: str
    to_points: float
    from_points: float
    gain: float
    minimum_star: int | None

    def __str__(self) -> str:
        why = f"meets the {self.minimum_star}★ minimum" if self.minimum_star else "adds points"
        return (
            f"{self.code} {self.title!r}: reach option {self.to_option} {self.to_title!r} "
            f"({fmt_points(self.to_points)} points, +{fmt_points(round(self.gain, 2))}); {why}"
        )


@attrs.frozen
class Advice:
    """What a producer needs to gain one star: the minimums to meet, the points missing, and the
    cheapest set of option changes that achieves both (see the module's definition).

    Iterating yields the :class:`Change` records in sheet order.
    """

    sheet: ScoringSheet = attrs.field(repr=False)
    current_stars: int
    target: int
    minimums: tuple[UnmetMinimum, ...]
    points_missing: float
    changes: tuple[Change, ...]

    @property
    def gain(self) -> float:
        """Points the changes add to the total, all together."""
        return math.fsum(c.gain for c in self.changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def apply(self, answers: Answers) -> dict[str, int | None]:
        """``answers`` (one member's) with every change applied; an answer already worth at least
        the change's option is kept, as the advice describes the product, not a member.

        ``answers`` must be valid for the advice's sheet, as :meth:`ScoringSheet.evaluate` requires
        (:class:`~ocop_workflow.errors.InvalidInput` naming what is wrong otherwise).
        """
        problem = answers_error(self.sheet, answers)
        if problem is not None:
            raise problem
        result = dict(answers)
        for change in self.changes:
            current = result.get(change.code)
            options = self.sheet.criterion(change.code).options
            if current is None or options[current].points < change.to_points:
                result[change.code] = change.to_option
        return result

    def __str__(self) -> str:
        lines = [f"To reach {self.target}★ (now {self.current_stars}★):"]
        if self.minimums:
            lines.append("  minimums to meet:")
            lines.extend(f"    - {m}" for m in self.minimums)
        if self.points_missing > 0:
            lines.append(f"  points missing: {fmt_points(round(self.points_missing, 2))}")
        lines.append(
            f"  cheapest changes ({len(self.changes)}, +{fmt_points(round(self.gain, 2))} points):"
        )
        lines.extend(f"    - {c}" for c in self.changes)
        return "\n".join(lines)


def advise(
    sheet: ScoringSheet,
    answer_sets: Iterable[Answers],
    stars: int,
    bands: StarBands,
    agreement: Agreement = Agreement.MAJORITY,
) -> Advice | None:
    """The cheapest changes that lift ``stars`` (the current final star) by one; see the module.

    ``answer_sets`` holds one answer mapping per council member (one for a single evaluation),
    each valid for ``sheet``; ``stars`` is 1 to 5. A bad argument is
    :class:`~ocop_workflow.errors.InvalidInput` naming it.
    """
    answer_sets = _checked(sheet, answer_sets, stars, bands, agreement)
    if stars >= 5:
        return None
    target = stars + 1
    criteria = sheet.criteria
    count = len(answer_sets)
    # Member points per criterion, as exact fractions; None (no option applies) earns 0.
    matrix = [_points_now(criterion, answer_sets) for criterion in criteria]

    chosen: dict[int, int] = {}  # criterion position -> option index to reach
    reasons: dict[int, int] = {}  # criterion position -> star whose minimum forces it
    blocking: list[UnmetMinimum] = []
    for position, criterion in enumerate(criteria):
        need = criterion.requirement(target)
        if not need:
            continue
        if minimum_met([float(p) for p in matrix[position]], need, agreement):
            continue
        option = criterion.lowest_option_reaching(need)
        if option is None:
            return None  # facts page section 3: mandatory, yet no option earns points
        star = min(s for s in RECOGNISED_STARS if criterion.requirement(s) >= need)
        chosen[position] = option
        reasons[position] = star
        matrix[position] = [
            max(p, Fraction(criterion.options[option].points)) for p in matrix[position]
        ]
        blocking.append(
            UnmetMinimum(
                star=star,
                code=criterion.code,
                title=criterion.title,
                required_points=need,
                required_option=option,
                chosen=answer_sets[0][criterion.code] if count == 1 else None,
                chosen_points=float(sum(_points_now(criterion, answer_sets)) / count),
                met_by=sum(1 for p in _points_now(criterion, answer_sets) if p >= need),
                members=count,
            )
        )

    # Work on sums over members: the council's mean reaches the threshold exactly when the sum of
    # the members' totals reaches count * threshold.
    threshold = Fraction(bands.lowest_score(target))
    current_sum = sum((sum(row) for row in matrix), Fraction(0))
    missing = threshold * count - current_sum
    extra: dict[int, int] = {}
    if missing > 0:
        picks = _cheapest_raise(sheet, matrix, missing)
        if picks is None:
            return None
        extra = dict(picks)
    chosen.update(extra)

    original = [sum(_points_now(c, answer_sets), Fraction(0)) for c in criteria]
    start_total = sum(original, Fraction(0)) / count
    changes = []
    for position in sorted(chosen):
        criterion = criteria[position]
        option = chosen[position]
        target_points = Fraction(criterion.options[option].points)
        after = sum(
            (max(p, target_points) for p in _points_now(criterion, answer_sets)), Fraction(0)
        )
        changes.append(
            Change(
                code=criterion.code,
                title=criterion.title,
                to_option=option,
                to_title=criterion.options[option].title,
                to_points=criterion.options[option].points,
                from_points=float(original[position] / count),
                gain=float((after - original[position]) / count),
                minimum_star=reasons.get(position),
            )
        )
    return Advice(
        sheet=sheet,
        current_stars=stars,
        target=target,
        minimums=tuple(blocking),
        points_missing=float(max(Fraction(0), threshold - start_total)),
        changes=tuple(changes),
    )


def _checked(
    sheet: object, answer_sets: object, stars: object, bands: object, agreement: object
) -> tuple[Answers, ...]:
    """:func:`advise`'s arguments checked; the member answers as a tuple."""
    if not isinstance(sheet, ScoringSheet):
        raise InvalidInput(f"'sheet' must be a ScoringSheet (got {sheet!r})")
    if type(stars) is not int or not 1 <= stars <= 5:
        raise InvalidInput(f"'stars' must be a star from 1 to 5 (got {stars!r})")
    if not isinstance(bands, StarBands):
        raise InvalidInput(f"'bands' must be a StarBands (got {bands!r})")
    if not isinstance(agreement, Agreement):
        raise InvalidInput(f"'agreement' must be an Agreement (got {agreement!r})")
    if isinstance(answer_sets, Mapping | str | bytes) or not isinstance(answer_sets, Iterable):
        raise InvalidInput(
            f"'answer_sets' must be one answer mapping per member (got {answer_sets!r})"
        )
    sets = tuple(answer_sets)
    if not sets:
        raise InvalidInput("'answer_sets' must be one answer mapping per member (got none)")
    for position, answers in enumerate(sets):
        problem = answers_error(sheet, answers)
        if problem is not None:
            raise InvalidInput(f"'answer_sets' member {position}: {problem}")
    return sets


def _points_now(criterion: Criterion, answer_sets: Sequence[Answers]) -> list[Fraction]:
    """Each member's points on ``criterion`` as exact fractions (``None`` earns 0)."""
    out = []
    for answers in answer_sets:
        choice = answers[criterion.code]
        out.append(Fraction(0) if choice is None else Fraction(criterion.options[choice].points))
    return out


def _cheapest_raise(
    sheet: ScoringSheet, matrix: list[list[Fraction]], missing: Fraction
) -> tuple[tuple[int, int], ...] | None:
    """Option raises adding at least ``missing`` (summed over members) at the least cost.

    Cost is (points added, criteria changed); a multiple-choice knapsack over reachable sums. A
    state whose sum reaches ``missing`` is finished and never extended, so every kept state is
    under ``missing`` and their number is bounded by the distinct sums below it.
    """
    open_states: dict[Fraction, tuple[int, tuple[tuple[int, int], ...]]] = {Fraction(0): (0, ())}
    done: dict[Fraction, tuple[int, tuple[tuple[int, int], ...]]] = {}
    for position, criterion in enumerate(sheet.criteria):
        choices: dict[Fraction, int] = {}
        for index, option in enumerate(criterion.options):
            worth = Fraction(option.points)
            gain = sum((worth - p for p in matrix[position] if worth > p), Fraction(0))
            if gain > 0 and gain not in choices:
                choices[gain] = index
        if not choices:
            continue
        grown = dict(open_states)
        for reached, (changed, picks) in open_states.items():
            for gain, index in choices.items():
                total = reached + gain
                candidate = (changed + 1, (*picks, (position, index)))
                table = done if total >= missing else grown
                best = table.get(total)
                if best is None or candidate[0] < best[0]:
                    table[total] = candidate
        open_states = grown
    if not done:
        return None
    cheapest = min(done, key=lambda total: (total, done[total][0]))
    return done[cheapest][1]
