import copy
import datetime as dt
import decimal
import fractions

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import (
    Action,
    ActionName,
    DossierKind,
    DossierState,
    InvalidInput,
    Level,
    OcopError,
    RevocationReason,
    TransitionNotAllowed,
    Workflow,
    rulesets,
)
from ocop_workflow.testing import certified_dossier, registered_dossier, scored_dossier
from tests.strategies import bad_scores, scores

WF = Workflow(rulesets.QD148_2023)


def snapshot(dossier):
    return copy.deepcopy(dossier.to_dict())


def test_public_contract_from_the_issue():
    d = WF.register(
        product="Cà phê bột",
        sheet=13,
        producer="HTX ...",
        province="Sơn La",
        district="Mai Sơn",
        commune="Chiềng Ban",
        submitted_on=dt.date(2024, 3, 1),
    )
    WF.review_at_commune(d, passed=True, on=dt.date(2024, 3, 15))
    WF.score(d, Level.DISTRICT, 75.5, on=dt.date(2024, 6, 10))
    WF.score(d, Level.PROVINCE, 78.0, on=dt.date(2024, 7, 5))
    WF.certify(d, on=dt.date(2024, 7, 20), number="SL-2024-017")
    assert d.state is DossierState.CERTIFIED
    assert d.certificate is not None
    assert d.certificate.stars == 4
    assert d.certificate.level is Level.PROVINCE
    assert d.certificate.issued_on == dt.date(2024, 7, 20)
    assert d.certificate.expires_on == dt.date(2027, 7, 20)
    assert [r.action for r in d.history] == [
        "register",
        "review_at_commune",
        "score",
        "score",
        "certify",
    ]


def test_3_star_score_is_certified_by_the_district():
    d = scored_dossier(WF, 65.0)
    assert d.state is DossierState.DISTRICT_SCORED
    assert WF.certify(d, on="2024-06-01", number="MS-1").level is Level.DISTRICT


def test_70_must_be_scored_by_the_province_before_any_certificate():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, "district", 70.0, on="2024-04-01")
    before = snapshot(d)
    with pytest.raises(TransitionNotAllowed, match="province"):
        WF.certify(d, on="2024-04-02", number="X-1")
    assert snapshot(d) == before


def test_90_must_be_scored_by_the_central_level():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, 95.0, on="2024-04-01")
    WF.score(d, Level.PROVINCE, 92.0, on="2024-05-01")
    assert WF.available_actions(d) == (
        Action(ActionName.SCORE, Level.CENTRAL),
        Action(ActionName.WITHDRAW),
    )
    WF.score(d, Level.CENTRAL, 90.5, on="2024-06-01")
    assert WF.certify(d, on="2024-06-15", number="BNN-1").stars == 5


def test_central_score_under_90_gets_4_stars_from_the_province():
    d = scored_dossier(WF, 91.0)
    d2 = registered_dossier(WF)
    WF.review_at_commune(d2, passed=True, on="2024-03-10")
    WF.score(d2, Level.DISTRICT, 91.0, on="2024-04-01")
    WF.score(d2, Level.PROVINCE, 91.0, on="2024-05-01")
    WF.score(d2, Level.CENTRAL, 85.0, on="2024-06-01")
    cert = WF.certify(d2, on="2024-06-15", number="SL-2")
    assert (cert.stars, cert.level) == (4, Level.PROVINCE)
    assert d.state is DossierState.CENTRAL_SCORED


@pytest.mark.parametrize(
    ("score", "state"), [(49.99, DossierState.NOT_RECOGNISED), (50.0, DossierState.DISTRICT_SCORED)]
)
def test_score_under_50_is_not_recognised(score, state):
    d = scored_dossier(WF, score)
    assert d.state is state


def test_province_cannot_score_a_dossier_the_district_keeps():
    d = scored_dossier(WF, 60.0)
    before = snapshot(d)
    with pytest.raises(TransitionNotAllowed, match="district score 60 is not forwarded"):
        WF.score(d, Level.PROVINCE, 80.0, on="2024-12-01")
    assert snapshot(d) == before


