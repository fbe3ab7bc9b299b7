import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import DefinitionError, InvalidInput, Level, Workflow, rulesets
from ocop_workflow.rules import RevocationReason, RouteKind
from tests.strategies import dates

EFFECTIVE = [r.effective_from for r in rulesets.ALL]


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("2019-08-21", "QD1048_2019"),
        ("2023-02-23", "QD1048_2019"),
        ("2023-02-24", "QD148_2023"),
        ("2024-03-01", "QD148_2023"),
        ("2025-07-05", "QD148_2023"),
        ("2025-07-06", "QD1489_2025"),
        ("2026-07-20", "QD1489_2025"),
        ("2026-07-21", "QD26_2026"),
    ],
)
def test_in_force_on_the_effective_dates(day, code):
    assert rulesets.in_force(dt.date.fromisoformat(day)).code == code
    assert rulesets.in_force(day).code == code  # ISO strings, as everywhere else


def test_contract_examples():
    assert rulesets.in_force(on=dt.date(2024, 3, 1)) is rulesets.QD148_2023
    assert Workflow.for_date(dt.date(2026, 9, 1)).ruleset is rulesets.QD26_2026


def test_nothing_is_in_force_before_1048():
    with pytest.raises(InvalidInput, match=r"must be on or after 2019-08-21.*\(got 2019-08-20\)"):
        rulesets.in_force(dt.date(2019, 8, 20))


@given(dates)
def test_in_force_is_defined_from_2019_08_21_and_covers_the_day(day):
    rules = rulesets.in_force(day)
    assert rules.effective_from <= day
    assert rules.effective_until is None or day < rules.effective_until


@given(dates, st.integers(min_value=1, max_value=400))
def test_in_force_changes_only_on_effective_dates(day, span):
    later = day + dt.timedelta(days=span)
    if not any(day < start <= later for start in EFFECTIVE):
        assert rulesets.in_force(day) is rulesets.in_force(later)


def test_the_timeline_has_no_gaps():
    for earlier, later in zip(rulesets.ALL, rulesets.ALL[1:], strict=False):
        assert earlier.effective_until == later.effective_from


def test_1048_rounds_a_fraction_half_up_and_forwards_50_from_the_district():
    rules = rulesets.QD1048_2019
    assert rules.bands.stars(69.5) == 4
    assert rules.bands.stars(69.49) == 3
    assert rules.route(Level.DISTRICT, 49.5).kind is RouteKind.FORWARD
    assert rules.route(Level.DISTRICT, 49.49).kind is RouteKind.NOT_RECOGNISED
    route = rules.route(Level.PROVINCE, 60.0)
    assert (route.kind, route.level) == (RouteKind.RECOGNISE, Level.PROVINCE)


def test_after_july_2025_the_province_recognises_3_and_4_stars():
    for rules in (rulesets.QD1489_2025, rulesets.QD26_2026):
        assert rules.scoring_levels == (Level.PROVINCE, Level.CENTRAL)
        assert rules.recognising_level(3) is Level.PROVINCE
        assert rules.recognising_level(4) is Level.PROVINCE
        assert rules.recognising_level(5) is Level.CENTRAL


def test_26_2026_province_recognises_after_a_ministry_score_under_90():
    route = rulesets.QD26_2026.route(Level.CENTRAL, 85.0)
    assert (route.kind, route.stars, route.level) == (RouteKind.RECOGNISE, 4, Level.PROVINCE)


def test_26_2026_numbers_are_parameters_with_the_facts_page_defaults():
    limits = rulesets.QD26_2026.deadlines
    assert limits.reevaluation_window == (180, 120)
    assert (limits.evaluation_days, limits.commune_check_working_days) == (45, 15)
    assert (limits.finish_first_time_days, limits.finish_reevaluation_days) == (60, 30)
    assert limits.extension_days == 180
    other = rulesets.qd26_2026(dt.date(2026, 8, 1), reevaluation_window=(150, 90))
    assert other.effective_from == dt.date(2026, 8, 1)
    assert other.deadlines.reevaluation_window == (150, 90)


