"""Council sessions: who sits, who came, how far their totals may differ, and where they differ.

Facts page section 8 (reported, a provincial regulation of the 1048 era, Tây Ninh): members'
total scores for one product may differ by at most 10 points, and a session needs at least three
quarters of the members with the chair present. Both are provincial rules, so both are
parameters of :class:`CouncilRules`, and either can be turned off (``None``). A session result
(:class:`SessionResult`) is a :class:`~ocop_workflow.ScoreResult` that
:meth:`ocop_workflow.Workflow.score` accepts: a session that misses its quorum cannot score, a
spread beyond the limit blocks the score until members rescore (or, by the rules, is recorded as
a warning), and the score's history keeps who was present and the chair.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ocop_workflow.dates import to_date
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import Level
from ocop_workflow.scoring import CouncilPolicy, CouncilResult, ScoringSheet, evaluate_council
from ocop_workflow.scoring.council import Agreement
from ocop_workflow.scoring.evaluation import Answers
from ocop_workflow.validators import boolean, finite_real, iterable, member, shown, text

__all__ = [
    "Council",
    "CouncilRules",
    "CouncilSession",
    "CriterionDivergence",
    "Divergence",
    "OnSpread",
    "SessionResult",
    "session_from_details",
]


def _level(value: object) -> Level:
    return Level.parse(value)


def _on_spread(value: object) -> OnSpread:
    return member(OnSpread, value, "on_spread")


def _ids(value: object) -> tuple[str, ...]:
    ids = tuple(text(v, "members") for v in iterable(value, "members", "a sequence of ids"))
    if not ids or len(set(ids)) != len(ids):
        raise InvalidInput(f"'members' must be distinct ids, at least one (got {shown(ids)})")
    return ids


@attrs.frozen
class Council:
    """A council of ``level``: its ``members`` (ids, the chair among them), ``chair`` and
    ``secretary``, who records the session and may be a member too."""

    level: Level = attrs.field(converter=_level)
    chair: str = attrs.field(validator=lambda _, a, v: text(v, a.name))
    members: tuple[str, ...] = attrs.field(converter=_ids)
    secretary: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.level is Level.COMMUNE:
            raise InvalidInput("'level': the commune checks dossiers, it has no scoring council")
        if self.chair not in self.members:
            raise InvalidInput(f"'chair' {self.chair!r} must be one of the members")
        if self.secretary is not None and (text(self.secretary, "secretary") == self.chair):
            raise InvalidInput(f"'secretary' must not be the chair (got {self.secretary!r})")


class OnSpread(enum.Enum):
    """What a spread of members' totals beyond the limit does."""

    BLOCK = "block"
    """The session cannot score until members rescore."""
    WARN = "warn"
    """The score is recorded with a warning."""


def _quorum(value: object) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        share = value
    else:
        share = Fraction(finite_real(value, "quorum")).limit_denominator(1000)
    if not 0 < share <= 1:
        raise InvalidInput(f"'quorum' must be more than 0 and at most 1 (got {shown(value)})")
    return share


def _spread(value: object) -> float | None:
    return None if value is None else finite_real(value, "max_spread", 0.0, 100.0)


@attrs.frozen
class CouncilRules:
    """A province's rules for council sessions (facts page section 8, reported: Tây Ninh).

    ``quorum``: the share of members that must be present (default 3/4), the chair among them
    when ``chair_required``; ``max_spread``: the largest allowed difference between members'
    totals (default 10 points), and ``on_spread`` what a larger one does. ``None`` turns a rule
    off.
    """

    quorum: Fraction | None = attrs.field(default=Fraction(3, 4), converter=_quorum)
    chair_required: bool = attrs.field(default=True, validator=lambda _, a, v: boolean(v, a.name))
    max_spread: float | None = attrs.field(default=10.0, converter=_spread)
    on_spread: OnSpread = attrs.field(default=OnSpread.BLOCK, converter=_on_spread)

    def needed(self, members: int) -> int:
        """The fewest members present for a quorum of a council of ``members``."""
        return 0 if self.quorum is None else math.ceil(self.quorum * members)

    def to_details(self) -> dict[str, Any]:
        """These rules as JSON-safe data (kept in the score's history)."""
        return {
            "quorum": None if self.quorum is None else str(self.quorum),
            "chair_required": self.chair_required,
            "max_spread": self.max_spread,
            "on_spread": self.on_spread.value,
        }

    @classmethod
    def from_details(cls, data: Mapping[str, Any]) -> CouncilRules:
        """The rules :meth:`to_details` wrote."""
        quorum = data["quorum"]
        return cls(
            None if quorum is None else Fraction(text(quorum, "session.rules.quorum")),
            data["chair_required"],
            data["max_spread"],
            data["on_spread"],
        )