def test_scoring_at_the_wrong_level_is_not_allowed():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    with pytest.raises(TransitionNotAllowed, match="score at 'province'"):
        WF.score(d, Level.PROVINCE, 80.0, on="2024-04-01")


def test_commune_is_not_a_scoring_level():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    with pytest.raises(TransitionNotAllowed, match="'commune': it does not score"):
        WF.score(d, Level.COMMUNE, 80.0, on="2024-04-01")


def test_returned_dossier_can_be_resubmitted():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=False, on="2024-03-10", actor="UBND xã", note="thiếu mẫu")
    assert d.state is DossierState.RETURNED
    assert d.history[-1].actor == "UBND xã"
    WF.resubmit(d, on="2024-03-20")
    WF.review_at_commune(d, passed=True, on="2024-03-25")
    assert [r.to_state for r in d.history[-3:]] == [
        DossierState.RETURNED,
        DossierState.REGISTERED,
        DossierState.COMMUNE_REVIEWED,
    ]


@given(bad_scores)
def test_bad_score_changes_nothing(bad):
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    before = snapshot(d)
    with pytest.raises(InvalidInput, match="'score'"):
        WF.score(d, Level.DISTRICT, bad, on="2024-04-01")
    assert snapshot(d) == before


def test_date_before_the_previous_step_is_refused():
    d = registered_dossier(WF, submitted_on=dt.date(2024, 3, 1))
    with pytest.raises(
        InvalidInput,
        match=r"'on' must not be before the previous step on 2024-03-01 \(got 2024-02-29\)",
    ):
        WF.review_at_commune(d, passed=True, on="2024-02-29")
    assert len(d.history) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sheet", 27, "'sheet' must be a whole number from 1 to 26 (got 27)"),
        ("sheet", 0, "(got 0)"),
        ("product", "  ", "'product' must be a non-empty string"),
        ("district", None, "'district' is required under QD148_2023"),
        (
            "kind",
            "renewal",
            "'kind' must be one of first_time, upgrade, reevaluation (got 'renewal')",
        ),
        ("submitted_on", "2024-02-30", "'submitted_on' must be an ISO date"),
    ],
)
def test_bad_registration_names_field_and_value(field, value, message):
    with pytest.raises(InvalidInput) as error:
        registered_dossier(WF, **{field: value})
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)
    assert isinstance(error.value, OcopError)


def test_certificate_expires_on_its_date_not_before():
    d = certified_dossier(WF, on=dt.date(2024, 2, 29))
    assert d.certificate is not None
    assert d.certificate.expires_on == dt.date(2027, 2, 28)
    with pytest.raises(
        TransitionNotAllowed, match="expires on 2027-02-28, its first day no longer valid"
    ):
        WF.expire(d, on="2027-02-27")
    assert Action(ActionName.EXPIRE) not in WF.available_actions(d, on="2027-02-27")
    assert Action(ActionName.EXPIRE) in WF.available_actions(d, on="2027-02-28")
    WF.expire(d, on="2027-02-28")
    assert d.state is DossierState.EXPIRED


def test_revoke_needs_a_known_reason():
    d = certified_dossier(WF)
    before = snapshot(d)
    with pytest.raises(InvalidInput, match=r"'reason' must be one of .* \(got 'bored'\)"):
        WF.revoke(d, reason="bored", on="2024-09-01")
    with pytest.raises(
        InvalidInput, match="'misuse_of_mark' is not a revocation ground under QD148"
    ):
        WF.revoke(d, reason=RevocationReason.MISUSE_OF_MARK, on="2024-09-01")
    assert snapshot(d) == before
    with pytest.raises(
        InvalidInput, match="under QD148_2023 the province level revokes 4-star certificates"
    ):
        WF.revoke(d, reason="no_longer_meets_criteria", on="2024-09-01", by="district")
    assert snapshot(d) == before
    WF.revoke(d, reason="no_longer_meets_criteria", on="2024-09-01", by="province")
    assert d.state is DossierState.REVOKED
    assert d.history[-1].details == {"reason": "no_longer_meets_criteria", "by": "province"}


