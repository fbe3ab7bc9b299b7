"""Working days in Vietnam: weekends and public holidays, lunar new year (Tết) included.

Facts page section 5: dates in the rules are calendar dates in Asia/Ho_Chi_Minh (UTC+7, no daylight
saving), and some limits count working days. The holidays come from the maintained ``holidays``
package (its Vietnamese calendar), never from a hand-written list. That calendar also knows the
Saturdays the government declares working days in exchange for a bridge day off (24 April 2024's
decision: Monday 29 April off, Saturday 4 May worked), and they count as working days here.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays
import pendulum

from ocop_workflow.dates import DateLike, to_date
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import RuleSet
from ocop_workflow.validators import whole

__all__ = [
    "ZONE",
    "add_working_days",
    "commune_check_deadline",
    "date_in_vietnam",
    "holiday_name",
    "is_working_day",
    "working_days_between",
]

ZONE = "Asia/Ho_Chi_Minh"


@functools.cache
def _calendar() -> holidays.HolidayBase:
    # The package fills in each year on first lookup.
    return holidays.country_holidays("VN")


def date_in_vietnam(moment: dt.datetime) -> dt.date:
    """The calendar date in Vietnam of an aware ``moment`` (a server's UTC timestamp, say)."""
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise InvalidInput(f"'moment' must be a datetime with a time zone (got {moment!r})")
    local = pendulum.instance(moment).in_timezone(ZONE)
    return dt.date(local.year, local.month, local.day)


def holiday_name(day: DateLike) -> str | None:
    """The public holiday on ``day``, if any (English name from the ``holidays`` package)."""
    name = _calendar().get(to_date(day, "day"))
    return None if name is None else str(name)


def is_working_day(day: DateLike) -> bool:
    """Monday to Friday and not a Vietnamese public holiday or a day off given in exchange, or a
    weekend day declared a working day in that exchange."""
    return bool(_calendar().is_working_day(to_date(day, "day")))


def add_working_days(start: DateLike, days: int) -> dt.date:
    """The working day ``days`` working days after ``start`` (``start`` itself not counted).

    With ``days=0`` it is the first working day on or after ``start``. The result is never a
    holiday, nor a weekend day unless one declared a working day; it never moves back as ``days``
    grows.
    """
    days = whole(days, "days", 0)
    day = to_date(start, "start")
    try:
        if days == 0:
            while not is_working_day(day):
                day += dt.timedelta(days=1)
            return day
        for _ in range(days):
            day += dt.timedelta(days=1)
            while not is_working_day(day):
                day += dt.timedelta(days=1)
    except OverflowError:
        raise InvalidInput(
            f"'days' {days} after {start} runs past the last representable date"
        ) from None
    return day


def working_days_between(start: DateLike, end: DateLike) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    first, last = to_date(start, "start"), to_date(end, "end")
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def commune_check_deadline(filed_on: DateLike, rules: RuleSet) -> dt.date | None:
    """The last day for the commune's check of a dossier filed on ``filed_on``.

    Decision 26/2026 (facts page section 6): within 15 working days, the rule set's
    ``deadlines.commune_check_working_days``; ``None`` under regimes that set no limit.
    """
    limit = rules.deadlines.commune_check_working_days
    return None if limit is None else add_working_days(filed_on, limit)
