"""The sheet model: construction checks, positional codes, per-star requirements."""

from __future__ import annotations

import math

import attrs
import pytest

from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring import (
    Criterion,
    Gap,
    GapResolution,
    Group,
    Option,
    Part,
    ScoringSheet,
    shipped_sheet,
)


def _criterion(code: str = "A.1.1", **changes: object) -> Criterion:
    fields: dict[str, object] = {
        "code": code,
        "title": "raw materials",
        "maximum": 5,
        "options": (Option("few", 1), Option("half", 3, min_star=3), Option("most", 5, min_star=4)),
    }
    fields.update(changes)
    return Criterion(**fields)  # type: ignore[arg-type]


def test_option_points_must_be_a_non_negative_number() -> None:
    with pytest.raises(InvalidInput, match=r"'points' must be a finite number >= 0 \(got -1.0\)"):
        Option("bad", -1)
    with pytest.raises(InvalidInput, match=r"'points'.*got 'two'"):
        Option("bad", "two")


def test_a_marker_must_be_three_four_or_five() -> None:
    with pytest.raises(InvalidInput, match=r"'min_star' must be None, 3, 4 or 5 \(got 2\)"):
        Option("bad", 1, min_star=2)
    with pytest.raises(InvalidInput, match=r"got True"):
        Option("bad", 1, min_star=True)


def test_a_code_must_look_like_part_group_criterion() -> None:
    with pytest.raises(InvalidInput, match=r"'code' must look like 'C.6.3' \(got 'C6.3'\)"):
        _criterion(code="C6.3")


def test_a_criterion_needs_options() -> None:
    with pytest.raises(InvalidInput, match=r"criterion 'A.1.1': 'options' must be a non-empty"):
        _criterion(options=())


def test_requirements_are_cumulative_and_judged_by_points() -> None:
    criterion = _criterion()
    assert [criterion.requirement(star) for star in (3, 4, 5)] == [3.0, 5.0, 5.0]
    assert criterion.lowest_option_reaching(3.0) == 1
    assert criterion.lowest_option_reaching(6.0) is None


def test_a_marker_on_a_criterion_requires_some_points() -> None:
    options = (Option("none", 0), Option("some", 2), Option("more", 1))
    criterion = _criterion(options=options, min_star=4, maximum=2)
    assert [criterion.requirement(star) for star in (3, 4, 5)] == [0.0, 1.0, 1.0]
    assert math.isinf(_criterion(options=(Option("none", 0),), min_star=3).requirement(3))


def test_a_direct_group_repeats_its_criterion() -> None:
    only = _criterion(code="C.7.1", title="uniqueness")
    group = Group(7, "uniqueness", 5, (only,), direct=True)
    assert group.criteria == (only,)
    with pytest.raises(InvalidInput, match="must repeat the group's title"):
        Group(7, "other title", 5, (only,), direct=True)


def test_codes_must_follow_the_position() -> None:
    group = Group(1, "production", 5, (_criterion(code="A.1.2"),))
    with pytest.raises(InvalidInput, match=r"criterion 'A.1.2' sits at position 'A.1.1'"):
        ScoringSheet(13, "food", "coffee", (Part("A", "Part A", 5, (group,)),))


def test_group_numbers_rise_across_the_sheet() -> None:
    first = Group(2, "one", 5, (_criterion(code="A.2.1"),))
    second = Group(2, "two", 5, (_criterion(code="B.2.1"),))
    with pytest.raises(InvalidInput, match=r"group numbers must rise across the sheet \(got 2"):
        ScoringSheet(
            13, "food", "coffee", (Part("A", "A", 5, (first,)), Part("B", "B", 5, (second,)))
        )


def test_sheet_number_is_one_to_twenty_six() -> None:
    part = Part("A", "A", 5, (Group(1, "g", 5, (_criterion(),)),))
    with pytest.raises(
        InvalidInput, match=r"'number' must be a sheet number from 1 to 26 \(got 27\)"
    ):
        ScoringSheet(27, "food", "coffee", (part,))


