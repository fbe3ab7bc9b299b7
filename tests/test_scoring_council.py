"""Council results: the mean of the members' totals, minimums judged by the policy."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring import (
    Agreement,
    CouncilPolicy,
    CouncilResult,
    Criterion,
    Group,
    Option,
    Part,
    ScoringSheet,
    evaluate_council,
    minimum_met,
    shipped_sheet,
)
from tests.strategies import council_sheets

# One criterion with options near the band edges, and a second worth 1 point whose "yes" option is
# a 3-star minimum. Every member below answers "yes" unless a test is about the minimum.
_EDGE = ScoringSheet(
    13,
    "food",
    "coffee",
    (
        Part(
            "A",
            "Phần A. edges",
            100,
            (
                Group(
                    1,
                    "total",
                    100,
                    (
                        Criterion(
                            "A.1.1",
                            "points",
                            99,
                            (
                                Option("48.5", 48.5),
                                Option("48.98", 48.98),
                                Option("49", 49),
                                Option("49.5", 49.5),
                                Option("99", 99),
                            ),
                        ),
                        Criterion(
                            "A.1.2",
                            "declared",
                            1,
                            (Option("no", 0), Option("yes", 1, min_star=3)),
                        ),
                    ),
                ),
            ),
        ),
    ),
)


def _members(*choices: tuple[int, int]) -> list[dict[str, int | None]]:
    return [{"A.1.1": points, "A.1.2": declared} for points, declared in choices]


def test_council_mean_of_49_99_is_two_stars() -> None:
    # 49.98, 50, 50, 49.98 -> 49.99
    result = evaluate_council(_EDGE, _members((1, 1), (2, 1), (2, 1), (1, 1)))
    assert math.isclose(result.total, 49.99)
    assert result.band_stars == 2
    assert result.stars == 2


def test_council_mean_of_exactly_50_is_three_stars() -> None:
    result = evaluate_council(_EDGE, _members((0, 1), (3, 1)))  # 49.5 and 50.5
    assert result.total == 50.0
    assert (result.band_stars, result.stars) == (3, 3)
    assert result.sheet_number == 13
    assert dict(result.parts) == {"A": 50.0}


def test_majority_is_the_default_and_a_tie_is_not_a_majority() -> None:
    two_of_three = evaluate_council(_EDGE, _members((4, 1), (4, 1), (4, 0)))
    assert two_of_three.stars == 5
    tie = evaluate_council(_EDGE, _members((4, 1), (4, 0)))
    assert tie.band_stars == 5
    assert tie.minimum_stars == 2
    (unmet,) = tie.unmet[3]
    assert (unmet.code, unmet.met_by, unmet.members) == ("A.1.2", 1, 2)
    assert "met by 1 of 2 members" in str(unmet)


def test_policies_differ_on_a_split_council() -> None:
    members = _members((4, 1), (4, 1), (4, 0))
    assert evaluate_council(_EDGE, members, CouncilPolicy(Agreement.ALL)).stars == 2
    assert evaluate_council(_EDGE, members, CouncilPolicy(Agreement.MAJORITY)).stars == 5
    # Mean points: 2/3 of a point is under the 1 point the minimum needs.
    assert evaluate_council(_EDGE, members, CouncilPolicy(Agreement.MEAN_POINTS)).stars == 2


def test_mean_points_policy_compares_the_mean_with_the_requirement() -> None:
    coffee = shipped_sheet(13)
    base = {c.code: len(c.options) - 1 for c in coffee.criteria}
    low = dict(base, **{"C.9.1": 1})  # 1 point, the 3-star minimum needs 2
    high = dict(base, **{"C.9.1": 3})  # 3 points
    policy = CouncilPolicy(Agreement.MEAN_POINTS)
    assert evaluate_council(coffee, [low, high], policy).minimum_stars >= 3  # mean 2
    assert evaluate_council(coffee, [low, low, high], policy).minimum_stars == 2  # mean 5/3


def test_members_must_share_the_sheet() -> None:
    coffee = shipped_sheet(13)
    one = coffee.evaluate({c.code: 0 for c in coffee.criteria})
    other = _EDGE.evaluate({"A.1.1": 0, "A.1.2": 0})
    with pytest.raises(InvalidInput, match="must evaluate the same sheet"):
        CouncilResult((one, other))
    with pytest.raises(InvalidInput, match="'members' must be one or more SheetResult"):
        CouncilResult(())
    with pytest.raises(InvalidInput, match="'answer_sets' must be one answer mapping per member"):
        evaluate_council(coffee, [])


def test_a_policy_must_be_a_council_policy() -> None:
    members = _members((4, 1), (4, 1))
    with pytest.raises(
        InvalidInput, match=r"'policy' must be a CouncilPolicy or None \(got 'majority'\)"
    ):
        evaluate_council(_EDGE, members, policy="majority")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"'policy' must be a CouncilPolicy \(got 'all'\)"):
        CouncilResult([_EDGE.evaluate(m) for m in members], "all")  # type: ignore[arg-type]


def test_a_council_policy_checks_its_fields() -> None:
    with pytest.raises(
        InvalidInput,
        match=r"'minimums' must be an Agreement .*\(got 'majority'; use Agreement.MAJORITY\)",
    ):
        CouncilPolicy("majority")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"'minimums' must be an Agreement .*\(got 2\)"):
        CouncilPolicy(2)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"'bands' must be a StarBands \(got '148'\)"):
        CouncilPolicy(bands="148")  # type: ignore[arg-type]


@pytest.mark.parametrize("answer_sets", [None, 5, "A.1.1", {"A.1.1": 0, "A.1.2": 1}])
def test_answer_sets_must_be_one_mapping_per_member(answer_sets: object) -> None:
    with pytest.raises(InvalidInput, match=r"'answer_sets' must be one answer mapping per member"):
        evaluate_council(_EDGE, answer_sets)  # type: ignore[arg-type]


def test_answer_sets_may_be_any_iterable_and_bad_answers_name_the_member() -> None:
    members = _members((4, 1), (4, 1), (4, 0))
    assert evaluate_council(_EDGE, iter(members)) == evaluate_council(_EDGE, members)
    members[2]["A.1.2"] = 7
    with pytest.raises(
        InvalidInput, match=r"'answer_sets' member 2: answer to 'A.1.2' must be an option index"
    ):
        evaluate_council(_EDGE, members)


def test_the_sheet_must_be_a_scoring_sheet() -> None:
    with pytest.raises(InvalidInput, match=r"'sheet' must be a ScoringSheet \(got 13\)"):
        evaluate_council(13, _members((4, 1)))  # type: ignore[arg-type]


def test_members_of_two_versions_of_one_sheet_are_told_apart() -> None:
    coffee = shipped_sheet(13)
    data = coffee.to_dict()
    data["sub_group"] = "coffee (edited)"
    edited = ScoringSheet.from_dict(data)
    answers = {c.code: 0 for c in coffee.criteria}
    with pytest.raises(
        InvalidInput,
        match=r"member 1 used a different sheet 13 \(not equal to member 0's\), member 0 sheet 13",
    ):
        CouncilResult((coffee.evaluate(answers), edited.evaluate(answers)))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([1.0], 1.0, "all"), r"'agreement' must be an Agreement \(got 'all'\)"),
        (([1.0], "1", Agreement.ALL), r"'need' must be a number \(got '1'\)"),
        ((["1"], 1.0, Agreement.ALL), r"'points' must be a sequence of numbers \(got \['1'\]\)"),
        ((1.0, 1.0, Agreement.ALL), r"'points' must be a sequence of numbers \(got 1.0\)"),
    ],
)
def test_minimum_met_names_a_bad_argument(arguments: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        minimum_met(*arguments)  # type: ignore[arg-type]


@given(council_sheets())
def test_council_total_is_the_mean_and_star_is_capped(
    case: tuple[ScoringSheet, list[dict[str, int | None]]],
) -> None:
    sheet, answer_sets = case
    result = evaluate_council(sheet, answer_sets)
    assert math.isclose(result.total, sum(m.total for m in result.members) / len(answer_sets))
    assert math.isclose(result.total, math.fsum(result.parts.values()), abs_tol=1e-9)
    assert result.stars == min(result.band_stars, result.minimum_stars)
    if len(answer_sets) == 1:
        (member,) = result.members
        assert (result.stars, result.minimum_stars) == (member.stars, member.minimum_stars)
