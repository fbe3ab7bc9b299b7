"""Scenario helpers check their values as a plan file would (same errors, same keys)."""

import math
import tomllib

import pytest

from ocop_workflow.rules import Level
from ocop_workflow.simulation import (
    Outcomes,
    Plan,
    PlanError,
    simulate,
    with_extra_round,
    with_outcomes,
    with_threshold,
)
from tests.conftest import EXAMPLES

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


@pytest.mark.parametrize("level", [Level.DISTRICT, "district"])
def test_with_threshold_takes_a_level_or_its_name(son_la, level):
    plan = with_threshold(son_la, level, 60.0)
    assert plan.ruleset.rule_for(Level.DISTRICT).forwards_at == 60.0
    assert plan.ruleset.rule_for(Level.PROVINCE).forwards_at == 90.0
    assert son_la.ruleset.rule_for(Level.DISTRICT).forwards_at == 70.0


def province_only_plan():
    """The Sơn La plan under Decision 1489, which has no district level."""
    data = tomllib.loads((EXAMPLES / "plans" / "son_la_2024.toml").read_text(encoding="utf-8"))
    data["ruleset"] = "QD1489_2025"
    del data["rounds"]["district"]
    return Plan.from_dict(data)


@pytest.mark.parametrize(
    ("level", "message"),
    [
        (
            Level.COMMUNE,
            "'level' must be a scoring level of QD148_2023 (district, province, central) "
            "(got 'commune')",
        ),
        ("commune", "(got 'commune')"),
        ("District", "(got 'District')"),
        (3, "(got 3)"),
    ],
)
@pytest.mark.parametrize(
    "helper",
    [
        lambda plan, level: with_threshold(plan, level, 75.0),
        lambda plan, level: with_extra_round(plan, level, (8, 15), (7, 15)),
    ],
    ids=["with_threshold", "with_extra_round"],
)
def test_a_level_the_rule_set_does_not_score_at_is_refused(son_la, helper, level, message):
    with pytest.raises(PlanError) as error:
        helper(son_la, level)
    assert message in str(error.value)


@pytest.mark.parametrize("level", [Level.DISTRICT, "district"])
def test_a_dropped_level_is_refused(level):
    plan = province_only_plan()
    with pytest.raises(PlanError, match=r"scoring level of QD1489_2025 \(province, central\) "):
        with_threshold(plan, level, 75.0)
    with pytest.raises(PlanError, match=r"\(got 'district'\)"):
        with_extra_round(plan, level, (8, 15), (7, 15))


@pytest.mark.parametrize(
    ("level", "forwards_at", "message"),
    [
        ("central", 75.0, "the top level cannot forward"),
        ("district", 150.0, "'forwards_at' must be between 0 and 100 (got 150.0)"),
        ("province", "high", "(got 'high')"),
    ],
)
def test_a_threshold_that_makes_no_rule_set_is_refused(son_la, level, forwards_at, message):
    with pytest.raises(PlanError) as error:
        with_threshold(son_la, level, forwards_at)
    assert str(error.value).startswith(f"'forwards_at' {forwards_at!r} at level {level!r}")
    assert message in str(error.value)


def test_with_extra_round_takes_a_level_name(son_la):
    by_name = with_extra_round(son_la, "province", (11, 10), (11, 1))
    assert by_name == with_extra_round(son_la, Level.PROVINCE, (11, 10), (11, 1))
    assert [r.held_by for r in by_name.rounds_at(Level.PROVINCE)] == [(7, 10), (10, 30), (11, 10)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (((13, 1), (7, 15)), "'held_by' must be a (month, day) pair of a real date (got (13, 1))"),
        (((8, 15), (9, 1)), "plan key 'rounds.district[2].cutoff' must be on or before held_by"),
        (
            ((8, 15), (7, 15), (0.5, 0.5)),
            "plan key 'outcomes.readiness' must be 3 shares, one per district round",
        ),
        (((8, 15), (7, 15), ()), "plan key 'outcomes.readiness' must be shares adding up to 1"),
    ],
)
def test_a_bad_extra_round_is_a_plan_error(son_la, args, message):
    with pytest.raises(PlanError) as error:
        with_extra_round(son_la, Level.DISTRICT, *args)
    assert message in str(error.value)
