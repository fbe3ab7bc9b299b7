import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import DefinitionError, InvalidInput, Level, OcopError
from ocop_workflow.rounds import (
    NATIONAL_2026_ROUNDS,
    SON_LA_2024,
    AnnualRound,
    Round,
    RoundSchedule,
    national_2026,
    son_la_2024,
)

year_2024 = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 12, 31))


def test_son_la_2024_holds_the_seed_dates():
    held = [(r.level, r.number, r.held_by) for r in SON_LA_2024.rounds]
    assert held == [
        (Level.DISTRICT, 1, dt.date(2024, 6, 15)),
        (Level.DISTRICT, 2, dt.date(2024, 10, 15)),
        (Level.PROVINCE, 1, dt.date(2024, 7, 10)),
        (Level.PROVINCE, 2, dt.date(2024, 10, 30)),
    ]


def test_contract_example():
    joined = SON_LA_2024.next_round(Level.DISTRICT, ready_on=dt.date(2024, 6, 20))
    assert joined is not None
    assert (joined.number, joined.held_by, joined.cutoff) == (
        2,
        dt.date(2024, 10, 15),
        dt.date(2024, 9, 15),
    )


def test_each_district_round_feeds_the_province_round_after_it():
    district_1, district_2 = SON_LA_2024.at(Level.DISTRICT)
    assert SON_LA_2024.feeds(district_1).held_by == dt.date(2024, 7, 10)
    assert SON_LA_2024.feeds(district_2).held_by == dt.date(2024, 10, 30)


def test_no_round_left_is_none():
    assert SON_LA_2024.next_round(Level.DISTRICT, "2024-09-16") is None


def test_cutoffs_are_parameters():
    assert son_la_2024(district_cutoff_days=10).at(Level.DISTRICT)[0].cutoff == dt.date(2024, 6, 5)


def test_a_council_adds_a_round_and_numbers_follow_the_dates():
    extra = SON_LA_2024.with_round(Level.DISTRICT, "2024-08-15", "2024-07-31")
    assert [(r.number, r.held_by.month) for r in extra.at(Level.DISTRICT)] == [
        (1, 6),
        (2, 8),
        (3, 10),
    ]
    assert extra.next_round(Level.DISTRICT, "2024-06-20").held_by == dt.date(2024, 8, 15)
    assert extra.feeds(extra.at(Level.DISTRICT)[1]).held_by == dt.date(2024, 10, 30)


def test_26_2026_defaults_include_a_ministry_round_next_march():
    schedule = national_2026(2027)
    assert [str(r) for r in schedule.at(Level.CENTRAL)] == [
        "central round 1 (cut-off 2027-07-30, by 2027-09-30)",
        "central round 2 (cut-off 2028-01-30, by 2028-03-30)",
    ]
    assert schedule.feeds(schedule.at(Level.PROVINCE)[1]).held_by == dt.date(2028, 3, 30)


@pytest.mark.parametrize(
    ("rounds", "message"),
    [
        (
            [Round(Level.DISTRICT, 0, dt.date(2024, 6, 15), dt.date(2024, 6, 20))],
            "'cutoff' must not be after",
        ),
        (
            [Round(Level.DISTRICT, 0, dt.date(2025, 1, 15), dt.date(2024, 12, 20))],
            "'held_by' must fall in 2024",
        ),
        (
            [
                Round(Level.DISTRICT, 0, dt.date(2024, 6, 15), dt.date(2024, 6, 1)),
                Round(Level.DISTRICT, 0, dt.date(2024, 6, 15), dt.date(2024, 5, 1)),
            ],
            "two district rounds",
        ),
        (
            [
                Round(Level.DISTRICT, 0, dt.date(2024, 11, 15), dt.date(2024, 11, 1)),
                Round(Level.PROVINCE, 0, dt.date(2024, 10, 30), dt.date(2024, 10, 1)),
            ],
            "district round 1 .* feeds no province round",
        ),
    ],
)
def test_inconsistent_schedules_are_refused(rounds, message):
    with pytest.raises(DefinitionError, match=message):
        RoundSchedule(2024, rounds)


def test_a_forwarded_dossier_needs_a_round_whose_cutoff_has_not_passed():
    # Province cut-offs 20 days before: round 2 closes on 10 Oct, before district round 2 sits.
    with pytest.raises(
        DefinitionError, match=r"district round 2 .* feeds no province round: none held after"
    ):
        son_la_2024(province_cutoff_days=20)
    same_day = [
        Round(Level.DISTRICT, 0, dt.date(2024, 6, 15), dt.date(2024, 6, 1)),
        Round(Level.PROVINCE, 0, dt.date(2024, 7, 10), dt.date(2024, 6, 15)),
    ]
    schedule = RoundSchedule(2024, same_day)
    assert schedule.feeds(schedule.at(Level.DISTRICT)[0]).held_by == dt.date(2024, 7, 10)


