import datetime as dt

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import InvalidInput, rulesets
from ocop_workflow.calendar import (
    add_working_days,
    commune_check_deadline,
    date_in_vietnam,
    holiday_name,
    is_working_day,
    working_days_between,
)

days = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2030, 12, 31))


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-29",
        "2025-01-30",
        "2026-02-17",
        "2026-02-18",
        "2025-04-30",
        "2025-05-01",
        "2025-09-02",
        "2026-09-02",
        "2024-09-02",
    ],
)
def test_tet_and_national_holidays_are_not_working_days(day):
    assert not is_working_day(day)
    assert holiday_name(day)


def test_tet_2026_holiday_is_named():
    assert "Lunar New Year" in (holiday_name("2026-02-17") or "")
    assert holiday_name("2026-03-17") is None


def test_adding_working_days_skips_tet():
    # Friday 13 Feb 2026, then the Tết break (16-20 Feb) and the weekend.
    assert add_working_days("2026-02-13", 1) == dt.date(2026, 2, 23)


def test_adding_over_30_april_and_1_may():
    assert add_working_days("2025-04-29", 1) == dt.date(2025, 5, 5)


def test_zero_days_is_the_first_working_day_on_or_after():
    assert add_working_days("2026-02-14", 0) == dt.date(2026, 2, 23)
    assert add_working_days("2026-03-02", 0) == dt.date(2026, 3, 2)


def test_commune_check_deadline_is_15_working_days_under_26_2026():
    # Filed Monday 2 Feb 2026: 3-6 and 9-13 Feb (9 days), Tết 16-20 Feb, 23-27 Feb (14), 2 Mar.
    assert commune_check_deadline("2026-02-02", rulesets.QD26_2026) == dt.date(2026, 3, 2)
    assert commune_check_deadline("2024-02-02", rulesets.QD148_2023) is None


def test_date_in_vietnam_is_utc_plus_7():
    late_utc = dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC)
    assert date_in_vietnam(late_utc) == dt.date(2026, 3, 2)
    with pytest.raises(InvalidInput, match="'moment' must be a datetime with a time zone"):
        date_in_vietnam(dt.datetime(2026, 3, 1, 18, 30))
    with pytest.raises(InvalidInput, match="'moment' must be a datetime"):
        date_in_vietnam(dt.date(2026, 3, 1))  # type: ignore[arg-type]


def test_working_days_past_the_last_date_are_refused():
    with pytest.raises(InvalidInput, match="runs past the last representable date"):
        add_working_days("9999-12-20", 30)


def test_bad_day_count_is_refused():
    with pytest.raises(
        InvalidInput, match=r"'days' must be a whole number of at least 0 \(got -1\)"
    ):
        add_working_days("2026-03-02", -1)


# Saturdays worked in exchange for a bridge day off, as the holidays package's Vietnamese calendar
# knows them (its list grows with each decree; a hand-copied list went stale with 2025-04-26).
WORKED_SATURDAYS = holidays.country_holidays("VN", years=range(2019, 2031)).weekend_workdays


@given(days, st.integers(min_value=0, max_value=60))
def test_never_lands_on_a_weekend_or_holiday(start, n):
    end = add_working_days(start, n)
    assert end.weekday() < 5 or end in WORKED_SATURDAYS
    assert holiday_name(end) is None
    assert end >= start


def test_a_saturday_worked_in_exchange_for_a_bridge_day_counts():
    # 2024: Monday 29 April off (between the weekend and 30 April), Saturday 4 May worked.
    assert not is_working_day("2024-04-29")
    assert is_working_day("2024-05-04")
    assert add_working_days("2024-05-03", 1) == dt.date(2024, 5, 4)
    assert working_days_between("2024-04-26", "2024-05-06") == 4  # 2, 3, 4 (Saturday), 6 May


@given(days, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_monotone_in_the_number_of_days(start, a, b):
    low, high = sorted((a, b))
    assert add_working_days(start, low) <= add_working_days(start, high)
    # Strictly so from one day on: from a day off, 0 days (the first working day on or after
    # it) and 1 day (the first after it) are the same day (1 Jan 2019 -> 2 Jan).
    if 0 < low < high:
        assert add_working_days(start, low) < add_working_days(start, high)


@given(days, st.integers(min_value=1, max_value=40))
def test_counting_back_gives_the_number_added(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n