def test_under_26_2026_the_province_revokes_3_and_4_stars_and_the_ministry_5():
    # Facts page section 6; a 3-star district certificate of 2024 is revoked by the province.
    for score, revoker in ((60.0, "province"), (78.0, "province"), (95.0, "central")):
        d = certified_dossier(WF, score, on=dt.date(2024, 7, 20))
        WF.revoke(d, reason="misuse_of_mark", on="2026-09-01")
        assert d.history[-1].details["by"] == revoker


def test_a_re_evaluation_is_due_45_days_after_filing_under_26_2026():
    old = certified_dossier(WF, 60.0, on=dt.date(2024, 7, 20))  # expires 2027-07-20
    new = registered_dossier(
        WF, submitted_on=dt.date(2027, 2, 1), kind="reevaluation", renews=old, district=None
    )
    assert WF.evaluation_due(new) == dt.date(2027, 3, 18)
    assert WF.evaluation_due(old) is None  # not a re-evaluation
    from ocop_workflow.portfolio import evaluations_overdue

    assert evaluations_overdue([old, new], as_of="2027-03-18") == []
    assert evaluations_overdue([old, new], as_of="2027-03-19") == [new]
    WF.withdraw(new, on="2027-03-20")
    assert WF.evaluation_due(new) is None


def test_withdraw_only_while_in_process():
    d = registered_dossier(WF)
    WF.withdraw(d, on="2024-03-05")
    assert d.state is DossierState.WITHDRAWN
    assert WF.available_actions(d) == ()
    c = certified_dossier(WF)
    with pytest.raises(TransitionNotAllowed, match="cannot withdraw: dossier is 'certified'"):
        WF.withdraw(c, on="2024-09-01")


def test_available_actions_has_no_side_effect():
    d = scored_dossier(WF, 75.0)
    before = snapshot(d)
    assert WF.available_actions(d) == (
        Action(ActionName.CERTIFY),
        Action(ActionName.WITHDRAW),
    )
    assert snapshot(d) == before


def test_available_actions_of_a_fresh_dossier():
    d = registered_dossier(WF)
    assert [str(a) for a in WF.available_actions(d)] == ["review_at_commune", "withdraw"]
    assert WF.available_actions(d, on="2024-02-01") == ()


def test_reevaluation_supersedes_the_old_certificate_when_issued():
    old = certified_dossier(WF, 65.0, on=dt.date(2021, 5, 1), number="SL-2021-3")
    WF.expire(old, on="2024-05-01")
    new = registered_dossier(WF, submitted_on=dt.date(2024, 5, 10), kind="reevaluation", renews=old)
    assert new.renews == "SL-2021-3"
    WF.review_at_commune(new, passed=True, on="2024-05-20")
    WF.score(new, Level.DISTRICT, 72.0, on="2024-06-10")
    WF.score(new, Level.PROVINCE, 74.0, on="2024-07-05")
    with pytest.raises(
        InvalidInput, match="'renewed': pass the dossier of certificate 'SL-2021-3'"
    ):
        WF.certify(new, on="2024-07-20", number="SL-2024-9")
    other = certified_dossier(WF, number="SL-OTHER")
    before_new, before_other = snapshot(new), snapshot(other)
    with pytest.raises(InvalidInput, match="must hold certificate 'SL-2021-3'"):
        WF.certify(new, on="2024-07-20", number="SL-2024-9", renewed=other)
    assert (snapshot(new), snapshot(other)) == (before_new, before_other)
    WF.certify(new, on="2024-07-20", number="SL-2024-9", renewed=old)
    assert old.state is DossierState.SUPERSEDED
    assert old.history[-1].details == {"by": "SL-2024-9"}
    assert new.certificate is not None
    assert new.certificate.stars == 4