def test_the_shipped_coffee_sheet_has_positional_codes() -> None:
    sheet = shipped_sheet(13)
    assert sheet.codes[0] == "A.1.1"
    assert "C.6.7" in sheet.codes  # the seventh and last sensory criterion
    assert "C.6.8" not in sheet.codes  # no source gives an eighth (part C's declared shortfall)
    assert sheet.criterion("C.7.1").title.startswith("7. Uniqueness")
    assert [p.maximum for p in sheet.parts] == [40.0, 25.0, 35.0]
    with pytest.raises(InvalidInput, match=r"sheet 13 has no criterion 'Z.1.1'"):
        sheet.criterion("Z.1.1")


def test_the_sheet_is_hashable_and_compares_by_value() -> None:
    assert shipped_sheet(13) == shipped_sheet(13)
    assert hash(shipped_sheet(13)) == hash(shipped_sheet(13))


def test_requirement_and_lowest_option_need_numbers() -> None:
    criterion = _criterion()
    with pytest.raises(InvalidInput, match=r"'star' must be a whole number such as 3 \(got '4'\)"):
        criterion.requirement("4")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"'star' must be .*\(got 4.0\)"):
        criterion.requirement(4.0)  # type: ignore[arg-type]
    assert criterion.requirement(2) == 0.0
    with pytest.raises(InvalidInput, match=r"'points' must be a number \(got '3'\)"):
        criterion.lowest_option_reaching("3")  # type: ignore[arg-type]
    assert criterion.lowest_option_reaching(3) == 1


def test_looking_up_a_code_that_is_not_a_string_is_invalid_input() -> None:
    sheet = shipped_sheet(13)
    with pytest.raises(InvalidInput, match=r"sheet 13 has no criterion \['A.1.1'\]"):
        sheet.criterion(["A.1.1"])  # type: ignore[arg-type]


def test_direct_must_be_a_bool() -> None:
    only = _criterion(code="C.7.1", title="uniqueness")
    with pytest.raises(InvalidInput, match=r"'direct' must be True or False \(got 'yes'\)"):
        Group(7, "uniqueness", 5, (only,), direct="yes")  # type: ignore[arg-type]


def test_a_gap_is_a_checked_value() -> None:
    gap = Gap("C", GapResolution.SHORTFALL, 33, 35, "part C gives 33")
    assert (gap.given, gap.required, gap.criteria) == (33.0, 35.0, ())
    assert Gap("A.1.4/1", GapResolution.INFERRED, None, 1).given is None
    sheet = shipped_sheet(13)
    assert attrs.evolve(sheet, gaps=()) != sheet  # the declaration is part of the sheet


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("C", "shortfall", 33, 35), r"'resolution' must be a GapResolution \(got 'shortfall'\)"),
        (("C.", GapResolution.SHORTFALL, 33, 35), r"'code' must name a part, group, criterion"),
        (("C", GapResolution.SHORTFALL, -1, 35), r"'given' must be a finite number >= 0"),
        (("C", GapResolution.SHORTFALL, 33, None), r"'required' must be a finite number >= 0"),
        (("C", GapResolution.SHORTFALL, None, 35), r"'given' is required for a shortfall gap"),
        (("C", GapResolution.SHORTFALL, 35, 35), r"a shortfall gives less than required"),
        (("C.8", GapResolution.ONE_OF, 3, 3), r"alternatives add up to more than the group"),
        (("C.8.1", GapResolution.ONE_OF, 6, 3), r"alternatives are merged within a group"),
        (("A.1.1/0", GapResolution.INFERRED, 1, 1), r"an inferred value must differ"),
        (("C", GapResolution.ASSUMED, 33, 35), r"'criteria' lists the criteria an assumed gap"),
        (("C.6.4/0", GapResolution.SHORTFALL, 2, 3), r"a shortfall is in a part, group or crit"),
    ],
)
def test_a_bad_gap_is_named(arguments: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Gap(*arguments)  # type: ignore[arg-type]


def test_assumed_criteria_are_codes() -> None:
    with pytest.raises(InvalidInput, match=r"'criteria' must be criterion codes"):
        Gap("C", GapResolution.ASSUMED, 33, 35, criteria=("C.6",))
    with pytest.raises(InvalidInput, match=r"'criteria' must be a sequence"):
        Gap("C", GapResolution.ASSUMED, 33, 35, criteria="C.6.8")
    with pytest.raises(InvalidInput, match=r"'gaps' must be a tuple of Gap"):
        attrs.evolve(shipped_sheet(13), gaps=("C",))  # type: ignore[arg-type]
