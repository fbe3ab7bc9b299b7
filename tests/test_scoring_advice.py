"""The upgrade advisor: its advice reaches the next star, and nothing cheaper does."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, note, settings

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import StarBands
from ocop_workflow.scoring import (
    Agreement,
    CouncilPolicy,
    Criterion,
    Group,
    Option,
    Part,
    ScoringSheet,
    advise,
    evaluate_council,
    shipped_sheet,
)
from tests.strategies import council_sheets, scored_sheets, shipped_sheets_answered

COFFEE = shipped_sheet(13)


def _bands_for(sheet: ScoringSheet) -> StarBands:
    """Decision 148's bands scaled to a small generated sheet, so that every star is reachable."""
    top = min(sheet.maximum, 100.0)
    if top <= 0:
        return StarBands()
    return StarBands((0.3 * top, 0.5 * top, 0.7 * top, 0.9 * top))


def test_coffee_advice_meets_the_minimum_and_the_points() -> None:
    answers = {c.code: len(c.options) - 1 for c in COFFEE.criteria}
    answers["C.9.1"] = 1  # under the 3-star minimum: 2 stars despite 96 points
    result = COFFEE.evaluate(answers)
    advice = result.advice()
    assert advice is not None
    assert (advice.current_stars, advice.target) == (2, 3)
    assert [m.code for m in advice.minimums] == ["C.9.1"]
    (change,) = advice.changes
    assert (change.code, change.to_option, change.gain, change.minimum_star) == ("C.9.1", 2, 1.0, 3)
    assert "meets the 3★ minimum" in str(advice)
    after = COFFEE.evaluate(advice.apply(answers))
    assert (after.total, after.stars) == (95.0, 3)  # 4 stars would need the next option


def test_coffee_advice_for_points_only_adds_the_fewest_points() -> None:
    # Every minimum met at the lowest option that meets it: all minimums pass, 48 points.
    answers = {c.code: c.lowest_option_reaching(c.requirement(5)) or 0 for c in COFFEE.criteria}
    result = COFFEE.evaluate(answers)
    assert (result.total, result.minimum_stars, result.stars) == (48.0, 5, 2)
    advice = result.advice()
    assert advice is not None
    assert advice.target == 3
    assert advice.points_missing == 2.0
    assert advice.gain == 2.0  # whole-point steps exist, so exactly the gap
    assert not advice.minimums
    assert all(c.minimum_star is None for c in advice)
    assert "points missing: 2" in str(advice)
    assert COFFEE.evaluate(advice.apply(answers)).stars == 3


def test_no_advice_at_five_stars() -> None:
    best = {c.code: len(c.options) - 1 for c in COFFEE.criteria}
    assert COFFEE.evaluate(best).stars == 5
    assert COFFEE.evaluate(best).advice() is None


def test_no_advice_when_a_mandatory_criterion_earns_nothing() -> None:
    part = Part(
        "A",
        "Phần A",
        10,
        (
            Group(
                1,
                "g",
                10,
                (
                    Criterion("A.1.1", "points", 10, (Option("low", 0), Option("high", 10))),
                    Criterion("A.1.2", "mandatory", 0, (Option("none", 0),), min_star=3),
                ),
            ),
        ),
    )
    sheet = ScoringSheet(1, "food", "fresh produce", (part,))
    result = sheet.evaluate({"A.1.1": 0, "A.1.2": 0}, StarBands((1.0, 2.0, 5.0, 9.0)))
    assert result.stars == 1
    assert result.advice() is not None  # 1 to 2 stars: points only
    raised = sheet.evaluate({"A.1.1": 1, "A.1.2": 0}, StarBands((1.0, 2.0, 5.0, 9.0)))
    assert (raised.band_stars, raised.stars) == (5, 2)
    assert raised.advice() is None  # 3 stars can never be met


def test_no_advice_when_the_band_is_out_of_reach() -> None:
    best = {c.code: len(c.options) - 1 for c in COFFEE.criteria}
    best["A.1.2"] = 2  # 97 points; the sheet's best is 98 (part C's declared 2-point shortfall)
    assert advise(COFFEE, (best,), 4, StarBands((30.0, 50.0, 70.0, 98.5))) is None
    reachable = StarBands((30.0, 50.0, 70.0, 98.0))
    capped = COFFEE.evaluate(best, reachable)
    assert capped.stars == 4
    advice = capped.advice()
    assert advice is not None  # 98 is reachable: raise A.1.2
    assert [c.code for c in advice] == ["A.1.2"]


@settings(max_examples=60)
@given(scored_sheets())
def test_applying_the_advice_reaches_the_next_star(
    case: tuple[ScoringSheet, dict[str, int | None]],
) -> None:
    sheet, answers = case
    bands = _bands_for(sheet)
    result = sheet.evaluate(answers, bands)
    advice = result.advice()
    note(f"stars {result.stars}, advice {advice}")
    if advice is None:
        # Documented: only at 5 stars or when even the best answers cannot reach the next star.
        best = {
            c.code: max(range(len(c.options)), key=lambda i: c.options[i].points)
            for c in sheet.criteria
        }
        assert result.stars == 5 or sheet.evaluate(best, bands).stars <= result.stars
        return
    after = sheet.evaluate(advice.apply(answers), bands)
    assert after.stars >= result.stars + 1
    assert math.isclose(after.total - result.total, advice.gain, abs_tol=1e-9)