def test_a_renewal_whose_old_certificate_was_revoked_meanwhile_is_still_certified():
    old = certified_dossier(WF, 65.0, on=dt.date(2023, 7, 1), number="SL-2023-5")
    new = registered_dossier(WF, submitted_on=dt.date(2024, 3, 1), kind="upgrade", renews=old)
    WF.review_at_commune(new, passed=True, on="2024-03-10")
    WF.score(new, Level.DISTRICT, 75.0, on="2024-04-01")
    WF.revoke(old, reason="breach_of_rules", on="2024-04-15")
    WF.score(new, Level.PROVINCE, 78.0, on="2024-05-01")
    assert Action(ActionName.CERTIFY) in WF.available_actions(new)
    before = snapshot(old)
    assert WF.certify(new, on="2024-05-10", number="SL-2024-6", renewed=old).stars == 4
    assert snapshot(old) == before  # revoked it stays; nothing to supersede


def test_upgrade_needs_a_certified_dossier():
    with pytest.raises(InvalidInput, match="'renews' must be the certified dossier"):
        registered_dossier(WF, kind=DossierKind.UPGRADE)
    first = registered_dossier(WF)
    with pytest.raises(InvalidInput, match="'renews' must be the certified dossier"):
        registered_dossier(WF, kind=DossierKind.UPGRADE, renews=first)
    revoked = certified_dossier(WF)
    WF.revoke(revoked, reason="breach_of_rules", on="2024-08-01")
    with pytest.raises(TransitionNotAllowed, match="cannot be renewed: its dossier is 'revoked'"):
        registered_dossier(WF, kind=DossierKind.UPGRADE, renews=revoked)
    with pytest.raises(InvalidInput, match="'renews' must be None for a first-time dossier"):
        registered_dossier(WF, renews=certified_dossier(WF))


@attrs.frozen
class FakeResult:
    """A result of another scoring application: every attribute of
    :class:`ocop_workflow.ScoreResult`, no answers kept, no parts to check."""

    total: float
    minimum_stars: int
    sheet_number: int = 13
    part_maxima: dict[str, float] = attrs.Factory(dict)
    answer_sets: tuple[dict[str, int], ...] = ()
    agreement: str | None = None


def test_sheet_result_caps_the_stars():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    result = FakeResult(78.0, 3)
    WF.score(d, Level.DISTRICT, result, on="2024-04-01")
    assert d.scores[Level.DISTRICT].stars == 3
    assert d.scores[Level.DISTRICT].result is result
    assert WF.certify(d, on="2024-04-15", number="MS-9").stars == 3
    assert WF.replay(d.history) == d


@given(scores, st.sampled_from([3, 4, 5]), st.sampled_from(rulesets.ALL))
def test_a_result_is_banded_by_the_regime_and_capped_by_its_minimums(total, minimum, ruleset):
    """Facts page sections 2 and 3: the regime's bands (1048's rounding included) judge the total;
    the minimums only cap it. A result whose minimums are all met scores like its bare total."""
    workflow = Workflow(ruleset, timeline=(ruleset,))
    # From the day the regime's minimums apply (1048: Decision 781 of 8 June 2020, section 8).
    start = max(ruleset.effective_from, ruleset.minimums_from or dt.date.min) + dt.timedelta(days=1)
    by_result = registered_dossier(workflow, submitted_on=start)
    bare = registered_dossier(workflow, submitted_on=start)
    level = ruleset.scoring_levels[0]
    for d, score in ((by_result, FakeResult(total, minimum)), (bare, total)):
        workflow.review_at_commune(d, passed=True, on=start)
        workflow.score(d, level, score, on=start)
    assert by_result.scores[level].stars == min(bare.scores[level].stars, minimum)
    if minimum == 5:
        assert by_result.state is bare.state


