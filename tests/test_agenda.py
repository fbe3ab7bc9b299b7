"""The agenda: every dated obligation the dossiers imply, each once (facts page sections 4.6, 6)."""

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_workflow import InvalidInput, Level, Workflow, rulesets
from ocop_workflow.calendar import add_working_days
from ocop_workflow.portfolio import Due, agenda
from ocop_workflow.rounds import SON_LA_2024, national_2026
from ocop_workflow.testing import certified_dossier, registered_dossier

WF = Workflow(rulesets.QD148_2023)
QD26_FROM = dt.date(2026, 7, 21)
CHECKED = {Due.NOTICE, Due.EXPIRY, Due.REEVALUATION_OPENS, Due.REEVALUATION_CLOSES}


def plus_36_months(day):
    """Section 5, restated: 36 calendar months later, clamped to the month's last day."""
    year = day.year + 3
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def implied(d, notified):
    """What a certified dossier implies (sections 4.6 and 6), independently of the library."""
    end = plus_36_months(d.certificate.issued_on)
    found = {(Due.EXPIRY, end)}
    if not notified:
        found.add((Due.NOTICE, end - dt.timedelta(days=30)))
    for days, what in ((180, Due.REEVALUATION_OPENS), (120, Due.REEVALUATION_CLOSES)):
        if end - dt.timedelta(days=days) >= QD26_FROM:  # 26/2026's window, once in force
            found.add((what, end - dt.timedelta(days=days)))
    return found


@st.composite
def portfolios(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    dossiers, notified = [], []
    for i in range(count):
        # Not a dossier caught by 26/2026's 60-day transitional deadline on its way, nor one whose
        # builder's weekly steps straddle a change of scoring levels (July 2025).
        on = draw(
            st.dates(dt.date(2020, 1, 1), dt.date(2027, 6, 30)).filter(
                lambda day: (
                    not dt.date(2026, 7, 1) <= day <= dt.date(2026, 11, 30)
                    and rulesets.in_force(day - dt.timedelta(days=113))
                    is rulesets.in_force(day - dt.timedelta(days=99))
                )
            )
        )
        d = certified_dossier(WF, draw(st.sampled_from([60.0, 75.0])), on=on, number=f"N-{i}")
        sent = draw(st.booleans())
        if sent:
            WF.notify_expiry(d, on=d.certificate.expires_on - dt.timedelta(days=40))
        dossiers.append(d)
        notified.append(sent)
    return dossiers, notified


def key(row):
    return (row.on, row.what, id(row.dossier), row.detail)


@settings(max_examples=60)
@given(
    portfolios(),
    st.dates(dt.date(2021, 1, 1), dt.date(2030, 12, 31)),
    st.integers(min_value=0, max_value=500),
)
def test_the_agenda_misses_nothing_the_dossiers_imply_and_lists_nothing_twice(
    portfolio, start, days
):
    dossiers, notified = portfolio
    end = start + dt.timedelta(days=days)
    rows = agenda(dossiers, start=start, end=end)
    assert len({key(r) for r in rows}) == len(rows)
    assert list(rows) == sorted(rows, key=lambda r: r.on)
    for d, sent in zip(dossiers, notified, strict=True):
        listed = {(r.what, r.on) for r in rows if r.dossier is d and r.what in CHECKED}
        assert listed == {(w, on) for w, on in implied(d, sent) if start <= on <= end}
    # One by one: the portfolio's agenda is the union of each dossier's.
    alone = {key(r) for d in dossiers for r in agenda([d], start=start, end=end)}
    assert alone == {key(r) for r in rows}


def test_rounds_in_process_deadlines_and_levels():
    pending = registered_dossier(WF, submitted_on=dt.date(2026, 8, 3), district=None)
    rows = agenda([pending], start="2026-08-01", end="2026-12-31", schedule=[national_2026(2026)])
    (check,) = [r for r in rows if r.what is Due.COMMUNE_CHECK]
    # 15 working days after filing (section 6); working days themselves are tested in
    # test_calendar (the holidays package's calendar, exchanged Saturdays included).
    assert (check.on, check.level, check.dossier) == (
        add_working_days(dt.date(2026, 8, 3), 15),
        Level.COMMUNE,
        pending,
    )
    assert check.on > dt.date(2026, 8, 3) + dt.timedelta(days=15)
    rounds = [(r.on, r.what) for r in rows if r.dossier is None]
    assert (dt.date(2026, 9, 30), Due.ROUND) in rounds
    assert (dt.date(2026, 10, 30), Due.ROUND_CUTOFF) in rounds
    d = certified_dossier(WF, 95.0, on=dt.date(2024, 8, 1))  # 5 stars: the ministry
    (expiry,) = list(agenda([d], start="2027-08-01", end="2027-08-01"))
    assert (expiry.what, expiry.level) == (Due.EXPIRY, Level.CENTRAL)
    with pytest.raises(InvalidInput, match="'end' must not be before 'start'"):
        agenda([d], start="2027-08-02", end="2027-08-01")
    with pytest.raises(InvalidInput, match="'schedule\\[0\\]' must be a RoundSchedule"):
        agenda([d], start="2027-08-01", end="2027-08-02", schedule=["x"])  # type: ignore[list-item]
    assert agenda([], start="2024-01-01", end="2024-12-31", schedule=SON_LA_2024)


def test_a_dataframe_and_an_icalendar_file():
    d = certified_dossier(WF, on=dt.date(2024, 7, 20), number="SL-2024-017")
    rows = agenda([d], start="2027-01-01", end="2027-12-31", schedule=national_2026(2027))
    frame = rows.to_frame()
    assert list(frame["what"]) == [r.what.value for r in rows]
    assert set(frame.loc[frame["certificate"].notna(), "certificate"]) == {"SL-2024-017"}
    import icalendar

    parsed = icalendar.Calendar.from_ical(rows.to_ical())
    events = list(parsed.walk("VEVENT"))
    assert len(events) == len(rows)
    assert len({str(e["uid"]) for e in events}) == len(rows)
    assert sorted(e.decoded("dtstart") for e in events) == [r.on for r in rows]