def test_26_2026_levels_validity_and_grounds_are_parameters_too():
    tuned = rulesets.qd26_2026(
        forwards_at=85.0,
        validity_months=24,
        notice_days=60,
        revocation_reasons=[RevocationReason.FALSE_DOSSIER],
    )
    assert tuned.rule_for(Level.PROVINCE).forwards_at == 85.0
    assert (tuned.validity.months, tuned.validity.notice_days) == (24, 60)
    assert tuned.revocation_reasons == frozenset({RevocationReason.FALSE_DOSSIER})
    defaults = rulesets.QD26_2026
    assert defaults.rule_for(Level.PROVINCE).forwards_at == 90.0
    assert (defaults.validity.months, defaults.validity.notice_days) == (36, 30)


def test_a_tuned_regime_takes_the_shipped_ones_place_in_the_timeline():
    tuned = rulesets.qd26_2026(extension_days=90)
    chain = rulesets.timeline_with(tuned)
    assert chain == (rulesets.QD1048_2019, rulesets.QD148_2023, rulesets.QD1489_2025, tuned)
    workflow = Workflow(tuned)
    assert workflow.rules_on("2020-01-01") is rulesets.QD1048_2019
    assert workflow.rules_on("2026-09-01") is tuned


def test_a_replacement_out_of_the_timelines_order_is_refused():
    early = rulesets.qd26_2026(dt.date(2025, 1, 1))
    with pytest.raises(InvalidInput, match="QD26_2026 takes effect on 2025-01-01, out of"):
        rulesets.timeline_with(early)
    with pytest.raises(InvalidInput, match="'ruleset' must be a RuleSet \\(got 'QD26_2026'\\)"):
        rulesets.timeline_with("QD26_2026")  # type: ignore[arg-type]


def test_each_regime_names_its_sheet_parts():
    # Facts page sections 1 and 3: 1048's sheets A 35 / B 25 / C 40, 148's A 40 / B 25 / C 35.
    assert rulesets.QD1048_2019.part_maxima == {"A": 35, "B": 25, "C": 40}
    for later in rulesets.ALL[1:]:
        assert later.part_maxima == {"A": 40, "B": 25, "C": 35}
    tuned = rulesets.qd26_2026(part_maxima={"A": 30, "B": 30, "C": 40})
    assert tuned.part_maxima == {"A": 30, "B": 30, "C": 40}
    with pytest.raises(DefinitionError, match="'part_maxima' must add up to 100"):
        rulesets.qd26_2026(part_maxima={"A": 40, "B": 25, "C": 30})
    for bad in ({"A": -10, "B": 110}, {"A": True, "B": 99}, {"": 100}, {"A": "100"}, "A100"):
        with pytest.raises(DefinitionError, match="'part_maxima' must map part letters to points"):
            rulesets.qd26_2026(part_maxima=bad)  # type: ignore[arg-type]


def test_a_148_sheet_cannot_score_a_1048_dossier():
    from ocop_workflow.scoring import shipped_sheet
    from ocop_workflow.testing import registered_dossier

    workflow = Workflow(rulesets.QD148_2023)
    sheet = shipped_sheet(13)
    result = sheet.evaluate({c.code: len(c.options) - 1 for c in sheet.criteria})
    old = registered_dossier(workflow, submitted_on=dt.date(2022, 3, 1))
    workflow.review_at_commune(old, passed=True, on="2022-03-10")
    before = old.to_dict()
    with pytest.raises(
        InvalidInput,
        match="parts A 40, B 25, C 35, but QD1048_2019 sheets have A 35, B 25, C 40",
    ):
        workflow.score(old, Level.DISTRICT, result, on="2022-04-01")
    assert old.to_dict() == before
    workflow.score(old, Level.DISTRICT, result, on="2023-03-01")  # 148 in force: its sheets


def test_a_regime_moved_by_its_replacement_ends_when_the_replacement_begins():
    later = rulesets.qd26_2026(dt.date(2026, 8, 1))
    chain = rulesets.timeline_with(later)
    assert chain[2].code == "QD1489_2025"
    assert chain[2].effective_until == dt.date(2026, 8, 1)
    assert chain[2].in_force(dt.date(2026, 7, 25))
    assert Workflow(later).rules_on("2026-07-25").code == "QD1489_2025"