def _answers(value: object) -> Mapping[str, Answers]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"'answers' must map each present member to answers (got {shown(value)})"
        )
    return dict(value)


@attrs.frozen
class CouncilSession:
    """A sitting of ``council`` on ``on``: the members ``present`` and each one's ``answers``."""

    council: Council = attrs.field(validator=attrs.validators.instance_of(Council))
    on: dt.date = attrs.field(converter=to_date)
    present: tuple[str, ...] = attrs.field(converter=_ids)
    answers: Mapping[str, Answers] = attrs.field(converter=_answers)

    def __attrs_post_init__(self) -> None:
        strangers = [m for m in self.present if m not in self.council.members]
        if strangers:
            raise InvalidInput(f"'present' names non-members: {', '.join(strangers)}")
        if set(self.answers) != set(self.present):
            raise InvalidInput(
                "'answers' must hold one answer set per member present "
                f"(present {', '.join(self.present)}; answers from "
                f"{', '.join(map(str, self.answers)) or 'nobody'})"
            )

    def rescored(self, answers: Mapping[str, Answers]) -> CouncilSession:
        """The session after some members rescored (their new ``answers`` by id)."""
        unknown = [m for m in answers if m not in self.present]
        if unknown:
            raise InvalidInput(f"'answers': only members present rescore (got {unknown})")
        return attrs.evolve(self, answers={**self.answers, **answers})

    def evaluate(
        self,
        sheet: ScoringSheet,
        rules: CouncilRules | None = None,
        policy: CouncilPolicy | None = None,
    ) -> SessionResult:
        """The session's result on ``sheet`` under ``rules`` (default :class:`CouncilRules`) and
        the council ``policy`` for per-star minimums."""
        rules = CouncilRules() if rules is None else rules
        if not isinstance(rules, CouncilRules):
            raise InvalidInput(f"'rules' must be CouncilRules (got {shown(rules)})")
        council = evaluate_council(sheet, [self.answers[m] for m in self.present], policy)
        return SessionResult(self, council, rules)


@attrs.frozen
class CriterionDivergence:
    """How far members differ on one criterion: its points by member, highest and lowest."""

    code: str
    title: str
    spread: float
    points: Mapping[str, float]
    highest: tuple[str, ...]
    lowest: tuple[str, ...]

    def __str__(self) -> str:
        top, low = self.points[self.highest[0]], self.points[self.lowest[0]]
        return (
            f"{self.code} {self.title}: {self.spread:g} points apart "
            f"({', '.join(self.highest)} {top:g}; {', '.join(self.lowest)} {low:g})"
        )


@attrs.frozen
class Divergence:
    """Where members' evaluations differ: their ``totals``, the ``spread`` between the highest
    and the lowest, and every criterion they differ on, most divergent first."""

    totals: Mapping[str, float]
    spread: float
    highest: str
    lowest: str
    criteria: tuple[CriterionDivergence, ...]

    def __str__(self) -> str:
        lines = [
            f"totals {self.spread:g} points apart: {self.highest} "
            f"{self.totals[self.highest]:g}, {self.lowest} {self.totals[self.lowest]:g}"
        ]
        lines += [f"  {c}" for c in self.criteria]
        return "\n".join(lines)


def _divergence(present: Sequence[str], council: CouncilResult) -> Divergence:
    totals = {m: r.total for m, r in zip(present, council.members, strict=True)}
    highest = max(present, key=lambda m: totals[m])
    lowest = min(present, key=lambda m: totals[m])
    criteria = []
    for criterion in council.sheet.criteria:
        points = {
            m: r.points[criterion.code] for m, r in zip(present, council.members, strict=True)
        }
        top, low = max(points.values()), min(points.values())
        if top > low:
            criteria.append(
                CriterionDivergence(
                    criterion.code,
                    criterion.title,
                    top - low,
                    points,
                    tuple(m for m in present if points[m] == top),
                    tuple(m for m in present if points[m] == low),
                )
            )
    criteria.sort(key=lambda c: -c.spread)  # stable: sheet order among equals
    return Divergence(totals, totals[highest] - totals[lowest], highest, lowest, tuple(criteria))


