"""Scenario helpers check their values as a plan file would (same errors, same keys)."""

import math

import pytest

from ocop_workflow.simulation import Outcomes, PlanError, simulate, with_outcomes

NAN = float("nan")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"commune_pass": 2.0},
            "plan key 'outcomes.commune_pass' must be a probability between 0 and 1 (got 2.0)",
        ),
        (
            {"commune_pass": -1.0},
            "plan key 'outcomes.commune_pass' must be a probability between 0 and 1 (got -1.0)",
        ),
        ({"miss_round": True}, "plan key 'outcomes.miss_round' must be a probability"),
        ({"reevaluation_uptake": NAN}, "plan key 'outcomes.reevaluation_uptake' must be a"),
        (
            {"score_sd": -5.0},
            "plan key 'outcomes.score_sd' must be a number from 0 to 100 (got -5.0)",
        ),
        (
            {"score_mean": NAN},
            "plan key 'outcomes.score_mean' must be a number from 0 to 100 (got nan)",
        ),
        (
            {"score_mean": "70"},
            "plan key 'outcomes.score_mean' must be a number from 0 to 100 (got '70')",
        ),
        ({"council_sd": math.inf}, "plan key 'outcomes.council_sd' must be a number from 0"),
        (
            {"readiness": (0.5, 0.6)},
            "plan key 'outcomes.readiness' must be shares adding up to 1 (got [0.5, 0.6])",
        ),
        (
            {"readiness": (1.5, -0.5)},
            "plan key 'outcomes.readiness[0]' must be a probability between 0 and 1 (got 1.5)",
        ),
        ({"readiness": 1.0}, "plan key 'outcomes.readiness' must be an array of shares (got 1.0)"),
        (
            {"readiness": (0.2, 0.3, 0.5)},
            "plan key 'outcomes.readiness' must be 2 shares, one per district round",
        ),
        (
            {"district_score_mean": {"Mai Sơn": 120}},
            "plan key 'outcomes.district_score_mean.Mai Sơn' must be a number from 0 to 100 "
            "(got 120)",
        ),
        (
            {"district_score_mean": {"Atlantis": 70.0}},
            "plan key 'outcomes.district_score_mean.Atlantis' must be a plan district",
        ),
        (
            {"district_score_mean": [70.0]},
            "plan key 'outcomes.district_score_mean' must be a table of district = mean",
        ),
        (
            {"speed": 3},
            "plan key 'outcomes.speed' must be one of the known keys ['commune_pass', ",
        ),
    ],
)
def test_with_outcomes_checks_values_like_a_plan_file(son_la, changes, message):
    with pytest.raises(PlanError) as error:
        with_outcomes(son_la, **changes)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"commune_pass": 1.01}, "outcomes.commune_pass"),
        ({"score_sd": -0.1}, "outcomes.score_sd"),
        ({"readiness": ()}, "outcomes.readiness"),
    ],
)
def test_outcomes_are_checked_when_made(changes, key):
    with pytest.raises(PlanError, match=f"plan key '{key}' must be"):
        Outcomes(**changes)


def test_outcomes_hold_floats_and_their_own_copy_of_the_means(son_la):
    means = {"A": 70}
    outcomes = Outcomes(commune_pass=1, readiness=(1, 0), district_score_mean=means)
    means["A"] = 10
    assert outcomes.commune_pass == 1.0
    assert isinstance(outcomes.commune_pass, float)
    assert [type(share) for share in outcomes.readiness] == [float, float]
    assert outcomes.mean_for("A") == 70.0
    assert isinstance(outcomes.mean_for("A"), float)
    # A plan file's array of shares is kept as a tuple.
    assert son_la.outcomes.readiness == (0.5, 0.5)


def test_a_valid_change_runs(son_la):
    plan = with_outcomes(son_la, commune_pass=1, score_sd=0.0)
    assert plan.outcomes.commune_pass == 1.0
    assert son_la.outcomes.commune_pass == 0.85
    result = simulate(plan, runs=5, seed=2)
    funnel = result.funnel.pivot_table(index="run", columns="stage", values="count")
    assert (funnel["passed_commune"] == funnel["filed"]).all()
