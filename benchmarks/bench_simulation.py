"""Simulation benchmark, measured in one run (absolute times drift on this shared machine).

1. Fast engine against the reference engine on the Sơn La plan, 1,000 runs: the speed ratio
   (goal: at least 100) and whether the results are identical (they must be).
2. A national-scale plan on the fast engine (16,000 baseline products, 3,000 new dossiers a year,
   10 years, 1,000 runs), reported as dossier-years per second: products followed through a year
   of a run, whether or not they file that year; the dossiers actually filed per second as well.

Run with ``python benchmarks/bench_simulation.py [--national-runs N]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ocop_workflow import rulesets
from ocop_workflow.simulation import Plan, simulate

PLAN = Path(__file__).resolve().parents[1] / "examples" / "plans" / "son_la_2024.toml"


def national_plan(first_year: int = 2027, years: int = 10) -> Plan:
    """A whole-country plan under the latest rule set: 63 areas, 16,000 certified products in the
    baseline (recognised over the three years before), 3,000 new dossiers a year."""
    ruleset = rulesets.ALL[-1]
    levels = [level.value for level in ruleset.scoring_levels]
    months = {0: ("06-15", "10-15"), 1: ("07-10", "10-30"), 2: ("09-30", "12-15")}
    # First-level cut-offs on the 1st of the month; a higher round takes dossiers until it sits.
    rounds = {
        level: [{"held_by": day, "cutoff": day[:3] + "01" if i == 0 else day} for day in months[i]]
        for i, level in enumerate(levels)
    }
    areas = [f"area {i:02d}" for i in range(63)]
    baseline = [
        {
            "district": area,
            "stars": 3 + (i % 3 == 0),
            "recognised": first_year - 1 - i % 3,
            "count": 16_000 // 63 + (i < 16_000 % 63),
        }
        for i, area in enumerate(areas)
    ]
    dossiers = [
        {"district": area, "year": year, "new": 3_000 // 63 + (i < 3_000 % 63)}
        for year in range(first_year, first_year + years)
        for i, area in enumerate(areas)
    ]
    return Plan.from_dict(
        {
            "province": "Việt Nam",
            "years": list(range(first_year, first_year + years)),
            "ruleset": ruleset.code,
            "districts": areas,
            "rounds": rounds,
            "baseline": baseline,
            "dossiers": dossiers,
            "outcomes": {"readiness": [0.5, 0.5], "score_mean": 66.0, "score_sd": 9.0},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000, help="Sơn La runs (default 1000)")
    parser.add_argument("--national-runs", type=int, default=1000)
    args = parser.parse_args()

    plan = Plan.from_toml(PLAN)
    start = time.perf_counter()
    fast = simulate(plan, runs=args.runs, seed=7, engine="fast")
    fast_time = time.perf_counter() - start
    start = time.perf_counter()
    reference = simulate(plan, runs=args.runs, seed=7, engine="reference")
    reference_time = time.perf_counter() - start
    identical = all(np.array_equal(fast.metrics[k], reference.metrics[k]) for k in fast.metrics)
    print(f"Sơn La 2024, {args.runs} runs")
    print(f"  reference engine {reference_time:8.2f} s")
    print(f"  fast engine      {fast_time:8.3f} s")
    print(f"  ratio {reference_time / fast_time:.0f} (goal >= 100); identical results: {identical}")

    national = national_plan()
    start = time.perf_counter()
    result = simulate(national, runs=args.national_runs, seed=7, engine="fast")
    elapsed = time.perf_counter() - start
    products = national.baseline_products + national.planned_dossiers
    product_years = products * len(national.years) * args.national_runs
    filed = int(result.metrics["funnel"][..., 0].sum())
    print(
        f"National plan ({products:,} products, {len(national.years)} years, "
        f"{args.national_runs} runs, {national.ruleset.code}): {elapsed:.1f} s"
    )
    print(
        f"  {product_years / elapsed:,.0f} dossier-years per second; "
        f"{filed / elapsed:,.0f} filed dossiers per second"
    )


if __name__ == "__main__":
    main()
