"""Evaluation rounds: when each level's council meets, and which round a dossier joins.

Provinces run the process in scheduled rounds with cut-off dates (facts page section 4; the seed
plan's calendar), and councils may add rounds. A :class:`RoundSchedule` holds one year's rounds,
validated when built, and answers :meth:`~RoundSchedule.next_round`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import attrs

from ocop_workflow.dates import DateLike, to_date
from ocop_workflow.errors import DefinitionError, InvalidInput
from ocop_workflow.rules import Level

__all__ = [
    "NATIONAL_2026_ROUNDS",
    "SON_LA_2024",
    "AnnualRound",
    "MonthDay",
    "Round",
    "RoundSchedule",
    "annual_schedule",
    "national_2026",
    "son_la_2024",
]


def _level(value: object) -> Level:
    return Level.parse(value)


def _held_by(value: DateLike) -> dt.date:
    return to_date(value, "held_by")


def _cutoff(value: DateLike) -> dt.date:
    return to_date(value, "cutoff")


def _flag(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"{attribute.name!r} must be True or False (got {value!r})")


def _whole(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{attribute.name!r} must be a whole number (got {value!r})")


@attrs.frozen(order=False)
class Round:
    """Round ``number`` of ``level``: held by ``held_by``, for dossiers ready by ``cutoff``.

    ``level`` may be given as its value (``"district"``) and the dates as ISO strings. A schedule
    numbers its rounds itself, per level in date order, whatever ``number`` they came with.
    ``next_year`` lets a round of this year's cycle fall early next year (Decision 26/2026's
    second ministry round, facts page section 6).
    """

    level: Level = attrs.field(converter=_level)
    number: int = attrs.field(validator=_whole)
    held_by: dt.date = attrs.field(converter=_held_by)
    cutoff: dt.date = attrs.field(converter=_cutoff)
    next_year: bool = attrs.field(default=False, validator=_flag)

    def __str__(self) -> str:
        return f"{self.level.value} round {self.number} (cut-off {self.cutoff}, by {self.held_by})"


R = TypeVar("R")


def _sequence_of(kind: type[R], rounds: object) -> tuple[R, ...]:
    """``rounds`` as a tuple of ``kind``; otherwise an :class:`InvalidInput` naming the item."""
    if isinstance(rounds, str | bytes) or not isinstance(rounds, Iterable):
        raise InvalidInput(f"'rounds' must be a sequence of {kind.__name__} (got {rounds!r})")
    given = tuple(rounds)
    article = "an" if kind.__name__[0] in "AEIOU" else "a"
    for index, r in enumerate(given):
        if not isinstance(r, kind):
            raise InvalidInput(f"'rounds[{index}]' must be {article} {kind.__name__} (got {r!r})")
    return given


def _check_year(year: object) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not dt.MINYEAR <= year < dt.MAXYEAR:
        raise InvalidInput(f"'year' must be a year from 1 to {dt.MAXYEAR - 1} (got {year!r})")


def _numbered(rounds: Iterable[Round]) -> tuple[Round, ...]:
    """The rounds sorted by level and date, numbered from 1 within each level."""
    given = _sequence_of(Round, rounds)
    ordered = sorted(given, key=lambda r: (r.level.rank, r.held_by))
    result: list[Round] = []
    for r in ordered:
        number = sum(1 for done in result if done.level is r.level) + 1
        result.append(attrs.evolve(r, number=number))
    return tuple(result)


@attrs.frozen
class RoundSchedule:
    """The rounds of one ``year``, numbered per level in the order they are held.

    Validated at construction: a cut-off is not after its round; dates are inside the year (unless
    the round spans years, then before the next year's end); no two rounds of a level share a date;
    and every round of a lower level feeds a round of the next level (a district round precedes
    the province round it feeds, and its dossiers are ready before that round's cut-off).
    """

    year: int
    rounds: tuple[Round, ...] = attrs.field(converter=_numbered)

    def __attrs_post_init__(self) -> None:
        _check_year(self.year)
        ranks = [lv.rank for lv in self.levels]
        if ranks and ranks != list(range(ranks[0], ranks[0] + len(ranks))):
            raise DefinitionError(
                "a schedule's levels must follow each other, each feeding the next "
                f"(got {', '.join(lv.value for lv in self.levels)})"
            )
        last = dt.date(self.year, 12, 31)
        for r in self.rounds:
            if r.cutoff > r.held_by:
                raise DefinitionError(f"{r}: 'cutoff' must not be after 'held_by'")
            limit = dt.date(self.year + 1, 12, 31) if r.next_year else last
            for name, day in (("cutoff", r.cutoff), ("held_by", r.held_by)):
                if not dt.date(self.year, 1, 1) <= day <= limit:
                    raise DefinitionError(
                        f"{r}: {name!r} must fall in {self.year}"
                        f"{' or the next year' if r.next_year else ''} (got {day})"
                    )
        seen: set[tuple[Level, dt.date]] = set()
        for r in self.rounds:
            if (r.level, r.held_by) in seen:
                raise DefinitionError(f"two {r.level.value} rounds are held by {r.held_by}")
            seen.add((r.level, r.held_by))
        levels = self.levels
        for lower, upper in itertools.pairwise(levels):
            for r in self.at(lower):
                if self.feeds(r) is None:
                    raise DefinitionError(
                        f"{r} feeds no {upper.value} round: none held after {r.held_by} "
                        "has its cut-off on or after that day"
                    )

    @property
    def levels(self) -> tuple[Level, ...]:
        """The levels with rounds, lowest first."""
        return tuple(sorted({r.level for r in self.rounds}, key=lambda lv: lv.rank))

    def at(self, level: Level) -> tuple[Round, ...]:
        """The rounds of ``level`` in the order they are held."""
        return tuple(r for r in self.rounds if r.level is level)

    def next_round(self, level: Level | str, ready_on: DateLike) -> Round | None:
        """The round of ``level`` a dossier ready on ``ready_on`` joins: the first whose cut-off
        has not passed. ``None`` when every cut-off of the year has passed."""
        day = to_date(ready_on, "ready_on")
        level = Level.parse(level)
        if level not in self.levels:
            raise InvalidInput(
                f"'level' {level.value!r} has no rounds in {self.year} "
                f"(levels: {', '.join(lv.value for lv in self.levels)})"
            )
        return next((r for r in self.at(level) if r.cutoff >= day), None)

    def feeds(self, round_: Round) -> Round | None:
        """The round of the next level up that a dossier forwarded from ``round_`` joins: the first
        held after ``round_`` whose cut-off is not before the day ``round_`` is held."""
        if round_ not in self.rounds:
            raise InvalidInput(
                f"'round_' must be a round of this {self.year} schedule (got {round_})"
            )
        levels = self.levels
        index = levels.index(round_.level)
        if index + 1 == len(levels):
            return None
        day = round_.held_by
        return next(
            (r for r in self.at(levels[index + 1]) if r.held_by > day and r.cutoff >= day), None
        )

    def with_round(
        self, level: Level, held_by: DateLike, cutoff: DateLike, *, next_year: bool = False
    ) -> RoundSchedule:
        """A schedule with one more round (councils may add rounds, facts page section 4)."""
        added = Round(level, 0, to_date(held_by, "held_by"), to_date(cutoff, "cutoff"), next_year)
        return RoundSchedule(self.year, (*self.rounds, added))

    def to_ical(self, path: str | Path | None = None, *, name: str = "OCOP") -> bytes:
        """The schedule as an iCalendar file for officials' calendars (``calendar`` extra).

        Each round gives two all-day events: its cut-off and the date it is held by. Written to
        ``path`` when given; the bytes are returned either way.
        """
        try:
            import icalendar
        except ImportError:
            raise ImportError(
                "iCalendar export needs the 'calendar' extra: "
                'pip install "ocop-workflow[calendar]"'
            ) from None
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//ocop-workflow//rounds//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", f"{name} {self.year}")
        for r in self.rounds:
            for what, day in (("cut-off", r.cutoff), ("round", r.held_by)):
                event = icalendar.Event()
                event.add("uid", f"{name}-{self.year}-{r.level.value}-{r.number}-{what}@ocop")
                event.add("summary", f"{name}: {r.level.value} round {r.number} {what}")
                event.add("dtstart", day)
                event.add("dtend", day + dt.timedelta(days=1))
                event.add("dtstamp", dt.datetime(self.year, 1, 1, tzinfo=dt.UTC))
                calendar.add_component(event)
        data: bytes = calendar.to_ical()
        if path is not None:
            Path(path).write_bytes(data)
        return data


def _rounds(level: Level, pairs: Iterable[tuple[dt.date, dt.date]]) -> list[Round]:
    return [Round(level, 0, held, cutoff) for held, cutoff in pairs]


def son_la_2024(district_cutoff_days: int = 30, province_cutoff_days: int = 15) -> RoundSchedule:
    """Sơn La's 2024 rounds from the seed plan: district by 15 Jun and 15 Oct, province by 10 Jul
    and 30 Oct. The seed gives only the dates rounds are held by; the cut-offs are that many days
    earlier (parameters, assumptions)."""

    def pair(held: dt.date, days: int) -> tuple[dt.date, dt.date]:
        return held, held - dt.timedelta(days=days)

    district = [
        pair(dt.date(2024, 6, 15), district_cutoff_days),
        pair(dt.date(2024, 10, 15), district_cutoff_days),
    ]
    province = [
        pair(dt.date(2024, 7, 10), province_cutoff_days),
        pair(dt.date(2024, 10, 30), province_cutoff_days),
    ]
    return RoundSchedule(
        2024, (*_rounds(Level.DISTRICT, district), *_rounds(Level.PROVINCE, province))
    )


SON_LA_2024 = son_la_2024()
"""The seed plan's 2024 calendar for Sơn La."""


MonthDay = tuple[int, int]
"""A (month, day) date of no particular year; 29 February becomes the 28th in other years."""


def _on(year: int, month_day: MonthDay) -> dt.date:
    month, day = month_day
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return dt.date(year, month, day)


def _month_day(instance: object, attribute: attrs.Attribute[MonthDay], value: object) -> None:
    try:
        _on(2024, value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{attribute.name!r} must be a (month, day) pair of a real date (got {value!r})"
        ) from None


@attrs.frozen
class AnnualRound:
    """A round of ``level`` held every year by ``held_by`` for dossiers ready by ``cutoff``.

    ``next_year`` places the round (and its cut-off) early in the following year, as the
    ministry's second round under Decision 26/2026 (facts page section 6).
    """

    level: Level = attrs.field(converter=_level)
    held_by: MonthDay = attrs.field(validator=_month_day)
    cutoff: MonthDay = attrs.field(validator=_month_day)
    next_year: bool = attrs.field(default=False, validator=_flag)

    def held_on(self, year: int) -> dt.date:
        """The date the round of ``year``'s cycle is held by."""
        return _on(year + self.next_year, self.held_by)

    def cutoff_on(self, year: int) -> dt.date:
        """The cut-off of the round of ``year``'s cycle."""
        return _on(year + self.next_year, self.cutoff)

    def of_year(self, year: int) -> Round:
        """This round in ``year``'s cycle (numbered when placed in a schedule)."""
        return Round(
            self.level, 0, self.held_on(year), self.cutoff_on(year), next_year=self.next_year
        )


def annual_schedule(year: int, rounds: Iterable[AnnualRound]) -> RoundSchedule:
    """The schedule of ``year`` made of rounds held every year (validated like any schedule)."""
    _check_year(year)
    return RoundSchedule(year, tuple(r.of_year(year) for r in _sequence_of(AnnualRound, rounds)))


NATIONAL_2026_ROUNDS: tuple[AnnualRound, ...] = (
    # Facts page section 6 (unconfirmed): province round 1 held by 30 Jun for dossiers received by
    # 30 Apr, round 2 by 30 Dec for those received by 30 Oct; ministry round 1 by 30 Sep (received
    # by 30 Jul), round 2 by 30 Mar of the next year (received by 30 Jan of the next year).
    AnnualRound(Level.PROVINCE, (6, 30), (4, 30)),
    AnnualRound(Level.PROVINCE, (12, 30), (10, 30)),
    AnnualRound(Level.CENTRAL, (9, 30), (7, 30)),
    AnnualRound(Level.CENTRAL, (3, 30), (1, 30), next_year=True),
)
"""Decision 26/2026's default rounds (unconfirmed, hence a default a caller may replace)."""


def national_2026(year: int, rounds: Iterable[AnnualRound] = NATIONAL_2026_ROUNDS) -> RoundSchedule:
    """Decision 26/2026's rounds for ``year``: :data:`NATIONAL_2026_ROUNDS` unless ``rounds``
    gives others (facts page section 6, unconfirmed)."""
    return annual_schedule(year, rounds)