@settings(max_examples=50)
@given(shipped_sheets_answered())
def test_applying_the_advice_reaches_the_next_star_on_every_shipped_sheet(
    case: tuple[ScoringSheet, dict[str, int | None]],
) -> None:
    """The same property on the 26 shipped sheets (one sampled per example), Decision 148's
    bands, gaps included: a declared shortfall only lowers the best total a product can reach."""
    sheet, answers = case
    result = sheet.evaluate(answers)
    advice = result.advice()
    note(f"sheet {sheet.number}, stars {result.stars}, advice {advice}")
    if advice is None:
        best = {
            c.code: max(range(len(c.options)), key=lambda i: c.options[i].points)
            for c in sheet.criteria
        }
        assert result.stars == 5 or sheet.evaluate(best).stars <= result.stars
        return
    after = sheet.evaluate(advice.apply(answers))
    assert after.stars >= result.stars + 1
    assert math.isclose(after.total - result.total, advice.gain, abs_tol=1e-9)
    assert after.gaps == result.gaps == sheet.gaps


@settings(max_examples=40)
@given(council_sheets(max_members=3))
def test_applying_council_advice_to_every_member_reaches_the_next_star(
    case: tuple[ScoringSheet, list[dict[str, int | None]]],
) -> None:
    sheet, answer_sets = case
    policy = CouncilPolicy(bands=_bands_for(sheet))
    result = evaluate_council(sheet, answer_sets, policy)
    advice = result.advice()
    if advice is None:
        best = {
            c.code: max(range(len(c.options)), key=lambda i: c.options[i].points)
            for c in sheet.criteria
        }
        assert result.stars == 5 or sheet.evaluate(best, policy.bands).stars <= result.stars
        return
    after = evaluate_council(sheet, [advice.apply(a) for a in answer_sets], policy)
    assert after.stars >= result.stars + 1


@settings(max_examples=40)
@given(scored_sheets())
def test_no_cheaper_set_of_changes_reaches_the_next_star(
    case: tuple[ScoringSheet, dict[str, int | None]],
) -> None:
    sheet, answers = case
    criteria = sheet.criteria
    if len(criteria) > 5:  # brute force stays small
        criteria = criteria[:5]
        answers = dict(answers)
    bands = _bands_for(sheet)
    result = sheet.evaluate(answers, bands)
    advice = result.advice()
    if advice is None or result.stars == 5:
        return
    # Every combination of "keep or raise to an option" over the first criteria; the rest kept.
    per_criterion = []
    for criterion in criteria:
        current = answers[criterion.code]
        now = 0.0 if current is None else criterion.options[current].points
        per_criterion.append(
            [current, *[i for i, o in enumerate(criterion.options) if o.points > now]]
        )
    for combo in itertools.product(*per_criterion):
        trial = dict(answers)
        trial.update({c.code: choice for c, choice in zip(criteria, combo, strict=True)})
        outcome = sheet.evaluate(trial, bands)
        if outcome.stars >= result.stars + 1:
            assert outcome.total - result.total >= advice.gain - 1e-9


def _middling() -> dict[str, int | None]:
    """The middle option everywhere: 2 stars with some minimums unmet."""
    return {c.code: len(c.options) // 2 for c in COFFEE.criteria}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sheet": 13}, r"'sheet' must be a ScoringSheet \(got 13\)"),
        ({"answer_sets": None}, r"'answer_sets' must be one answer mapping per member"),
        ({"answer_sets": _middling()}, r"'answer_sets' must be one answer mapping per"),
        ({"answer_sets": []}, r"'answer_sets' must be .* \(got none\)"),
        ({"answer_sets": [{}]}, r"'answer_sets' member 0: criterion 'A.1.1' is not answer"),
        ({"stars": "2"}, r"'stars' must be a star from 1 to 5 \(got '2'\)"),
        ({"stars": 0}, r"'stars' must be a star from 1 to 5 \(got 0\)"),
        ({"stars": True}, r"'stars' must be a star from 1 to 5 \(got True\)"),
        ({"bands": None}, r"'bands' must be a StarBands \(got None\)"),
        ({"agreement": "majority"}, r"'agreement' must be an Agreement \(got 'majority'\)"),
    ],
)
def test_advise_names_a_bad_argument(arguments: dict[str, object], message: str) -> None:
    call: dict[str, object] = {
        "sheet": COFFEE,
        "answer_sets": [_middling()],
        "stars": 2,
        "bands": StarBands(),
        "agreement": Agreement.MAJORITY,
    }
    call.update(arguments)
    with pytest.raises(InvalidInput, match=message):
        advise(**call)  # type: ignore[arg-type]


def test_advise_takes_any_iterable_of_answers() -> None:
    answers = _middling()
    expected = advise(COFFEE, [answers], 2, StarBands())
    assert expected is not None
    assert advise(COFFEE, iter([answers]), 2, StarBands()) == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"A.1.1": 7}, r"answer to 'A.1.1' must be an option index from 0 to 2 or None \(got 7\)"),
        ({"A.1.1": "x"}, r"answer to 'A.1.1'.*\(got 'x'\)"),
        ({"Z.1.1": 0}, r"sheet 13 has no criterion 'Z.1.1'"),
    ],
)
def test_applying_advice_to_bad_answers_names_them(change: dict[str, object], message: str) -> None:
    answers = _middling()
    advice = COFFEE.evaluate(answers).advice()
    assert advice is not None
    bad: dict[str, object] = {**answers, **change}
    with pytest.raises(InvalidInput, match=message):
        advice.apply(bad)  # type: ignore[arg-type]
    assert bad == {**answers, **change}  # nothing changed
    with pytest.raises(InvalidInput, match=r"'answers' must map criterion codes"):
        advice.apply(None)  # type: ignore[arg-type]
    incomplete = dict(answers)
    del incomplete["C.9.1"]
    with pytest.raises(InvalidInput, match=r"criterion 'C.9.1' is not answered"):
        advice.apply(incomplete)