@attrs.frozen
class SessionResult:
    """A session evaluated: the council's result with the session's rules applied.

    ``quorate`` says whether enough members (and the chair) were present; ``divergence`` is the
    per-criterion report; ``spread_exceeded`` whether the totals differ by more than the rules
    allow. It is a :class:`~ocop_workflow.workflow.results.SessionScore`.
    """

    session: CouncilSession
    council: CouncilResult = attrs.field(repr=False)
    rules: CouncilRules
    divergence: Divergence = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "divergence", _divergence(self.session.present, self.council))

    # -- the session's rules -----------------------------------------------------------------

    @property
    def quorum_problem(self) -> str | None:
        """Why the session has no quorum, or ``None``."""
        council, present = self.session.council, self.session.present
        needed = self.rules.needed(len(council.members))
        problems = []
        if len(present) < needed:
            problems.append(
                f"{len(present)} of {len(council.members)} members present, {needed} needed"
            )
        if self.rules.chair_required and council.chair not in present:
            problems.append(f"the chair {council.chair!r} is absent")
        return "; ".join(problems) or None

    @property
    def quorate(self) -> bool:
        """Whether the session has its quorum."""
        return self.quorum_problem is None

    @property
    def spread_exceeded(self) -> bool:
        """Whether members' totals differ by more than ``rules.max_spread``."""
        limit = self.rules.max_spread
        return limit is not None and self.divergence.spread > limit + 1e-9

    @property
    def warning(self) -> str | None:
        """The spread beyond the limit, when the rules only warn about it."""
        if self.spread_exceeded and self.rules.on_spread is OnSpread.WARN:
            return self._spread_text()
        return None

    @property
    def refusal(self) -> str | None:
        """Why the session cannot score (no quorum, or a spread that blocks), or ``None``."""
        problem = self.quorum_problem
        if problem is not None:
            return f"no quorum ({problem})"
        if self.spread_exceeded and self.rules.on_spread is OnSpread.BLOCK:
            return self._spread_text() + "; members must rescore"
        return None

    def _spread_text(self) -> str:
        d = self.divergence
        worst = "; ".join(str(c) for c in d.criteria[:3])
        return (
            f"members' totals differ by {d.spread:g} points (limit {self.rules.max_spread:g}): "
            f"{d.highest} {d.totals[d.highest]:g}, {d.lowest} {d.totals[d.lowest]:g}"
            + (f"; most divergent: {worst}" if worst else "")
        )

    # -- ScoreResult / SessionScore ----------------------------------------------------------

    @property
    def level(self) -> Level:
        """The council's level."""
        return self.session.council.level

    @property
    def held_on(self) -> dt.date:
        """The day the council sat."""
        return self.session.on

    @property
    def total(self) -> float:
        """The mean of the present members' totals."""
        return self.council.total

    @property
    def minimum_stars(self) -> int:
        """The highest star whose minimums the council finds met."""
        return self.council.minimum_stars

    @property
    def stars(self) -> int:
        """The council's star (band capped by minimums)."""
        return self.council.stars

    @property
    def sheet_number(self) -> int:
        """The sheet's number."""
        return self.council.sheet_number

    @property
    def part_maxima(self) -> dict[str, float]:
        """The sheet's part maxima."""
        return self.council.part_maxima

    @property
    def answer_sets(self) -> tuple[Mapping[str, int | None], ...]:
        """The present members' answers, in the order of ``session.present``."""
        return self.council.answer_sets

    @property
    def agreement(self) -> str:
        """The council policy's rule for per-star minimums."""
        return self.council.agreement

    @property
    def session_details(self) -> dict[str, Any]:
        """What the score's history keeps: the council, who was present, the rules, the spread
        and any warning (JSON-safe)."""
        council = self.session.council
        return {
            "on": self.session.on.isoformat(),
            "council": {
                "level": council.level.value,
                "chair": council.chair,
                "secretary": council.secretary,
                "members": list(council.members),
            },
            "present": list(self.session.present),
            "rules": self.rules.to_details(),
            "spread": self.divergence.spread,
            "warning": self.warning,
        }


def session_from_details(sheet: ScoringSheet, details: Mapping[str, Any]) -> SessionResult:
    """The session result behind a score, evaluated again from what its history record keeps
    (``details["session"]`` and the present members' ``details["answers"]``)."""
    data = details["session"]
    council_data = data["council"]
    council = Council(
        council_data["level"],
        council_data["chair"],
        tuple(council_data["members"]),
        council_data["secretary"],
    )
    present = tuple(data["present"])
    answers: Iterable[Mapping[str, int | None]] = details["answers"]
    session = CouncilSession(council, data["on"], present, dict(zip(present, answers, strict=True)))
    agreement = details.get("agreement")
    policy = CouncilPolicy(
        minimums=Agreement.MAJORITY if agreement is None else Agreement(agreement)
    )
    return session.evaluate(sheet, CouncilRules.from_details(data["rules"]), policy)
