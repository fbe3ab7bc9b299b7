import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import rulesets
from ocop_workflow.errors import DefinitionError, InvalidInput
from ocop_workflow.rules import (
    Level,
    LevelRule,
    Rounding,
    RouteKind,
    RuleSet,
    StarBands,
    Validity,
    check_score,
)
from tests.strategies import bad_scores, scores

QD148 = rulesets.QD148_2023
QD1048 = rulesets.QD1048_2019


@pytest.mark.parametrize(
    ("score", "stars"),
    [
        (0, 1),
        (29.99, 1),
        (30, 2),
        (49.99, 2),
        (50.0, 3),
        (69.99, 3),
        (70, 4),
        (89.99, 4),
        (90, 5),
        (100, 5),
    ],
)
def test_148_half_open_band_edges(score, stars):
    assert QD148.bands.stars(score) == stars


@pytest.mark.parametrize(
    ("rounding", "stars"), [(Rounding.NONE, 3), (Rounding.HALF_UP, 4), (Rounding.DOWN, 3)]
)
def test_rounding_policy_places_a_fraction_between_whole_number_bands(rounding, stars):
    assert StarBands(rounding=rounding).stars(69.5) == stars


@given(scores, scores)
def test_stars_never_decrease_as_the_score_rises(a, b):
    low, high = sorted((a, b))
    for rounding in Rounding:
        bands = StarBands(rounding=rounding)
        assert bands.stars(low) <= bands.stars(high)


@given(scores, scores)
def test_route_stars_never_decrease_as_the_score_rises(a, b):
    low, high = sorted((a, b))
    for level in QD148.scoring_levels:
        assert QD148.route(level, low).stars <= QD148.route(level, high).stars


@given(st.integers(min_value=1, max_value=5))
def test_lowest_score_of_a_band_is_in_that_band(stars):
    assert QD148.bands.stars(QD148.bands.lowest_score(stars)) == stars


@given(bad_scores)
def test_bad_score_is_refused_with_its_value(bad):
    with pytest.raises(InvalidInput, match="'score'"):
        check_score(bad)


@pytest.mark.parametrize("bad", ["75", True, None])
def test_non_number_score_is_refused(bad):
    with pytest.raises(InvalidInput, match=repr(bad)):
        check_score(bad)


def test_148_district_recognises_3_stars():
    route = QD148.route(Level.DISTRICT, 50.0)
    assert (route.kind, route.level, route.stars) == (RouteKind.RECOGNISE, Level.DISTRICT, 3)


def test_148_district_forwards_70_to_the_province():
    route = QD148.route(Level.DISTRICT, 70.0)
    assert (route.kind, route.level) == (RouteKind.FORWARD, Level.PROVINCE)


def test_148_province_forwards_90_to_the_central_level():
    route = QD148.route(Level.PROVINCE, 90.0)
    assert (route.kind, route.level) == (RouteKind.FORWARD, Level.CENTRAL)


def test_148_central_score_under_90_is_recognised_by_the_province():
    route = QD148.route(Level.CENTRAL, 89.99)
    assert (route.kind, route.level, route.stars) == (RouteKind.RECOGNISE, Level.PROVINCE, 4)


def test_under_50_is_not_recognised_at_any_level():
    for level in QD148.scoring_levels:
        assert QD148.route(level, 49.99).kind is RouteKind.NOT_RECOGNISED


def test_a_star_cap_keeps_a_forwarded_score_at_the_level_that_recognises_it():
    route = QD148.route(Level.DISTRICT, 75.0, stars=3)
    assert (route.kind, route.level, route.stars) == (RouteKind.RECOGNISE, Level.DISTRICT, 3)


def test_a_star_cap_under_3_is_not_recognised():
    assert QD148.route(Level.DISTRICT, 95.0, stars=2).kind is RouteKind.NOT_RECOGNISED


def test_validity_is_36_months_with_30_days_notice():
    validity = QD148.validity
    assert validity.expires_on(dt.date(2024, 7, 20)) == dt.date(2027, 7, 20)
    assert validity.expires_on(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("field", "value"),
    [("months", 1.5), ("months", None), ("months", 0), ("notice_days", -1), ("notice_days", True)],
)
def test_a_validity_of_no_whole_months_or_days_is_a_definition_error(field, value):
    with pytest.raises(DefinitionError, match=f"'{field}' must be a whole number"):
        Validity(**{field: value})


