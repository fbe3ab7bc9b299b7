"""Date input and month arithmetic shared by the rules and the workflow.

Every operation takes its date explicitly; nothing here reads the clock. Dates are calendar dates
in Vietnam (Asia/Ho_Chi_Minh, facts page section 5), so a plain ``datetime.date`` is enough.
"""

from __future__ import annotations

import datetime as dt

import pendulum

from ocop_workflow.errors import InvalidInput

__all__ = ["DateLike", "add_days", "add_months", "to_date", "up_to"]

DateLike = dt.date | str
"""A ``datetime.date`` (``pendulum.Date`` is one) or an ISO 8601 string such as ``"2024-03-01"``."""


def to_date(value: object, field: str = "on") -> dt.date:
    """Return ``value`` as a plain ``datetime.date``; raise :class:`InvalidInput` naming ``field``.

    A ``datetime`` is refused rather than truncated: the rules speak of calendar dates, and silently
    dropping a time of day (in which zone?) would hide a caller's bug.
    """
    if type(value) is dt.date:  # the hot path: already a plain date
        return value
    if isinstance(value, dt.datetime):
        raise InvalidInput(f"{field!r} must be a date, not a datetime (got {value!r})")
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"{field!r} must be an ISO date like '2024-03-01' (got {value!r})"
            ) from None
    raise InvalidInput(f"{field!r} must be a date or an ISO date string (got {value!r})")


def add_months(day: dt.date, months: int, field: str = "on") -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day.

    Facts page section 5: 36 months from 29 Feb lands on 28 Feb. pendulum does the clamping. A
    result past the calendar is an :class:`InvalidInput` naming ``field``.
    """
    total = day.year * 12 + day.month - 1 + months
    if not dt.MINYEAR * 12 <= total < (dt.MAXYEAR + 1) * 12:
        raise InvalidInput(_beyond(field, day, f"{months} months"))
    moved = pendulum.Date(day.year, day.month, day.day).add(months=months)
    return dt.date(moved.year, moved.month, moved.day)


def add_days(day: dt.date, days: int, field: str = "on") -> dt.date:
    """``day`` plus ``days``; a result past the calendar (year 9999) is an :class:`InvalidInput`
    naming ``field``, never an ``OverflowError``."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise InvalidInput(_beyond(field, day, f"{days} days")) from None


def up_to(day: dt.date, days: int) -> dt.date:
    """``day`` plus ``days`` as the upper bound of a query: the calendar's last day where the sum
    would pass it (no date lies beyond, so the answer is the same)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def _beyond(field: str, day: dt.date, span: str) -> str:
    return f"{field!r}: {span} from {day} leaves the calendar, which ends on {dt.date.max}"