@given(
    scores,
    st.sampled_from([3, 4]),
    st.dates(dt.date(2019, 8, 21), dt.date(2021, 12, 31)),
)
def test_before_decision_781_sheet_minimums_do_not_cap_the_stars(total, minimum, day):
    """Facts page section 8: per-star minimums began with Decision 781 of 8 June 2020; a 1048
    product scored before then is judged by its total's band alone."""
    workflow = Workflow(rulesets.QD1048_2019, timeline=(rulesets.QD1048_2019,))
    by_result = registered_dossier(workflow, submitted_on=day)
    bare = registered_dossier(workflow, submitted_on=day)
    for d, score in ((by_result, FakeResult(total, minimum)), (bare, total)):
        workflow.review_at_commune(d, passed=True, on=day)
        workflow.score(d, Level.DISTRICT, score, on=day)
    expected = bare.scores[Level.DISTRICT].stars
    if day >= dt.date(2020, 6, 8):
        expected = min(expected, minimum)
    assert by_result.scores[Level.DISTRICT].stars == expected
    assert workflow.replay(by_result.history) == by_result


@given(scores)
def test_scored_dossier_replays_to_itself(score):
    d = scored_dossier(WF, score)
    assert WF.replay(d.history) == d


def test_replay_needs_a_registration_first():
    d = scored_dossier(WF, 60.0)
    with pytest.raises(InvalidInput, match="must start with a 'register' record"):
        WF.replay(d.history[1:])


@pytest.mark.parametrize("field", ["actor", "note", "reference"])
def test_registration_free_text_must_be_text(field):
    # Stored as given, so a number would come back from JSON as another value.
    with pytest.raises(InvalidInput, match=f"'{field}' must be a string or None \\(got 5\\)"):
        registered_dossier(WF, **{field: 5})  # type: ignore[arg-type]


def test_a_registration_before_ocop_names_its_date_field():
    with pytest.raises(InvalidInput, match="'submitted_on' must be on or after 2019-08-21"):
        registered_dossier(WF, submitted_on=dt.date(2019, 1, 1))


def test_actor_must_be_text():
    d = registered_dossier(WF)
    with pytest.raises(InvalidInput, match="'actor' must be a string or None \\(got 42\\)"):
        WF.review_at_commune(d, passed=True, on="2024-03-10", actor=42)  # type: ignore[arg-type]
    assert d.state is DossierState.REGISTERED


def test_council_result_from_the_shipped_sheet_is_scored_and_kept():
    from ocop_workflow.scoring import evaluate_council, shipped_sheet

    sheet = shipped_sheet(13)
    best = {c.code: len(c.options) - 1 for c in sheet.criteria}
    weak = {**best, "C.9.1": 2}  # misses the 4-star minimum (option 3) whatever the total
    council = evaluate_council(sheet, [weak, weak, best])
    assert council.band_stars == 5
    assert council.stars == 3
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, council, on="2024-04-01")
    assert d.state is DossierState.DISTRICT_SCORED
    assert d.scores[Level.DISTRICT].result is council
    assert d.scores[Level.DISTRICT].value == pytest.approx(council.total)
    assert WF.certify(d, on="2024-04-15", number="MS-10").stars == 3
    assert WF.replay(d.history) == d


@pytest.mark.parametrize("agreement", ["majority", "all", "mean_points"])
def test_a_stored_dossier_shows_its_council_result_again(agreement):
    import json

    from ocop_workflow import Dossier
    from ocop_workflow.scoring import (
        Agreement,
        CouncilPolicy,
        evaluate_council,
        result_from_details,
        shipped_sheet,
    )

    sheet = shipped_sheet(13)
    best = {c.code: len(c.options) - 1 for c in sheet.criteria}
    weak = {**best, "C.9.1": 2}
    policy = CouncilPolicy(minimums=Agreement(agreement))
    council = evaluate_council(sheet, [weak, best, best], policy)
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, council, on="2024-04-01")
    stored = Dossier.from_dict(json.loads(json.dumps(d.to_dict())), workflow=WF)
    details = stored.history[-1].details
    assert [dict(a) for a in details["answers"]] == [weak, best, best]
    assert details["agreement"] == agreement
    again = result_from_details(sheet, details)
    assert (again.total, again.minimum_stars, again.stars) == (
        council.total,
        council.minimum_stars,
        council.stars,
    )