def test_a_rule_set_takes_its_dates_as_dates_or_iso_strings():
    assert attrs.evolve(QD148, effective_from="2023-02-24") == QD148
    with pytest.raises(DefinitionError, match="'effective_from' must be"):
        attrs.evolve(QD148, effective_from=20230224)


def test_level_without_its_rule_is_invalid_input():
    fake = RuleSet(
        code="X",
        title="x",
        effective_from=dt.date(2025, 1, 1),
        levels=(LevelRule(Level.PROVINCE, {3, 4}, 90.0), LevelRule(Level.CENTRAL, {5})),
    )
    with pytest.raises(InvalidInput, match="'district' does not score under X"):
        fake.rule_for(Level.DISTRICT)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((), "must not be empty"),
        ((LevelRule(Level.CENTRAL, {5}), LevelRule(Level.PROVINCE, {3, 4}, 90.0)), "must rise"),
        ((LevelRule(Level.PROVINCE, {3, 4}), LevelRule(Level.CENTRAL, {5})), "needs 'forwards_at'"),
        (
            (LevelRule(Level.PROVINCE, {3, 4}, 90.0), LevelRule(Level.CENTRAL, {4, 5})),
            "exactly one level",
        ),
        (
            (LevelRule(Level.PROVINCE, {3}, 90.0), LevelRule(Level.CENTRAL, {4, 5})),
            "cannot recognise them",
        ),
        ((LevelRule(Level.PROVINCE, {3, 4, 5}, 90.0),), "top level cannot forward"),
        (
            (
                LevelRule(Level.DISTRICT, {3}, 70.0, certifies_forwarded=True),
                LevelRule(Level.PROVINCE, {4}, 90.0),
                LevelRule(Level.CENTRAL, {5}),
            ),
            "only the level below the top may certify what it forwards",
        ),
    ],
)
def test_inconsistent_rule_sets_are_refused_when_defined(levels, message):
    with pytest.raises(DefinitionError, match=message):
        RuleSet(code="X", title="x", effective_from=dt.date(2025, 1, 1), levels=levels)


@pytest.mark.parametrize(
    "rule",
    [
        lambda: LevelRule(Level.CENTRAL, {5}, certifies_forwarded=True),
        lambda: LevelRule(Level.DISTRICT, set(), 50.0, certifies_forwarded=True),
        lambda: LevelRule(Level.PROVINCE, {3, 4}, 90.0, certifies_forwarded=1),  # type: ignore[arg-type]
    ],
)
def test_a_level_certifies_what_it_forwards_only_if_it_forwards_and_recognises(rule):
    with pytest.raises(DefinitionError, match="certifies_forwarded"):
        rule()


def test_1048s_province_holds_its_4_star_certificate_while_forwarded_and_148_does_not():
    # Facts page section 8 (reported for 1048, not verified for 148).
    assert QD1048.rule_for(Level.PROVINCE).held_stars == 4
    assert QD1048.held_level is Level.PROVINCE
    assert all(r.held_level is None for r in rulesets.ALL if r is not QD1048)


def test_commune_does_not_score():
    with pytest.raises(DefinitionError, match="COMMUNE"):
        LevelRule(Level.COMMUNE, {3})


@pytest.mark.parametrize(
    "thresholds", [(30, 50, 70), (50, 30, 70, 90), (30, 50, 70, 101), (0, 50, 70, 90)]
)
def test_bad_bands_are_refused(thresholds):
    with pytest.raises(DefinitionError, match="thresholds"):
        StarBands(thresholds=thresholds)


def test_148_is_in_force_from_24_february_2023_until_1489():
    assert not QD148.in_force(dt.date(2023, 2, 23))
    assert QD148.in_force(dt.date(2023, 2, 24))
    assert QD148.in_force(dt.date(2025, 7, 5))
    assert not QD148.in_force(dt.date(2025, 7, 6))
