"""Scores that come from a scoring sheet or a council rather than as a bare number.

:class:`ScoreResult` is the contract between :mod:`ocop_workflow.scoring` and the workflow: every
attribute the workflow reads is declared here. What a score's history record keeps of a result
(its answers and the council's agreement) is decided here too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import Level, RuleSet, check_score
from ocop_workflow.validators import json_safe, shown, whole

__all__ = [
    "KEPT",
    "Replayed",
    "ScoreResult",
    "SessionScore",
    "check_parts",
    "check_session",
    "kept_details",
    "score_value",
]


@runtime_checkable
class ScoreResult(Protocol):
    """A scoring-sheet or council result that :meth:`Workflow.score` accepts instead of a number.

    ``total`` is the score out of 100; ``minimum_stars`` the highest star whose per-star minimums
    are all met (facts page section 3). The regime in force bands the total with its own bands and
    rounding (section 2), then caps it at ``minimum_stars``. ``sheet_number`` must be the
    dossier's sheet and ``part_maxima`` the regime's parts (an empty mapping: not checked). The
    score's history record keeps ``answer_sets`` (one mapping of criterion code to option index
    per council member; empty when there are none) as ``details["answers"]`` and ``agreement``
    (a council's rule for per-star minimums, or ``None``) as ``details["agreement"]``, so that a
    stored dossier can show its result again (:func:`ocop_workflow.scoring.result_from_details`)
    and replay can evaluate it again.
    """

    @property
    def total(self) -> float: ...

    @property
    def minimum_stars(self) -> int: ...

    @property
    def sheet_number(self) -> int: ...

    @property
    def part_maxima(self) -> Mapping[str, float]: ...

    @property
    def answer_sets(self) -> Sequence[Mapping[str, int | None]]: ...

    @property
    def agreement(self) -> str | None: ...


@runtime_checkable
class SessionScore(ScoreResult, Protocol):
    """A council session's result (:mod:`ocop_workflow.councils`): a :class:`ScoreResult` that
    also says the council's ``level``, the day it sat (``held_on``), why it cannot score
    (``refusal``: a missed quorum or a spread that blocks; ``None`` when it can) and what the
    score's history keeps of it (``session_details``: who was present, the chair, the rules,
    JSON-safe), as ``details["session"]``."""

    @property
    def level(self) -> Level: ...

    @property
    def held_on(self) -> dt.date: ...

    @property
    def refusal(self) -> str | None: ...

    @property
    def session_details(self) -> Mapping[str, Any]: ...


def check_session(result: ScoreResult, level: Level, day: dt.date) -> None:
    """A session result scores only at its council's level, on or after the day it sat, and
    only if it can (facts page section 8: quorum and spread rules)."""
    if not isinstance(result, SessionScore):
        return
    if result.level is not level:
        raise InvalidInput(
            f"'score' comes from a {result.level.value} council session, not {level.value!r}"
        )
    if day < result.held_on:
        raise InvalidInput(
            f"'on' must not be before the council session of {result.held_on} (got {day})"
        )
    if result.refusal is not None:
        raise InvalidInput(
            f"'score': the session of {result.held_on} cannot score: {result.refusal}"
        )


KEPT = ("answers", "agreement", "session")
"""The details a score record keeps about the sheet or council result behind it."""


@attrs.frozen
class Replayed:
    """A recorded sheet score whose sheet is not known to replay: its total, star cap and kept
    details, taken as recorded."""

    total: float
    minimum_stars: int
    sheet_number: int
    kept: Mapping[str, Any]
    part_maxima: Mapping[str, float] = attrs.field(factory=dict)

    @property
    def answer_sets(self) -> Sequence[Mapping[str, int | None]]:
        """The recorded answers, as they were."""
        answers = self.kept.get("answers", ())
        return answers if isinstance(answers, Sequence) else ()

    @property
    def agreement(self) -> str | None:
        """The recorded agreement, as it was."""
        agreement = self.kept.get("agreement")
        return agreement if isinstance(agreement, str) else None


def score_value(score: object, sheet: int) -> tuple[float, int | None, ScoreResult | None]:
    """The checked total, the star cap (sheet results only) and the result to keep, for a score
    given to a dossier on ``sheet``."""
    # Numbers first: a runtime protocol check costs tens of microseconds (numpy's floats come
    # from the simulation engines on every score).
    if isinstance(score, int | float | numbers.Real | decimal.Decimal) or not hasattr(
        score, "total"
    ):
        return check_score(score), None, None
    if not isinstance(score, ScoreResult):
        missing = [name for name in _DECLARED if not hasattr(score, name)]
        raise InvalidInput(
            f"'score' must be a number between 0 and 100 or a ScoreResult; it lacks "
            f"{', '.join(missing)} (got {type(score).__name__})"
        )
    stars = whole(score.minimum_stars, "score.minimum_stars", 1, 5)
    number = score.sheet_number
    if number != sheet:
        raise InvalidInput(
            f"'score' comes from sheet {shown(number)}, but the dossier is on sheet {sheet}"
        )
    return check_score(score.total, "score.total"), stars, score


_DECLARED = ("total", "minimum_stars", "sheet_number", "part_maxima", "answer_sets", "agreement")


def check_parts(result: ScoreResult, rules: RuleSet) -> None:
    """A sheet result must come from a sheet of the regime's parts (1048: A 35, B 25, C 40; 148
    and later: A 40, B 25, C 35; facts page sections 1 and 3); unchecked where either is unset."""
    expected = rules.part_maxima
    parts = result.part_maxima
    if expected is not None and parts and dict(parts) != expected:
        raise InvalidInput(
            f"'score' comes from a sheet with parts {_parts_text(parts)}, but {rules.code} "
            f"sheets have {_parts_text(expected)}"
        )


def _parts_text(parts: Mapping[str, float]) -> str:
    return ", ".join(f"{letter} {points:g}" for letter, points in sorted(parts.items()))


def kept_details(result: ScoreResult) -> dict[str, Any]:
    """What a score's history record keeps of ``result``: its answer sets (plain dicts of
    criterion code to option index) and agreement, checked JSON-safe so that the record can be
    stored as it is; nothing for a result without answers."""
    if isinstance(result, Replayed):
        return dict(result.kept)
    sets = result.answer_sets
    if isinstance(sets, str | bytes | Mapping) or not isinstance(sets, Sequence):
        raise InvalidInput(
            f"'score.answer_sets' must be a sequence of answer mappings (got {shown(sets)})"
        )
    if not sets:
        return {}
    answers = []
    for index, answer_set in enumerate(sets):
        field = f"score.answer_sets[{index}]"
        if not isinstance(answer_set, Mapping):
            raise InvalidInput(f"{field!r} must be a mapping (got {shown(answer_set)})")
        plain = {}
        for code, option in answer_set.items():
            if not isinstance(code, str):
                raise InvalidInput(f"{field!r} must have criterion codes as keys (got {code!r})")
            plain[code] = None if option is None else whole(option, f"{field}.{code}", 0)
        answers.append(plain)
    kept: dict[str, Any] = {"answers": answers}
    agreement = result.agreement
    if agreement is not None:
        if not isinstance(agreement, str):
            raise InvalidInput(
                f"'score.agreement' must be a string or None (got {shown(agreement)})"
            )
        kept["agreement"] = agreement
    if isinstance(result, SessionScore):
        session = dict(result.session_details)
        json_safe(session, "score.session_details")
        kept["session"] = session
    return kept
