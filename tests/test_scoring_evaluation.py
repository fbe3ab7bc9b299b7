"""Evaluating one set of answers: totals, bands, minimums and the final star."""

from __future__ import annotations

import enum
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import StarBands
from ocop_workflow.scoring import ScoringSheet, shipped_sheet
from tests.strategies import scored_sheets

COFFEE = shipped_sheet(13)


def _best(sheet: ScoringSheet) -> dict[str, int | None]:
    return {
        c.code: max(range(len(c.options)), key=lambda i: c.options[i].points)
        for c in sheet.criteria
    }


def test_the_best_answers_score_all_but_the_declared_shortfall_and_five_stars() -> None:
    result = COFFEE.evaluate(_best(COFFEE))
    assert result.total == 98.0  # part C's criteria give 33 of its 35 (a declared gap)
    assert dict(result.parts) == {"A": 40.0, "B": 25.0, "C": 33.0}
    assert [(g.code, g.given, g.required) for g in result.gaps] == [("C", 33.0, 35.0)]
    assert (result.band_stars, result.minimum_stars, result.stars) == (5, 5, 5)
    assert all(not result.unmet[star] for star in (3, 4, 5))
    assert result.sheet_number == 13


def test_a_high_total_is_capped_by_an_unmet_minimum() -> None:
    answers = _best(COFFEE)
    answers["C.9.1"] = 1  # internal control plan only: under the 3-star minimum (option 2)
    result = COFFEE.evaluate(answers)
    assert result.total == 94.0
    assert result.band_stars == 5
    assert result.minimum_stars == 2
    assert result.stars == 2
    (unmet,) = result.unmet[3]
    assert (unmet.code, unmet.required_option, unmet.required_points) == ("C.9.1", 2, 2.0)
    assert (unmet.chosen, unmet.chosen_points) == (1, 1.0)
    assert "3★ needs C.9.1" in str(unmet)
    assert [u.code for u in result.unmet[5]] == ["C.9.1"]


def test_a_four_star_minimum_caps_at_three() -> None:
    answers = _best(COFFEE)
    answers["A.1.3"] = 0  # small scale: under the 4-star minimum
    result = COFFEE.evaluate(answers)
    assert (result.band_stars, result.minimum_stars, result.stars) == (5, 3, 3)
    assert not result.unmet[3]
    assert [u.code for u in result.unmet[4]] == ["A.1.3"]


def test_none_means_no_option_applies_and_fails_a_mandatory_criterion() -> None:
    answers = _best(COFFEE)
    answers["A.3.6"] = None  # intellectual property is mandatory for 4 stars
    result = COFFEE.evaluate(answers)
    assert result.points["A.3.6"] == 0.0
    assert result.minimum_stars == 3
    assert [u.code for u in result.unmet[4]] == ["A.3.6"]
    assert "no option chosen" in str(result.unmet[4][0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"A.1.1": 3}, r"answer to 'A.1.1' must be an option index from 0 to 2 or None \(got 3\)"),
        ({"A.1.1": -1}, r"answer to 'A.1.1'.*\(got -1\)"),
        ({"A.1.1": True}, r"answer to 'A.1.1'.*\(got True\)"),
        ({"A.1.1": "2"}, r"answer to 'A.1.1'.*\(got '2'\)"),
        ({"Z.9.9": 0}, r"sheet 13 has no criterion 'Z.9.9'"),
    ],
)
def test_bad_answers_are_invalid_input_naming_the_code(
    change: dict[str, object], message: str
) -> None:
    answers: dict[str, object] = dict(_best(COFFEE))
    answers.update(change)
    with pytest.raises(InvalidInput, match=message):
        COFFEE.evaluate(answers)  # type: ignore[arg-type]


def test_an_int_subclass_is_named_like_any_other_bad_answer() -> None:
    class Choice(enum.IntEnum):
        FIRST = 0

    answers: dict[str, object] = dict(_best(COFFEE))
    answers["A.1.1"] = Choice.FIRST
    with pytest.raises(InvalidInput, match=r"answer to 'A.1.1' must be an option index .*FIRST"):
        COFFEE.evaluate(answers)  # type: ignore[arg-type]


def test_an_unanswered_criterion_is_named() -> None:
    answers = _best(COFFEE)
    del answers["B.4.2"]
    with pytest.raises(InvalidInput, match=r"criterion 'B.4.2' is not answered"):
        COFFEE.evaluate(answers)


@pytest.mark.parametrize("bands", ["148", (30, 50, 70, 90), 0])
def test_bands_must_be_star_bands(bands: object) -> None:
    message = rf"'bands' must be a StarBands or None \(got {re.escape(repr(bands))}\)"
    with pytest.raises(InvalidInput, match=message):
        COFFEE.evaluate(_best(COFFEE), bands=bands)  # type: ignore[arg-type]


def test_bands_place_the_total() -> None:
    answers = _best(COFFEE)
    answers["A.1.2"] = 0  # 95 points
    assert COFFEE.evaluate(answers).total == 95.0
    assert COFFEE.evaluate(answers).stars == 5
    assert COFFEE.evaluate(answers, bands=StarBands((30, 50, 70, 96))).stars == 4


@given(scored_sheets())
def test_total_is_the_sum_of_the_parts(case: tuple[ScoringSheet, dict[str, int | None]]) -> None:
    sheet, answers = case
    result = sheet.evaluate(answers)
    assert result.total == math.fsum(result.parts.values())
    assert math.isclose(result.total, math.fsum(result.points.values()))


@given(scored_sheets())
def test_final_star_is_capped_by_band_and_minimums(
    case: tuple[ScoringSheet, dict[str, int | None]],
) -> None:
    sheet, answers = case
    result = sheet.evaluate(answers)
    assert result.stars == min(result.band_stars, result.minimum_stars)
    assert result.band_stars == result.bands.stars(result.total)
    for star in (3, 4, 5):
        assert bool(result.unmet[star]) == (result.minimum_stars < star)


@given(scored_sheets(), st.data())
def test_raising_one_answer_never_lowers_total_or_star(
    case: tuple[ScoringSheet, dict[str, int | None]], data: st.DataObject
) -> None:
    sheet, answers = case
    before = sheet.evaluate(answers)
    criterion = data.draw(st.sampled_from(sheet.criteria))
    now = answers[criterion.code]
    now_points = 0.0 if now is None else criterion.options[now].points
    higher = [i for i, o in enumerate(criterion.options) if o.points >= now_points]
    assert higher  # the current option itself, or any option when nothing applies (0 points)
    raised = dict(answers)
    raised[criterion.code] = data.draw(st.sampled_from(higher))
    after = sheet.evaluate(raised)
    assert after.total >= before.total
    assert after.stars >= before.stars
    assert after.minimum_stars >= before.minimum_stars
