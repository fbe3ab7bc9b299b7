"""Scenarios: variants of a plan, and sweeps that run them all."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any

import attrs
import pandas as pd

from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.rules import Level
from ocop_workflow.simulation.plan import Outcomes, Plan, PlanError, PlanRound
from ocop_workflow.simulation.results import SimulationResult
from ocop_workflow.simulation.run import simulate

__all__ = ["sweep", "with_extra_round", "with_outcomes", "with_threshold"]


def with_outcomes(plan: Plan, **changes: Any) -> Plan:
    """The plan with some outcome-model values changed (e.g. ``reevaluation_uptake=0.9``).

    The values are checked as in a plan file: a :class:`PlanError` names the key
    (``outcomes.commune_pass``) and quotes the value.
    """
    known = [field.name for field in attrs.fields(Outcomes)]
    for name in changes:
        if name not in known:
            raise PlanError(
                f"plan key 'outcomes.{name}' must be one of the known keys {sorted(known)} "
                f"(got {name!r})"
            )
    return attrs.evolve(plan, outcomes=attrs.evolve(plan.outcomes, **changes))


def _scoring_level(plan: Plan, level: Level | str) -> Level:
    """``level`` (a :class:`Level` or its value, ``"district"``) if the plan's rule set scores at
    it; otherwise a :class:`PlanError` naming it."""
    levels = plan.ruleset.scoring_levels
    try:
        found = Level(level)
    except (ValueError, TypeError):
        found = None
    if found is None or found not in levels:
        written = level.value if isinstance(level, Level) else level
        raise PlanError(
            f"'level' must be a scoring level of {plan.ruleset.code} "
            f"({', '.join(lv.value for lv in levels)}) (got {written!r})"
        )
    return found


def with_extra_round(
    plan: Plan,
    level: Level | str,
    held_by: tuple[int, int],
    cutoff: tuple[int, int],
    readiness: tuple[float, ...] | None = None,
) -> Plan:
    """The plan with one more round at ``level`` (a :class:`Level` or its value) every year.

    A first-level round changes how dossiers spread over rounds: give the new ``readiness``
    shares (one per first-level round); by default they are spread evenly. A level the plan's rule
    set does not score at, or a round that makes no valid schedule, is a :class:`PlanError`.
    """
    found = _scoring_level(plan, level)
    try:
        added = PlanRound(found, held_by, cutoff)
    except OcopError as error:
        raise PlanError(str(error)) from None
    first = plan.ruleset.scoring_levels[0]
    outcomes = plan.outcomes
    if found is first:
        count = len(plan.rounds_at(first)) + 1
        shares = tuple([1 / count] * count) if readiness is None else readiness
        outcomes = attrs.evolve(outcomes, readiness=shares)
    return attrs.evolve(plan, rounds=(*plan.rounds, added), outcomes=outcomes)


def with_threshold(plan: Plan, level: Level | str, forwards_at: float) -> Plan:
    """The plan under its rule set with another forwarding threshold at ``level`` (a
    :class:`Level` or its value, ``"district"``).

    ``level`` must be one the rule set scores at and forwards from (not its top level), and the
    new threshold must leave a valid rule set; otherwise a :class:`PlanError` says why.
    """
    found = _scoring_level(plan, level)
    ruleset = plan.ruleset
    try:
        levels = tuple(
            attrs.evolve(rule, forwards_at=forwards_at) if rule.level is found else rule
            for rule in ruleset.levels
        )
        changed = attrs.evolve(ruleset, levels=levels)
    except OcopError as error:
        raise PlanError(
            f"'forwards_at' {forwards_at!r} at level {found.value!r} makes no valid rule set: "
            f"{error}"
        ) from None
    return attrs.evolve(plan, ruleset=changed)


def sweep(
    scenarios: Mapping[str, Plan],
    runs: int = 1000,
    seed: int = 0,
    engine: str = "fast",
    *,
    executor: Executor | None = None,
) -> tuple[dict[str, SimulationResult], pd.DataFrame]:
    """Run every scenario with the same seed; the results and a comparison table.

    The table has one row per scenario: the mean and 5-95% range of the certificates valid at the
    horizon, and the probability of each target. ``scenarios`` maps at least one name to a
    :class:`Plan`; bad arguments are an :class:`InvalidInput` naming them, raised before any run.
    """
    if not isinstance(scenarios, Mapping) or not scenarios:
        raise InvalidInput(f"'scenarios' must map at least one name to a Plan (got {scenarios!r})")
    for name, plan in scenarios.items():
        if not isinstance(plan, Plan):
            raise InvalidInput(
                f"'scenarios[{name!r}]' must be a Plan; load a plan file with "
                f"Plan.from_toml(path) (got {plan!r})"
            )
    results = {
        name: simulate(plan, runs=runs, seed=seed, engine=engine, executor=executor)
        for name, plan in scenarios.items()
    }
    rows = []
    for name, result in results.items():
        valid = result.per_run["valid"]
        row: dict[str, object] = {
            "scenario": name,
            "valid_mean": valid.mean(),
            "valid_q05": valid.quantile(0.05),
            "valid_q95": valid.quantile(0.95),
        }
        for target in result.plan.targets:
            row[f"p_{target.name}"] = result.target_probability(target.name)
        rows.append(row)
    return results, pd.DataFrame(rows).set_index("scenario")