def test_a_history_record_is_frozen_all_the_way_down():
    from ocop_workflow.scoring import result_from_details, shipped_sheet

    sheet = shipped_sheet(13)
    answers = {c.code: 1 for c in sheet.criteria}
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, sheet.evaluate(answers), on="2024-04-01")
    answers["A.1.1"] = 0  # the caller's own dict is not the record's
    kept = d.history[-1].details["answers"]
    with pytest.raises(TypeError):
        kept[0]["A.1.1"] = 0
    assert kept[0]["A.1.1"] == 1
    assert result_from_details(sheet, d.history[-1].details).total == d.scores[Level.DISTRICT].value


def test_a_sheet_with_a_declared_shortfall_still_scores():
    # Sheet 13's part C keeps the decision's 35 points although its criteria give 33 (a declared
    # gap): its parts are still 148's (A 40, B 25, C 35), so the regime accepts its results.
    from ocop_workflow.scoring import evaluate_council, shipped_sheet

    sheet = shipped_sheet(13)
    assert sheet.part_maxima == WF.rules_on("2024-04-01").part_maxima
    best = {c.code: len(c.options) - 1 for c in sheet.criteria}
    council = evaluate_council(sheet, [best, best, best])
    assert council.total == 98.0  # the most this sheet can give
    assert [g.code for g in council.gaps] == ["C"]
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, council, on="2024-04-01")
    assert d.state is DossierState.DISTRICT_SCORED
    assert d.scores[Level.DISTRICT].value == 98.0
    assert d.scores[Level.DISTRICT].result is council


def test_result_of_another_sheet_is_refused():
    from ocop_workflow.scoring import shipped_sheet

    sheet = shipped_sheet(13)
    result = sheet.evaluate({c.code: 0 for c in sheet.criteria})
    d = registered_dossier(WF, sheet=11)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    with pytest.raises(
        InvalidInput, match="'score' comes from sheet 13, but the dossier is on sheet 11"
    ):
        WF.score(d, Level.DISTRICT, result, on="2024-04-01")
    assert d.state is DossierState.COMMUNE_REVIEWED


@pytest.mark.parametrize(
    "operation",
    [
        lambda d: WF.score(d, Level.DISTRICT, 60.0, on="2024-04-01"),
        lambda d: WF.review_at_commune(d, passed=True, on="2024-04-01"),
        lambda d: WF.certify(d, on="2024-04-01", number="X-1"),
        lambda d: WF.expire(d, on="2024-04-01"),
        lambda d: WF.available_actions(d),
        lambda d: WF.deadline(d),
    ],
)
def test_operations_on_something_else_than_a_dossier_are_named(operation):
    with pytest.raises(InvalidInput, match=r"'dossier' must be a Dossier \(got dict\)"):
        operation(registered_dossier(WF).to_dict())


def test_numpy_like_numbers_are_scores():
    from fractions import Fraction

    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, Fraction(121, 2), on="2024-04-01")  # any real number
    assert d.scores[Level.DISTRICT].value == 60.5


# -- every bad input is an OcopError (hardening issue, item 2) ---------------------------------


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (10**400, "'score' must be a number a float can hold"),
        (decimal.Decimal("1e400"), "'score' must be a finite number"),
        (decimal.Decimal("NaN"), "'score' must be a finite number"),
        ("75", "'score' must be a number"),
        (True, "'score' must be a number"),
    ],
)
def test_numbers_that_are_no_score_are_refused_by_name(score, message):
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    before = snapshot(d)
    with pytest.raises(InvalidInput, match=message):
        WF.score(d, Level.DISTRICT, score, on="2024-04-01")
    assert snapshot(d) == before


@pytest.mark.parametrize(
    "score", [decimal.Decimal("75.5"), fractions.Fraction(151, 2), np.float64(75.5), np.int64(75)]
)
def test_any_real_number_is_a_score(score):
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, score, on="2024-04-01")
    assert type(d.scores[Level.DISTRICT].value) is float
    assert d.scores[Level.DISTRICT].value == float(score)


