"""Scenarios: variants of a plan, and sweeps that run them all."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any

import attrs
import pandas as pd

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


def with_extra_round(
    plan: Plan,
    level: Level,
    held_by: tuple[int, int],
    cutoff: tuple[int, int],
    readiness: tuple[float, ...] | None = None,
) -> Plan:
    """The plan with one more round at ``level`` every year.

    A first-level round changes how dossiers spread over rounds: give the new ``readiness``
    shares (one per first-level round); by default they are spread evenly.
    """
    rounds = (*plan.rounds, PlanRound(level, held_by, cutoff))
    first = plan.ruleset.scoring_levels[0]
    outcomes = plan.outcomes
    if level is first:
        count = len(plan.rounds_at(first)) + 1
        outcomes = attrs.evolve(outcomes, readiness=readiness or tuple([1 / count] * count))
    return attrs.evolve(plan, rounds=rounds, outcomes=outcomes)


def with_threshold(plan: Plan, level: Level, forwards_at: float) -> Plan:
    """The plan under its rule set with another forwarding threshold at ``level``."""
    ruleset = plan.ruleset
    levels = tuple(
        attrs.evolve(rule, forwards_at=forwards_at) if rule.level is level else rule
        for rule in ruleset.levels
    )
    return attrs.evolve(plan, ruleset=attrs.evolve(ruleset, levels=levels))


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
    horizon, and the probability of each target.
    """
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
