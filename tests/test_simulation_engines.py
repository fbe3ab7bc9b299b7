"""The fast engine gives exactly the reference engine's numbers, whatever the plan and seed."""

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_workflow import rulesets
from ocop_workflow.rules import Level
from ocop_workflow.simulation import Plan, simulate, with_threshold
from ocop_workflow.simulation.fast import run_fast
from ocop_workflow.simulation.model import compile_plan
from ocop_workflow.simulation.reference import run_reference
from tests.strategies import simulation_plans


def assert_same(fast, reference, run):
    for name, values in reference.items():
        assert np.array_equal(fast[name][run], values), (name, run, fast[name][run], values)


@settings(max_examples=40)
@given(simulation_plans(), st.integers(min_value=0, max_value=2**32), st.booleans())
def test_fast_engine_equals_reference_engine(data, seed, lower_threshold):
    plan = Plan.from_dict(data)
    if lower_threshold:  # a variant rule set: forwarding from a lower score
        if plan.ruleset.code == "QD148_2023":
            plan = with_threshold(plan, Level.DISTRICT, 60.0)
        else:
            plan = with_threshold(plan, Level.PROVINCE, 85.0)
    compiled = compile_plan(plan)
    fast = run_fast(compiled, seed, range(3))
    for run in range(3):
        assert_same(fast, run_reference(compiled, seed, run), run)


@pytest.mark.parametrize("code", [r.code for r in rulesets.ALL])
@pytest.mark.parametrize("offset", [-0.5, -0.3, 0.0, 0.3])
def test_engines_agree_at_every_band_edge(son_la, code, offset):
    """Every council scores exactly next to a threshold, where rounding and >= matter."""
    ruleset = next(r for r in rulesets.ALL if r.code == code)
    # One round per level, each held after the one below and taking its dossiers.
    rounds = {
        level.value: [{"held_by": f"{month}-15", "cutoff": f"{month}-01"}]
        for level, month in zip(ruleset.scoring_levels, ("06", "08", "10"), strict=False)
    }
    for threshold in ruleset.bands.thresholds:
        plan = Plan.from_dict(
            {
                "province": "Sơn La",
                "years": [2024, 2025],
                "ruleset": code,
                "districts": ["A"],
                "rounds": rounds,
                "baseline": [{"district": "A", "stars": 3, "recognised": 2021, "count": 3}],
                "dossiers": [{"district": "A", "year": 2024, "new": 4, "reevaluation": 1}],
                "outcomes": {"score_mean": threshold + offset, "score_sd": 0.0, "council_sd": 0.0},
            }
        )
        compiled = compile_plan(plan)
        fast = run_fast(compiled, 1, range(2))
        for run in range(2):
            assert_same(fast, run_reference(compiled, 1, run), run)


def test_engines_agree_on_the_son_la_plan(son_la):
    fast = simulate(son_la, runs=20, seed=11, engine="fast")
    reference = simulate(son_la, runs=20, seed=11, engine="reference")
    for name in fast.metrics:
        assert np.array_equal(fast.metrics[name], reference.metrics[name]), name


def test_a_run_does_not_depend_on_its_batch(son_la):
    compiled = compile_plan(son_la)
    together = run_fast(compiled, 5, range(6))
    alone = run_fast(compiled, 5, range(4, 5))
    for name in together:
        assert np.array_equal(together[name][4], alone[name][0])


def test_different_seeds_give_different_runs(son_la):
    a = simulate(son_la, runs=50, seed=1).per_run
    b = simulate(son_la, runs=50, seed=2).per_run
    assert not a.equals(b)


def test_both_engines_keep_the_province_certificate_of_a_1048_five_star_candidate():
    """Facts page section 8: under 1048 a dossier forwarded to the centre holds the province's
    4-star certificate, so a central score under 5 stars (even under 3) leaves it certified."""
    data = {
        "province": "Sơn La",
        "years": [2021, 2022],
        "ruleset": "QD1048_2019",
        "districts": ["A"],
        "rounds": {
            level: [{"held_by": f"{month}-15", "cutoff": f"{month}-01"}]
            for level, month in (("district", "06"), ("province", "08"), ("central", "10"))
        },
        "baseline": [{"district": "A", "stars": 5, "recognised": 2020, "count": 2}],
        "dossiers": [{"district": "A", "year": 2021, "new": 200}],
        "outcomes": {"score_mean": 93.0, "score_sd": 0.0, "council_sd": 30.0},
    }
    held = Plan.from_dict(data)
    province = attrs.evolve(held.ruleset.rule_for(Level.PROVINCE), certifies_forwarded=False)
    levels = tuple(province if r.level is Level.PROVINCE else r for r in held.ruleset.levels)
    plain = attrs.evolve(held, ruleset=attrs.evolve(held.ruleset, levels=levels))
    totals = {}
    for name, plan in (("held", held), ("plain", plain)):
        compiled = compile_plan(plan)
        fast = run_fast(compiled, 3, range(3))
        for run in range(3):
            assert_same(fast, run_reference(compiled, 3, run), run)
        totals[name] = {key: values.sum(axis=0) for key, values in fast.items()}
    funnel = {name: t["funnel"][0] for name, t in totals.items()}  # 2021's funnel
    by_stars = {name: t["certified_by_stars"][0] for name, t in totals.items()}
    # Same draws, so the same dossiers are forwarded; without holding some are then rejected.
    assert funnel["held"][4] < funnel["plain"][4]
    assert funnel["held"][3] > funnel["plain"][3]
    assert funnel["held"][3] + funnel["held"][4] == funnel["plain"][3] + funnel["plain"][4]
    assert by_stars["held"][2] == by_stars["plain"][2]  # the centre's five stars, unchanged
    assert by_stars["held"][1] > by_stars["plain"][1]