def test_a_result_whose_answers_are_not_plain_data_is_refused():
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    odd = FakeResult(80.0, 5, answer_sets=({"A.1.1": object()},))  # type: ignore[dict-item]
    with pytest.raises(InvalidInput, match=r"'score.answer_sets\[0\].A.1.1' must be a whole"):
        WF.score(d, Level.DISTRICT, odd, on="2024-04-01")
    assert d.state is DossierState.COMMUNE_REVIEWED


def test_a_result_lacking_the_protocol_is_named():
    @attrs.frozen
    class Partial:
        total: float
        minimum_stars: int

    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    with pytest.raises(InvalidInput, match="it lacks sheet_number, part_maxima"):
        WF.score(d, Level.DISTRICT, Partial(80.0, 5), on="2024-04-01")  # type: ignore[arg-type]


def test_renewed_must_be_a_dossier():
    d = scored_dossier(WF, 60.0)
    with pytest.raises(InvalidInput, match=r"'renewed' must be a Dossier \(got 'SL-1'\)"):
        WF.certify(d, on="2024-05-01", number="X-1", renewed="SL-1")  # type: ignore[arg-type]


@pytest.mark.parametrize("timeline", [5, "QD148", [rulesets.QD148_2023, 5], []])
def test_a_timeline_must_be_rule_sets(timeline):
    with pytest.raises(InvalidInput, match="'timeline' must be a non-empty sequence of RuleSet"):
        Workflow(rulesets.QD148_2023, timeline=timeline)


def test_a_certificate_that_would_expire_past_the_calendar_is_neither_offered_nor_issued():
    pinned = Workflow(rulesets.QD148_2023, timeline=(rulesets.QD148_2023,))
    d = scored_dossier(pinned, 60.0, submitted_on=dt.date(9996, 1, 1))
    assert Action(ActionName.CERTIFY) in pinned.available_actions(d, on="9996-12-31")
    assert Action(ActionName.CERTIFY) not in pinned.available_actions(d, on="9997-01-01")
    before = snapshot(d)
    with pytest.raises(InvalidInput, match="36 months from 9997-01-01 leaves the calendar"):
        pinned.certify(d, on="9997-01-01", number="X-9")
    assert snapshot(d) == before


# -- threads (hardening issue, item 4) ---------------------------------------------------------


def test_two_threads_never_both_move_a_dossier_from_the_same_state():
    """Many threads race to review, score and certify the same dossiers: exactly one of each
    operation wins per dossier, and every history still chains and replays."""
    import sys
    import threading

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        dossiers = [registered_dossier(WF) for _ in range(150)]
        wins: list[tuple[int, str]] = []
        start = threading.Barrier(8)

        def race(worker: int) -> None:
            start.wait()
            for index, d in enumerate(dossiers):
                for name in ("review", "score", "certify"):
                    try:
                        if name == "review":
                            WF.review_at_commune(d, passed=True, on="2024-03-10")
                        elif name == "score":
                            WF.score(d, Level.DISTRICT, 60.0, on="2024-04-01")
                        else:
                            WF.certify(d, on="2024-04-15", number=f"T-{index}")
                    except OcopError:
                        continue
                    wins.append((index, name))

        threads = [threading.Thread(target=race, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert sorted(wins) == sorted(
        (i, n) for i in range(150) for n in ("review", "score", "certify")
    )
    for d in dossiers:
        assert [r.action for r in d.history] == [
            "register",
            "review_at_commune",
            "score",
            "certify",
        ]
        assert WF.replay(d.history) == d


@given(st.dates(min_value=dt.date(2023, 6, 1), max_value=dt.date(2025, 6, 1)))
def test_the_expiry_notice_is_due_30_days_before_the_expiry(on):
    """Facts page section 4.6: the issuing body notifies at least 30 days before expiry (this
    replaces the property once held by ``Validity.notice_by``, gone as dead code)."""
    d = certified_dossier(WF, on=on)
    notice = WF.notice_due(d)
    assert notice is not None
    assert d.certificate.expires_on - notice == dt.timedelta(days=30)
    WF.expire(d, on=d.certificate.expires_on)
    assert WF.notice_due(d) is None  # nothing to notify once the certificate is marked expired
