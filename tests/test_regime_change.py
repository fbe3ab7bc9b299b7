"""Dossiers in flight when the rules change finish under the new rules (facts page 1 and 6)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import (
    Action,
    ActionName,
    DossierKind,
    DossierState,
    InvalidInput,
    KnockOut,
    Level,
    TransitionNotAllowed,
    Workflow,
    rulesets,
)
from ocop_workflow.dates import add_months
from ocop_workflow.states import FINAL_STATES
from ocop_workflow.testing import SAMPLE_PRODUCT, certified_dossier, registered_dossier

WF = Workflow(rulesets.QD148_2023)


def district_scored(score, on="2025-06-10"):
    d = registered_dossier(WF, submitted_on=dt.date(2025, 4, 1))
    WF.review_at_commune(d, passed=True, on="2025-04-20")
    WF.score(d, Level.DISTRICT, score, on=on)
    return d


def test_a_district_3_star_certified_after_july_2025_gets_its_certificate_from_the_province():
    d = district_scored(60.0)
    certificate = WF.certify(d, on="2025-07-10", number="SL-2025-1")
    assert (certificate.stars, certificate.level) == (3, Level.PROVINCE)
    assert [r.regime for r in d.history] == ["QD148_2023"] * 3 + ["QD1489_2025"]
    assert d.regime == "QD148_2023"
    assert WF.replay(d.history) == d


def test_before_july_2025_the_same_dossier_is_certified_by_the_district():
    d = district_scored(60.0)
    assert WF.certify(d, on="2025-07-05", number="MS-2025-1").level is Level.DISTRICT


def test_a_forwarded_district_score_goes_to_the_province_after_the_change():
    d = district_scored(75.0)
    assert WF.available_actions(d, on="2025-07-10") == (
        Action(ActionName.SCORE, Level.PROVINCE),
        Action(ActionName.WITHDRAW),
    )
    with pytest.raises(TransitionNotAllowed, match="the score must go on to province"):
        WF.certify(d, on="2025-07-10", number="X")
    WF.score(d, Level.PROVINCE, 80.0, on="2025-08-01")
    certificate = WF.certify(d, on="2025-08-10", number="SL-2025-2")
    assert (certificate.stars, certificate.level) == (4, Level.PROVINCE)


def test_no_district_scores_after_july_2025():
    d = registered_dossier(WF, submitted_on=dt.date(2025, 6, 1))
    WF.review_at_commune(d, passed=True, on="2025-06-20")
    with pytest.raises(
        TransitionNotAllowed, match="'district': it does not score under QD1489_2025"
    ):
        WF.score(d, Level.DISTRICT, 75.0, on="2025-07-10")
    WF.score(d, Level.PROVINCE, 65.0, on="2025-07-10")
    assert WF.certify(d, on="2025-07-20", number="SL-3").level is Level.PROVINCE


def test_a_1048_district_score_in_flight_is_judged_by_148():
    d = registered_dossier(WF, submitted_on=dt.date(2022, 11, 1))
    assert d.regime == "QD1048_2019"
    WF.review_at_commune(d, passed=True, on="2022-12-01")
    WF.score(d, Level.DISTRICT, 60.0, on="2023-01-15")  # 1048: goes on to the province
    assert WF.available_actions(d, on="2023-02-01")[0] == Action(ActionName.SCORE, Level.PROVINCE)
    # From 24 Feb 2023 the district recognises 3 stars itself.
    assert WF.certify(d, on="2023-03-01", number="MS-2023-1").level is Level.DISTRICT


def test_certificates_keep_their_end_date_across_regimes():
    d = certified_dossier(WF, on=dt.date(2024, 7, 20))
    assert d.certificate is not None
    assert d.certificate.expires_on == dt.date(2027, 7, 20)
    with pytest.raises(
        TransitionNotAllowed, match="expires on 2027-07-20, its first day no longer valid"
    ):
        WF.expire(d, on="2027-07-19")
    WF.expire(d, on="2027-07-20")
    assert d.history[-1].regime == "QD26_2026"


@given(st.dates(min_value=dt.date(2020, 3, 1), max_value=dt.date(2023, 2, 23)))
def test_1048_certificates_keep_their_36_months_after_148(issued):
    # Facts page section 8: certificates issued under 1048 keep their 36 months after 148.
    d = certified_dossier(WF, 75.0, on=issued)
    assert d.certificate is not None
    assert d.history[-1].regime == "QD1048_2019"
    end = add_months(issued, 36)
    assert d.certificate.expires_on == end
    assert d.certificate.valid_on(end - dt.timedelta(days=1))
    with pytest.raises(TransitionNotAllowed, match="its first day no longer valid"):
        WF.expire(d, on=end - dt.timedelta(days=1))
    WF.expire(d, on=end)
    assert d.history[-1].regime != "QD1048_2019"


def test_revocation_grounds_follow_the_regime_of_the_day():
    d = certified_dossier(WF, on=dt.date(2024, 7, 20))
    with pytest.raises(InvalidInput, match="not a revocation ground under QD148_2023"):
        WF.revoke(d, reason="misuse_of_mark", on="2025-01-01")
    WF.revoke(d, reason="misuse_of_mark", on="2026-08-01")
    assert d.state is DossierState.REVOKED


def in_flight_at_26(kind=DossierKind.FIRST_TIME, renews=None):
    d = registered_dossier(
        WF, submitted_on=dt.date(2026, 6, 1), kind=kind, renews=renews, district=None
    )
    WF.review_at_commune(d, passed=True, on="2026-06-20")
    return d


def test_first_time_dossiers_in_flight_finish_within_60_days_of_26_2026():
    d = in_flight_at_26()
    assert WF.deadline(d) == dt.date(2026, 9, 19)
    WF.score(d, Level.PROVINCE, 72.0, on="2026-09-19")
    with pytest.raises(TransitionNotAllowed, match=r"had to finish under QD26_2026 by 2026-09-19"):
        WF.certify(d, on="2026-09-20", number="SL-26-1")
    assert d.state is DossierState.PROVINCE_SCORED
    assert WF.available_actions(d, on="2026-09-20") == (Action(ActionName.WITHDRAW),)
    WF.withdraw(d, on="2026-09-20")
    assert WF.deadline(d) is None


def test_reevaluations_in_flight_finish_within_30_days():
    old = certified_dossier(WF, on=dt.date(2023, 9, 1))
    d = in_flight_at_26(DossierKind.REEVALUATION, renews=old)
    assert WF.deadline(d) == dt.date(2026, 8, 20)


def test_dossiers_registered_under_26_2026_have_no_transitional_deadline():
    d = registered_dossier(WF, submitted_on=dt.date(2026, 8, 1), district=None)
    assert WF.deadline(d) is None


@pytest.mark.parametrize(
    ("filed", "accepted"),
    [("2027-01-20", False), ("2027-01-21", True), ("2027-03-22", True), ("2027-03-23", False)],
)
def test_26_2026_reevaluation_filing_window(filed, accepted):
    old = certified_dossier(WF, on=dt.date(2024, 7, 20))  # expires 2027-07-20
    register = lambda: registered_dossier(  # noqa: E731
        WF, submitted_on=dt.date.fromisoformat(filed), kind="reevaluation", renews=old
    )
    if accepted:
        assert old.certificate is not None
        assert register().renews == old.certificate.number
    else:
        with pytest.raises(
            InvalidInput,
            match=r"'submitted_on' of a re-evaluation must fall "
            r"between 2027-01-21 and 2027-03-22",
        ):
            register()


def test_a_custom_rule_set_is_applied_on_every_date():
    pinned = Workflow(rulesets.QD1489_2025, timeline=(rulesets.QD1489_2025,))
    d = pinned.register(**{**SAMPLE_PRODUCT, "district": None}, submitted_on="2024-01-10")
    assert d.regime == "QD1489_2025"
    assert pinned.rules_on("2030-01-01") is rulesets.QD1489_2025


def test_bad_timelines_are_refused():
    with pytest.raises(InvalidInput, match="must contain the workflow's rule set"):
        Workflow(rulesets.QD148_2023, timeline=(rulesets.QD26_2026,))
    with pytest.raises(InvalidInput, match="in order of effective dates"):
        Workflow(rulesets.QD148_2023, timeline=(rulesets.QD26_2026, rulesets.QD148_2023))


@given(
    st.sampled_from(
        ["registered", "returned", "commune_reviewed", "district_scored", "province_scored"]
    ),
    st.floats(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=120),
)
def test_every_dossier_in_flight_across_the_district_removal_can_go_on(state, score, gap):
    d = registered_dossier(WF, submitted_on=dt.date(2025, 3, 1))
    if state == "returned":
        WF.review_at_commune(d, passed=False, on="2025-03-10")
    elif state != "registered":
        WF.review_at_commune(d, passed=True, on="2025-03-10")
        if state in ("district_scored", "province_scored"):
            WF.score(
                d, Level.DISTRICT, 95.0 if state == "province_scored" else score, on="2025-05-01"
            )
        if state == "province_scored" and d.state is DossierState.DISTRICT_SCORED:
            WF.score(d, Level.PROVINCE, score, on="2025-06-01")
    on = dt.date(2025, 7, 6) + dt.timedelta(days=gap)
    regime = WF._timeline.at(on)
    assert d.state in regime.machine.states
    actions = WF.available_actions(d, on=on)
    if d.state not in FINAL_STATES:
        assert actions
        assert {a.name for a in actions} - {ActionName.WITHDRAW}


def test_26_2026_extends_a_certificate_by_up_to_180_days():
    d = certified_dossier(WF, on=dt.date(2024, 7, 20))  # expires 2027-07-20
    with pytest.raises(
        InvalidInput,
        match=r"'until' must be after 2027-07-20 and no later than "
        r"2028-01-16, 180 days past the original expiry \(got 2028-01-17\)",
    ):
        WF.extend(d, until="2028-01-17", on="2027-06-01")
    extended = WF.extend(d, until="2027-12-31", on="2027-06-01", note="window missed")
    assert d.certificate == extended
    assert extended.expires_on == dt.date(2027, 12, 31)
    assert extended.number == "SL-2024-001"
    with pytest.raises(
        TransitionNotAllowed, match="expires on 2027-12-31, its first day no longer valid"
    ):
        WF.expire(d, on="2027-07-20")
    WF.extend(d, until="2028-01-16", on="2027-12-01")
    assert WF.replay(d.history) == d
    assert type(d).from_dict(d.to_dict()) == d
    # At the limit, an extension is no longer offered (it could only fail).
    assert Action(ActionName.EXTEND) not in WF.available_actions(d, on="2027-12-02")


def test_a_certificate_marked_expired_can_still_be_extended_within_180_days():
    d = certified_dossier(WF, on=dt.date(2024, 7, 20))  # expires 2027-07-20
    WF.expire(d, on="2027-07-20")
    assert Action(ActionName.EXTEND) in WF.available_actions(d, on="2027-08-01")
    with pytest.raises(InvalidInput, match="'until' must be after 2027-08-01"):
        WF.extend(d, until="2027-07-31", on="2027-08-01")  # already past when extended
    assert d.state.value == "expired"
    WF.extend(d, until="2027-12-31", on="2027-08-01")
    assert d.state is DossierState.CERTIFIED
    assert d.certificate.expires_on == dt.date(2027, 12, 31)
    assert WF.replay(d.history) == d
    late = certified_dossier(WF, on=dt.date(2024, 7, 20))
    WF.expire(late, on="2027-07-20")
    assert WF.available_actions(late, on="2028-01-16") == ()  # the 180 days are over
    with pytest.raises(
        TransitionNotAllowed, match=r"extensions of certificate .* ended on 2028-01-16"
    ):
        WF.extend(late, until="2028-01-17", on="2028-01-16")


def test_no_extension_before_26_2026():
    d = certified_dossier(WF, on=dt.date(2023, 7, 20))
    with pytest.raises(TransitionNotAllowed, match="QD148_2023 provides no certificate extension"):
        WF.extend(d, until="2026-08-01", on="2025-01-01")
    assert Action(ActionName.EXTEND) not in WF.available_actions(d, on="2025-01-01")
    assert Action(ActionName.EXTEND) in WF.available_actions(d, on="2026-08-01")


def test_26_2026_knocks_out_forged_or_unsafe_dossiers():
    # Facts page section 6: forged documents or no valid food-safety certificate reject outright.
    d = registered_dossier(WF, submitted_on=dt.date(2026, 9, 1), district=None)
    assert Action(ActionName.KNOCK_OUT) in WF.available_actions(d)
    before = d.to_dict()
    with pytest.raises(InvalidInput, match=r"'ground' must be one of .* \(got 'ugly'\)"):
        WF.knock_out(d, ground="ugly", on="2026-09-05")
    assert d.to_dict() == before
    WF.knock_out(d, ground=KnockOut.NO_FOOD_SAFETY_CERTIFICATE, on="2026-09-05")
    assert d.state is DossierState.REJECTED
    assert d.history[-1].details == {"ground": "no_food_safety_certificate"}
    assert WF.available_actions(d) == ()
    assert WF.replay(d.history) == d
    assert type(d).from_dict(d.to_dict(), workflow=WF) == d


def test_no_knock_outs_before_26_2026():
    d = registered_dossier(WF)
    assert Action(ActionName.KNOCK_OUT) not in WF.available_actions(d)
    with pytest.raises(TransitionNotAllowed, match="QD148_2023 provides no knock-outs"):
        WF.knock_out(d, ground="forged_documents", on="2024-03-05")
    assert d.state is DossierState.REGISTERED


def test_26_2026_extends_only_once_the_filing_window_has_closed():
    """Section 6: the extension is for a certificate whose re-evaluation filing window was
    missed; before the window closes (120 days before the expiry) it is neither offered nor done."""
    wf = Workflow(rulesets.QD26_2026)
    d = certified_dossier(wf, on=dt.date(2026, 8, 1), district=None)  # expires 2029-08-01
    closes = d.certificate.expires_on - dt.timedelta(days=120)
    assert Action(ActionName.EXTEND) not in wf.available_actions(d, on=closes)
    with pytest.raises(TransitionNotAllowed, match="may still be re-evaluated"):
        wf.extend(d, until=dt.date(2029, 9, 1), on=closes)
    day_after = closes + dt.timedelta(days=1)
    assert Action(ActionName.EXTEND) in wf.available_actions(d, on=day_after)
    assert wf.extend(d, until=dt.date(2029, 9, 1), on=day_after).expires_on == dt.date(2029, 9, 1)
