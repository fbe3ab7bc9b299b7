"""Policy simulation: Monte Carlo runs of a provincial OCOP plan.

Needs the ``sim`` extra (numpy, pandas, matplotlib, tqdm): ``pip install "ocop-workflow[sim]"``.

    from ocop_workflow.simulation import Plan, simulate
    plan = Plan.from_toml("examples/plans/son_la_2024.toml")
    result = simulate(plan, runs=1000, seed=7, engine="fast")
    result.per_run, result.target_probability("total")
"""

from ocop_workflow.simulation.plan import (
    Baseline,
    Filing,
    Outcomes,
    Plan,
    PlanError,
    PlanRound,
    Target,
)
from ocop_workflow.simulation.results import SimulationResult
from ocop_workflow.simulation.run import ENGINES, memory_needed, simulate
from ocop_workflow.simulation.scenarios import (
    sweep,
    with_extra_round,
    with_outcomes,
    with_threshold,
)

__all__ = [
    "ENGINES",
    "Baseline",
    "Filing",
    "Outcomes",
    "Plan",
    "PlanError",
    "PlanRound",
    "SimulationResult",
    "Target",
    "memory_needed",
    "simulate",
    "sweep",
    "with_extra_round",
    "with_outcomes",
    "with_threshold",
]
