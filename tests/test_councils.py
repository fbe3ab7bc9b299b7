"""Council sessions: quorum, the spread of members' totals, the divergence report, and scoring."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import InvalidInput, Level, Workflow, rulesets
from ocop_workflow.councils import Council, CouncilRules, CouncilSession, OnSpread
from ocop_workflow.scoring import shipped_sheet
from ocop_workflow.testing import registered_dossier

WF = Workflow(rulesets.QD148_2023)
SHEET = shipped_sheet(13)
BEST = {c.code: len(c.options) - 1 for c in SHEET.criteria}
COUNCIL = Council(Level.DISTRICT, chair="c", members=("c", "m1", "m2", "m3"), secretary="s")
DAY = dt.date(2024, 6, 10)


def lowered(codes):
    """The best answers with ``codes`` dropped to their first option."""
    return {**BEST, **dict.fromkeys(codes, 0)}


def reviewed():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-15")
    return d


@given(st.integers(min_value=1, max_value=12), st.data())
def test_quorum_is_three_quarters_with_the_chair(size, data):
    """Facts page section 8 (Tây Ninh): at least three quarters of the members, chair present."""
    members = tuple(f"m{i}" for i in range(size))
    council = Council(Level.PROVINCE, chair="m0", members=members)
    present = data.draw(st.lists(st.sampled_from(members), min_size=1, unique=True))
    session = CouncilSession(council, DAY, present, dict.fromkeys(present, BEST))
    result = session.evaluate(SHEET)
    assert result.quorate is (4 * len(present) >= 3 * size and "m0" in present)
    off = session.evaluate(SHEET, CouncilRules(quorum=None, chair_required=False))
    assert off.quorate


def test_a_session_without_quorum_cannot_score_and_changes_nothing():
    d = reviewed()
    session = CouncilSession(COUNCIL, DAY, ("c", "m1"), {"c": BEST, "m1": BEST})
    before = d.to_dict()
    with pytest.raises(InvalidInput, match=r"no quorum \(2 of 4 members present, 3 needed\)"):
        WF.score(d, Level.DISTRICT, session.evaluate(SHEET), on=DAY)
    absent_chair = CouncilSession(
        COUNCIL, DAY, ("m1", "m2", "m3"), dict.fromkeys(("m1", "m2", "m3"), BEST)
    )
    with pytest.raises(InvalidInput, match="the chair 'c' is absent"):
        WF.score(d, Level.DISTRICT, absent_chair.evaluate(SHEET), on=DAY)
    assert d.to_dict() == before


def test_a_spread_beyond_ten_points_blocks_until_members_rescore():
    low = lowered([c.code for c in SHEET.criteria[:8]])
    present = ("c", "m1", "m2")
    session = CouncilSession(COUNCIL, DAY, present, {"c": BEST, "m1": BEST, "m2": low})
    result = session.evaluate(SHEET)
    spread = result.divergence.totals["c"] - result.divergence.totals["m2"]
    assert spread > 10
    assert result.divergence.spread == spread
    assert (result.divergence.highest, result.divergence.lowest) == ("c", "m2")
    # The per-criterion report names exactly the lowered criteria, most divergent first.
    reported = [c.code for c in result.divergence.criteria]
    assert sorted(reported) == sorted(
        c.code for c in SHEET.criteria[:8] if c.maximum > c.options[0].points
    )
    assert [c.spread for c in result.divergence.criteria] == sorted(
        (c.spread for c in result.divergence.criteria), reverse=True
    )
    assert all(c.lowest == ("m2",) for c in result.divergence.criteria)
    d = reviewed()
    with pytest.raises(InvalidInput, match="members must rescore"):
        WF.score(d, Level.DISTRICT, result, on=DAY)
    rescored = session.rescored({"m2": BEST}).evaluate(SHEET)
    assert rescored.refusal is None
    WF.score(d, Level.DISTRICT, rescored, on=DAY)
    details = d.history[-1].details
    assert details["session"]["present"] == ("c", "m1", "m2")
    assert details["session"]["council"]["chair"] == "c"
    assert WF.replay(d.history) == d


def test_a_province_that_only_warns_records_the_spread():
    low = lowered([c.code for c in SHEET.criteria[:8]])
    session = CouncilSession(COUNCIL, DAY, ("c", "m1", "m2"), {"c": BEST, "m1": BEST, "m2": low})
    result = session.evaluate(SHEET, CouncilRules(on_spread=OnSpread.WARN))
    d = reviewed()
    WF.score(d, Level.DISTRICT, result, on=DAY)
    assert "differ by" in d.history[-1].details["session"]["warning"]
    assert d.scores[Level.DISTRICT].value == pytest.approx(result.total)
    assert WF.replay(d.history) == d
    assert Workflow(rulesets.QD148_2023).replay(d.history) == d


def test_a_session_scores_only_at_its_level_and_not_before_it_sat():
    session = CouncilSession(
        COUNCIL, DAY, ("c", "m1", "m2"), dict.fromkeys(("c", "m1", "m2"), BEST)
    )
    result = session.evaluate(SHEET)
    d = reviewed()
    with pytest.raises(InvalidInput, match="before the council session of 2024-06-10"):
        WF.score(d, Level.DISTRICT, result, on="2024-06-09")
    WF.score(d, Level.DISTRICT, result, on=DAY)
    with pytest.raises(InvalidInput, match="comes from a district council session"):
        WF.score(d, Level.PROVINCE, result, on=DAY)


def test_bad_councils_and_rules_are_refused():
    with pytest.raises(InvalidInput, match="'chair' 'x' must be one of the members"):
        Council(Level.DISTRICT, chair="x", members=("a", "b"))
    with pytest.raises(InvalidInput, match="'quorum' must be more than 0"):
        CouncilRules(quorum=1.5)
    with pytest.raises(InvalidInput, match="'present' names non-members: z"):
        CouncilSession(COUNCIL, DAY, ("c", "z"), {"c": BEST, "z": BEST})
    with pytest.raises(InvalidInput, match="one answer set per member present"):
        CouncilSession(COUNCIL, DAY, ("c", "m1"), {"c": BEST})
    assert CouncilRules(quorum=0.75).quorum == Fraction(3, 4)


@pytest.mark.parametrize("quorum", [float("nan"), float("inf"), "3/4", True, 0])
def test_a_quorum_that_is_no_share_is_refused_by_name(quorum):
    with pytest.raises(InvalidInput, match="'quorum' must be"):
        CouncilRules(quorum=quorum)
