import datetime as dt

import pendulum
import pytest
from hypothesis import given

from ocop_workflow.dates import add_months, to_date
from ocop_workflow.errors import InvalidInput
from tests.strategies import dates


def test_iso_string_is_accepted():
    assert to_date("2024-03-01") == dt.date(2024, 3, 1)


def test_pendulum_date_becomes_a_plain_date():
    day = to_date(pendulum.date(2024, 2, 29))
    assert type(day) is dt.date
    assert day == dt.date(2024, 2, 29)


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", 20240301, None])
def test_bad_date_names_field_and_value(bad):
    with pytest.raises(InvalidInput, match=r"'submitted_on'.*" + repr(bad)[:6].replace("(", r"\(")):
        to_date(bad, "submitted_on")


def test_datetime_is_refused_not_truncated():
    with pytest.raises(InvalidInput, match="not a datetime"):
        to_date(dt.datetime(2024, 3, 1, 12, 0))


def test_36_months_from_29_february_is_28_february():
    assert add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 2, 28)


def test_36_months_from_29_february_to_a_leap_year_keeps_the_day():
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)


@given(dates)
def test_adding_months_keeps_the_day_or_clamps_to_month_end(day):
    later = add_months(day, 36)
    assert (later.year, later.month) == (day.year + 3, day.month)
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)
