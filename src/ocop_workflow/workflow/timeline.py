"""The timeline of regimes a workflow applies: which rule set, and which machine, on which date."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

import attrs

from ocop_workflow import rulesets
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import Level, RuleSet
from ocop_workflow.states import DossierMachine
from ocop_workflow.validators import iterable

__all__ = ["Regime", "Timeline"]


@attrs.frozen
class Regime:
    """A rule set of the timeline with its shared machine."""

    rules: RuleSet
    machine: DossierMachine


class Timeline:
    """The regimes in force one after another (facts page section 1), each with the machine of
    its levels; a dossier scored at a level a later regime lacks (the district after July 2025)
    carries its state into that regime's machine, and so does a dossier holding a certificate while
    forwarded (Decision 1048) into a regime that issues none meanwhile."""

    __slots__ = ("regimes", "rules", "starts")

    def __init__(self, ruleset: RuleSet, timeline: Iterable[RuleSet] | None) -> None:
        if not isinstance(ruleset, RuleSet):
            raise InvalidInput(f"'ruleset' must be a RuleSet (got {type(ruleset).__name__})")
        if timeline is None:
            shipped = any(ruleset.code == r.code for r in rulesets.ALL)
            timeline = rulesets.timeline_with(ruleset) if shipped else (ruleset,)
        chain = tuple(iterable(timeline, "timeline", "a non-empty sequence of RuleSet"))
        if not chain or not all(isinstance(r, RuleSet) for r in chain):
            raise InvalidInput(
                f"'timeline' must be a non-empty sequence of RuleSet (got {len(chain)} items "
                f"of types {sorted({type(r).__name__ for r in chain})})"
            )
        if not any(ruleset is r for r in chain):
            raise InvalidInput(f"'timeline' must contain the workflow's rule set {ruleset.code}")
        starts = [r.effective_from for r in chain]
        if starts != sorted(set(starts)):
            raise InvalidInput(f"'timeline' must be in order of effective dates (got {starts})")
        seen: list[Level] = []
        held_before = False
        regimes = []
        for rules in chain:
            legacy = tuple(sorted(set(seen) - set(rules.scoring_levels), key=lambda lv: lv.rank))
            held = rules.held_level
            machine = DossierMachine.get(rules.scoring_levels, legacy, held, held_before)
            regimes.append(Regime(rules, machine))
            seen.extend(rules.scoring_levels)
            held_before = held_before or held is not None
        self.rules = chain
        self.regimes = tuple(regimes)
        self.starts = tuple(starts)

    def at(self, day: dt.date, field: str = "on") -> Regime:
        """The regime in force on ``day``; a date before the first is an :class:`InvalidInput`
        naming ``field``. A timeline of one rule set applies it on every date."""
        regimes = self.regimes
        if len(regimes) == 1:
            return regimes[0]
        index = bisect.bisect_right(self.starts, day) - 1
        if index >= 0:
            return regimes[index]
        raise InvalidInput(rulesets.before_first_regime(field, day, regimes[0].rules))

    @property
    def latest(self) -> RuleSet:
        """The last rule set of the timeline."""
        return self.regimes[-1].rules
