import datetime as dt

import pytest

from ocop_workflow import DossierState, InvalidInput, Workflow, rulesets
from ocop_workflow.portfolio import (
    by_district,
    by_stars,
    by_state,
    cohorts,
    evaluations_overdue,
    expire_due,
    expiring_within,
    in_reevaluation_window,
    past_expiry,
)
from ocop_workflow.testing import certified_dossier, registered_dossier

WF = Workflow(rulesets.QD148_2023)


@pytest.fixture
def portfolio():
    return [
        certified_dossier(
            WF, 65.0, on=dt.date(2020, 5, 4), number="SL-2020-1", district="Mộc Châu"
        ),
        certified_dossier(WF, 75.0, on=dt.date(2024, 6, 20), number="SL-2024-1"),
        certified_dossier(WF, 75.0, on=dt.date(2024, 7, 20), number="SL-2024-2"),
        certified_dossier(WF, 95.0, on=dt.date(2024, 8, 1), number="SL-2024-3"),
        registered_dossier(WF, submitted_on=dt.date(2024, 3, 1), district="Yên Châu"),
    ]


def numbers(dossiers):
    return [d.certificate.number for d in dossiers]


def test_contract_example_30_day_notice_list(portfolio):
    assert numbers(expiring_within(portfolio, days=30, as_of=dt.date(2027, 6, 1))) == ["SL-2024-1"]
    assert numbers(expiring_within(portfolio, days=60, as_of="2027-06-01")) == [
        "SL-2024-1",
        "SL-2024-2",
    ]


def test_past_expiry_lists_certificates_not_yet_marked(portfolio):
    assert numbers(past_expiry(portfolio, "2024-09-01")) == ["SL-2020-1"]


def test_expire_due_expires_in_bulk_and_reports(portfolio):
    report = expire_due(portfolio, as_of="2027-07-25")
    assert numbers(report.expired) == ["SL-2020-1", "SL-2024-1", "SL-2024-2"]
    assert report.failed == ()
    assert portfolio[0].state is DossierState.EXPIRED
    assert portfolio[0].history[-1].on == dt.date(2023, 5, 4)  # dated on its expiry day
    assert portfolio[3].state is DossierState.CERTIFIED
    assert "3 certificates expired as of 2027-07-25" in str(report)
    assert expire_due(portfolio, as_of="2027-07-25").expired == ()


def test_reevaluation_window_under_26_2026(portfolio):
    # SL-2024-2 expires 2027-07-20: its window is 2027-01-21 to 2027-03-22.
    assert numbers(in_reevaluation_window(portfolio, as_of="2027-02-01")) == [
        "SL-2024-1",
        "SL-2024-2",
    ]
    assert numbers(in_reevaluation_window(portfolio, as_of="2027-03-22")) == [
        "SL-2024-2",
        "SL-2024-3",
    ]
    with pytest.raises(InvalidInput, match="QD148_2023 sets no re-evaluation filing window"):
        in_reevaluation_window(portfolio, as_of="2024-02-01")


def test_cohorts_by_recognition_year(portfolio):
    groups = cohorts(portfolio)
    assert list(groups) == [2020, 2024]
    assert len(groups[2024]) == 3


def test_counts_in_the_appendix_shape(portfolio):
    assert by_district(portfolio)[("Mai Sơn", "first_time")] == 3
    assert by_district(portfolio)[("Yên Châu", "first_time")] == 1
    assert by_state(portfolio)[DossierState.CERTIFIED] == 4
    assert by_stars(portfolio) == {3: 1, 4: 2, 5: 1}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            lambda ds: expiring_within([d.to_dict() for d in ds], 30, "2027-06-01"),
            r"'dossiers\[0\]' must be a Dossier \(got dict\)",
        ),
        (lambda ds: by_state("dossiers"), "'dossiers' must be an iterable of Dossier"),  # type: ignore[arg-type]
        (lambda ds: in_reevaluation_window(ds, "2027-03-01", rules="QD26_2026"), "'rules'"),  # type: ignore[arg-type]
        (lambda ds: expire_due(ds, "2027-08-01", workflow="QD26_2026"), "'workflow'"),  # type: ignore[arg-type]
        (lambda ds: expiring_within(ds, -1, "2027-06-01"), "'days'"),
        (lambda ds: evaluations_overdue(ds, "2019-01-01"), "'as_of' must be on or after 2019"),
    ],
)
def test_bad_queries_are_named_and_change_nothing(portfolio, query, message):
    before = [d.to_dict() for d in portfolio]
    with pytest.raises(InvalidInput, match=message):
        query(portfolio)
    assert [d.to_dict() for d in portfolio] == before


def test_a_query_window_past_the_calendar_is_no_overflow():
    d = certified_dossier(WF)
    assert expiring_within([d], days=10**7, as_of=dt.date(2024, 1, 1)) == [d]
    assert expiring_within([d], days=30, as_of=dt.date(9999, 12, 20)) == []
