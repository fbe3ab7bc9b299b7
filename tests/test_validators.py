"""The boundary checks: canonical types out, InvalidInput naming the field for anything else."""

import decimal
import fractions
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import Level
from ocop_workflow.validators import (
    MAX_WHOLE,
    finite_real,
    instances,
    json_safe,
    member,
    shown,
    whole,
)

anything = st.one_of(
    st.integers(),
    st.floats(),
    st.decimals(),
    st.fractions(),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


def integral(value: object) -> bool:
    """Restated: a real number, not a bool, finite, with no fraction, within 64 bits."""
    if isinstance(value, bool) or not isinstance(
        value, int | float | decimal.Decimal | fractions.Fraction
    ):
        return False
    try:
        return math.isfinite(value) and value == int(value) and abs(int(value)) <= MAX_WHOLE
    except ValueError:  # a signalling NaN refuses even to be compared
        return False


@given(anything)
def test_whole_gives_an_int_for_exactly_the_integral_values(value):
    if not integral(value):
        with pytest.raises(InvalidInput, match="'sheet' must be a whole number"):
            whole(value, "sheet")
    else:
        number = whole(value, "sheet")
        assert type(number) is int
        assert number == value
        assert json.loads(json.dumps(number)) == number


@pytest.mark.parametrize("value", [np.int64(13), np.float64(13.0), 13.0, decimal.Decimal("13")])
def test_whole_normalises_integral_values_of_other_types(value):
    assert type(whole(value, "sheet")) is int


@given(anything)
def test_finite_real_gives_a_finite_float_or_names_the_field(value):
    try:
        number = finite_real(value, "score", 0, 100)
    except InvalidInput as error:
        message = str(error)
    else:
        assert type(number) is float
        assert 0 <= number <= 100
        return
    assert message.startswith("'score' must be")


def test_numbers_too_large_for_a_float_are_refused():
    with pytest.raises(InvalidInput, match="'score' must be a number a float can hold"):
        finite_real(10**400, "score")


@given(st.integers(min_value=10**4000, max_value=10**4100))
def test_shown_never_fails_even_on_numbers_repr_refuses(value):
    assert len(shown(value)) <= 60


def test_json_safe_refuses_what_json_cannot_hold():
    json_safe({"a": [1, 2.5, None, "x", True]}, "details")
    for bad in ({"a": {1, 2}}, {1: "a"}, {"a": float("nan")}, {"a": np.int64(1)}):
        with pytest.raises(InvalidInput, match="'details"):
            json_safe(bad, "details")


def test_member_lists_the_values():
    assert member(Level, "district", "level") is Level.DISTRICT
    with pytest.raises(InvalidInput, match="'level' must be one of commune, district"):
        member(Level, ["district"], "level")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("PD", "'levels' must be an iterable of Level (got str)"),
        ({Level.PROVINCE: 1}, "'levels' must be an iterable of Level (got dict)"),
        (5, "'levels' must be an iterable of Level (got int)"),
        ([Level.PROVINCE, "central"], "'levels[1]' must be a Level (got 'central')"),
    ],
)
def test_instances_names_the_container_or_the_item(value, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        instances(value, Level, "levels")


def test_instances_gives_a_list_of_the_items():
    assert instances((lv for lv in (Level.PROVINCE, Level.CENTRAL)), Level, "levels") == [
        Level.PROVINCE,
        Level.CENTRAL,
    ]