def test_26_2026_rounds_are_a_default_the_caller_may_replace():
    assert national_2026(2027) == national_2026(2027, NATIONAL_2026_ROUNDS)
    one_round_each = [
        AnnualRound(Level.PROVINCE, (5, 31), (3, 31)),
        AnnualRound(Level.CENTRAL, (8, 31), (6, 30)),
    ]
    schedule = national_2026(2027, one_round_each)
    assert [(r.level, r.held_by) for r in schedule.rounds] == [
        (Level.PROVINCE, dt.date(2027, 5, 31)),
        (Level.CENTRAL, dt.date(2027, 8, 31)),
    ]


def test_an_annual_round_on_29_february_falls_on_the_28th_in_other_years():
    leap_day = AnnualRound(Level.PROVINCE, (2, 29), (2, 1))
    assert leap_day.held_on(2024) == dt.date(2024, 2, 29)
    assert leap_day.held_on(2025) == dt.date(2025, 2, 28)
    with pytest.raises(InvalidInput, match=r"'held_by' must be a \(month, day\) pair .*\(2, 30\)"):
        AnnualRound(Level.PROVINCE, (2, 30), (2, 1))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Round("county", 0, "2024-06-15", "2024-06-01"), "'level' must be one of"),
        (lambda: Round("district", 0, "15/06/2024", "2024-06-01"), "'held_by' must be"),
        (lambda: Round(Level.DISTRICT, "1", "2024-06-15", "2024-06-01"), "'number' must be"),  # type: ignore[arg-type]
        (lambda: Round(Level.DISTRICT, 0, "2024-06-15", "2024-06-01", "yes"), "'next_year'"),  # type: ignore[arg-type]
        (lambda: RoundSchedule(0, ()), "'year' must be a year from 1"),
        (lambda: RoundSchedule(2024, ("district",)), r"'rounds\[0\]' must be a Round"),  # type: ignore[arg-type]
        (
            lambda: RoundSchedule(
                2024,
                [
                    Round(Level.DISTRICT, 0, "2024-06-15", "2024-06-01"),
                    Round(Level.CENTRAL, 0, "2024-09-15", "2024-09-01"),
                ],
            ),
            "levels must follow each other",
        ),
    ],
)
def test_bad_rounds_and_schedules_are_named(build, message):
    with pytest.raises(OcopError, match=message):
        build()


def test_levels_may_be_named_and_foreign_rounds_are_refused():
    assert SON_LA_2024.next_round("district", "2024-06-20") == SON_LA_2024.at(Level.DISTRICT)[1]
    stray = Round(Level.DISTRICT, 1, dt.date(2024, 3, 1), dt.date(2024, 2, 1))
    with pytest.raises(InvalidInput, match="must be a round of this 2024 schedule"):
        SON_LA_2024.feeds(stray)


def test_a_level_without_rounds_is_named():
    with pytest.raises(InvalidInput, match="'central' has no rounds in 2024"):
        SON_LA_2024.next_round(Level.CENTRAL, "2024-01-01")


@given(year_2024, st.sampled_from([Level.DISTRICT, Level.PROVINCE]))
def test_next_round_never_returns_a_round_whose_cutoff_has_passed(ready_on, level):
    joined = SON_LA_2024.next_round(level, ready_on)
    if joined is None:
        assert all(r.cutoff < ready_on for r in SON_LA_2024.at(level))
    else:
        assert joined.cutoff >= ready_on
        assert all(r.cutoff < ready_on for r in SON_LA_2024.at(level) if r.number < joined.number)


def test_ical_export_has_two_events_per_round(tmp_path):
    icalendar = pytest.importorskip("icalendar", reason="needs the 'calendar' extra")
    path = tmp_path / "son-la.ics"
    data = SON_LA_2024.to_ical(path, name="Sơn La OCOP")
    assert path.read_bytes() == data
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 8
    summaries = {str(e["summary"]) for e in events}
    assert "Sơn La OCOP: district round 1 round" in summaries
    starts = {e["dtstart"].dt for e in events}
    assert dt.date(2024, 10, 30) in starts


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: AnnualRound("bogus", (6, 30), (4, 30)), "'level' must be one of"),
        (lambda: AnnualRound("province", (6, 30), (4, 30), next_year="yes"), "'next_year'"),  # type: ignore[arg-type]
        (lambda: national_2026(2026, rounds=["x"]), r"'rounds\[0\]' must be an AnnualRound"),  # type: ignore[list-item]
        (lambda: national_2026(2026, rounds=5), "'rounds' must be a sequence of AnnualRound"),  # type: ignore[arg-type]
        (lambda: national_2026("2026"), "'year' must be a year"),  # type: ignore[arg-type]
    ],
)
def test_bad_annual_rounds_are_named(build, message):
    with pytest.raises(InvalidInput, match=message):
        build()
