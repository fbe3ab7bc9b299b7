"""Decision 1048's five-star candidate holds the province's 4-star certificate while the central
council evaluates it (facts page section 8, reported; not verified for 148, so off from 148 on)."""

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import (
    Dossier,
    DossierKind,
    DossierState,
    InvalidInput,
    Level,
    RevocationReason,
    TransitionNotAllowed,
    Workflow,
    portfolio,
    rulesets,
)
from ocop_workflow.access import AccessPolicy, Actor, PermissionDenied, Role
from ocop_workflow.testing import (
    certified_dossier,
    held_dossier,
    registered_dossier,
    scored_dossier,
)

WF = Workflow(rulesets.QD1048_2019)  # the shipped timeline: 148 from 24 Feb 2023
HELD = DossierState.CERTIFIED_FORWARDED
D, P, C = Level.DISTRICT, Level.PROVINCE, Level.CENTRAL


def forwarded(score=92.0, on=dt.date(2021, 3, 1)):
    """A 1048 dossier the district forwards and the province scores ``score`` on ``on``."""
    d = registered_dossier(WF, submitted_on=on - dt.timedelta(days=21))
    WF.review_at_commune(d, passed=True, on=on - dt.timedelta(days=14))
    WF.score(d, D, 80.0, on=on - dt.timedelta(days=7))  # 50 or more: forwarded (section 1)
    WF.score(d, P, score, on=on)
    return d


def names(actions):
    return [str(a) for a in actions]


def test_the_province_certifies_4_stars_before_the_centre_scores():
    d = forwarded()
    assert d.state is DossierState.PROVINCE_SCORED
    assert names(WF.available_actions(d)) == ["score(central)", "certify", "withdraw"]
    certificate = WF.certify(d, on=dt.date(2021, 3, 10), number="SL-21-01")
    assert d.state is HELD
    assert (certificate.stars, certificate.level) == (4, P)
    assert certificate.expires_on == dt.date(2024, 3, 10)  # 36 months (section 4.6)
    assert d.certificate == certificate
    assert names(WF.available_actions(d)) == [
        "expire",
        "score(central)",
        "withdraw",
        "revoke",
        "inspect",
        "notify_expiry",
    ]


def test_a_dossier_forwarded_without_the_province_certificate_still_replays():
    # Recorded before this rule (or by a province that forwarded without a decision): the
    # centre scores straight after the province, as every 1048 dossier stored until now did.
    d = forwarded()
    WF.score(d, C, 95.0, on=dt.date(2021, 6, 1))
    WF.certify(d, on=dt.date(2021, 7, 1), number="BNN-21-05")
    assert (d.state, d.certificate.stars) == (DossierState.CERTIFIED, 5)
    assert Dossier.from_dict(d.to_dict(), workflow=WF) == d


def test_five_stars_at_the_centre_replace_the_held_certificate():
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10), number="SL-21-01")
    WF.score(d, C, 95.0, on=dt.date(2021, 6, 1))
    assert d.state is HELD  # waiting for the ministry's certificate
    assert d.certificate is not None
    assert d.certificate.number == "SL-21-01"
    assert names(WF.available_actions(d)) == [
        "expire",
        "certify",
        "withdraw",
        "revoke",
        "inspect",
        "notify_expiry",
    ]
    with pytest.raises(TransitionNotAllowed, match="waits for that level's certificate"):
        WF.score(d, C, 96.0, on=dt.date(2021, 6, 2))
    certificate = WF.certify(d, on=dt.date(2021, 7, 1), number="BNN-21-05")
    assert d.state is DossierState.CERTIFIED
    assert (certificate.number, certificate.stars, certificate.level) == ("BNN-21-05", 5, C)
    assert certificate.expires_on == dt.date(2024, 7, 1)
    issued = [(r.details["number"], r.to_state) for r in d.history if r.action == "certify"]
    assert issued == [("SL-21-01", HELD), ("BNN-21-05", DossierState.CERTIFIED)]


@pytest.mark.parametrize("central", [89.49, 70.0, 49.99, 0.0])
def test_under_5_stars_at_the_centre_the_held_certificate_stands(central):
    # Whatever the centre scores under 5 stars (under 3 too): the province recognised 4 stars.
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10), number="SL-21-01")
    held = d.certificate
    WF.score(d, C, central, on=dt.date(2021, 6, 1))
    assert d.state is DossierState.CERTIFIED
    assert d.certificate is held
    assert d.history[-1].action == "score"
    assert d.history[-1].from_state is HELD
    assert d.scores[C].value == central
    assert "certify" not in names(WF.available_actions(d))


@pytest.mark.parametrize(("score", "held"), [(89.49, False), (89.5, True), (90.0, True)])
def test_the_province_holds_what_1048s_rounding_forwards(score, held):
    # Section 2: 1048's whole-number bands, a fraction rounded half up: 89.5 is 90, forwarded.
    d = forwarded(score)
    WF.certify(d, on=dt.date(2021, 3, 10), number="SL-21-01")
    assert d.state is (HELD if held else DossierState.CERTIFIED)
    assert d.certificate is not None
    assert (d.certificate.stars, d.certificate.level) == (4, P)


def test_a_held_dossier_finishes_under_148_which_holds_none():
    d = held_dossier(WF, 95.0, on=dt.date(2023, 2, 23), number="SL-23-01")  # 1048's last day
    WF.score(d, C, 96.0, on=dt.date(2023, 3, 2))  # under 148
    assert d.history[-1].regime == "QD148_2023"
    WF.certify(d, on=dt.date(2023, 3, 9), number="BNN-23-01")
    assert (d.state, d.certificate.stars) == (DossierState.CERTIFIED, 5)
    # A 148 province score of 92 goes on to the centre with no certificate meanwhile.
    later = scored_dossier(WF, 92.0, submitted_on=dt.date(2023, 4, 1))
    assert later.state is DossierState.CENTRAL_SCORED
    assert later.certificate is None


def renewal(old, province=93.0):
    """A 1048 upgrade of ``old`` forwarded to the centre and holding the province's certificate,
    certified with ``renewed=old``."""
    new = registered_dossier(
        WF, submitted_on=dt.date(2021, 1, 4), kind=DossierKind.UPGRADE, renews=old
    )
    WF.review_at_commune(new, passed=True, on=dt.date(2021, 1, 11))
    WF.score(new, D, 80.0, on=dt.date(2021, 2, 1))
    WF.score(new, P, province, on=dt.date(2021, 3, 1))
    WF.certify(new, on=dt.date(2021, 3, 10), number="SL-21-07", renewed=old)
    return new


def test_the_held_certificate_supersedes_the_4_star_one_it_renews_once():
    old = certified_dossier(WF, 80.0, on=dt.date(2020, 3, 1), number="SL-20-01")
    new = renewal(old)
    assert old.state is DossierState.SUPERSEDED
    assert old.history[-1].details == {"by": "SL-21-07"}
    WF.score(new, C, 94.0, on=dt.date(2021, 6, 1))
    before = old.to_dict()
    with pytest.raises(InvalidInput, match="'renewed': pass the dossier of certificate"):
        WF.certify(new, on=dt.date(2021, 7, 1), number="BNN-21-02")
    WF.certify(new, on=dt.date(2021, 7, 1), number="BNN-21-02", renewed=old)
    assert new.certificate.stars == 5
    assert old.to_dict() == before  # nothing more to supersede


@pytest.mark.parametrize("central", [95.0, 80.0])
def test_a_held_certificate_does_not_downgrade_the_five_stars_it_renews(central):
    # A five-star product re-evaluated under 1048: the province's 4 stars held meanwhile do not
    # replace the ministry's 5 (section 8 speaks of candidates); the centre's certificate does.
    old = certified_dossier(WF, 95.0, on=dt.date(2020, 3, 1), number="BNN-20-01")
    WF.inspect(old, on=dt.date(2021, 4, 1))  # after the province's decision: no matter
    new = renewal(old)
    assert (old.state, new.state) == (DossierState.CERTIFIED, HELD)
    WF.score(new, C, central, on=dt.date(2021, 6, 1))
    if central >= 90:
        WF.certify(new, on=dt.date(2021, 7, 1), number="BNN-21-02", renewed=old)
        assert old.state is DossierState.SUPERSEDED
    else:  # the re-evaluation ends with the province's 4 stars; the old certificate runs out
        assert (new.state, new.certificate.stars) == (DossierState.CERTIFIED, 4)
        assert old.state is DossierState.CERTIFIED


def test_a_held_certificate_can_be_renewed_and_superseded():
    held = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10), number="SL-21-01")
    upgrade = registered_dossier(
        WF, submitted_on=dt.date(2022, 1, 4), kind=DossierKind.UPGRADE, renews=held
    )
    WF.review_at_commune(upgrade, passed=True, on=dt.date(2022, 1, 11))
    WF.score(upgrade, D, 80.0, on=dt.date(2022, 2, 1))
    WF.score(upgrade, P, 85.0, on=dt.date(2022, 3, 1))
    WF.certify(upgrade, on=dt.date(2022, 3, 10), number="SL-22-01", renewed=held)
    assert held.state is DossierState.SUPERSEDED


def test_a_held_certificate_can_be_inspected_notified_and_revoked_by_the_province():
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10))
    found = WF.inspect(d, on=dt.date(2021, 4, 1), findings=["breach_of_rules"])
    assert found == (RevocationReason.BREACH_OF_RULES,)
    assert d.state is HELD
    assert WF.notify_expiry(d, on=dt.date(2024, 2, 1)) is True  # 30 days before 10 Mar 2024
    with pytest.raises(InvalidInput, match="'by' must be 'province'"):
        WF.revoke(d, reason="breach_of_rules", on=dt.date(2024, 2, 2), by="central")
    WF.revoke(d, reason="breach_of_rules", on=dt.date(2024, 2, 2), inspection=dt.date(2021, 4, 1))
    assert d.state is DossierState.REVOKED
    assert d.history[-1].details["by"] == "province"


def test_a_held_certificate_expires_after_36_months_like_any_other():
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10))
    assert "expire" not in names(WF.available_actions(d, on=dt.date(2024, 3, 9)))
    report = portfolio.expire_due([d], as_of=dt.date(2024, 3, 11), workflow=WF)
    assert report.expired == (d,)
    assert d.state is DossierState.EXPIRED
    assert portfolio.by_stars([d]) == {}


def test_withdrawing_from_the_centre_keeps_the_held_certificate():
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10))
    held = d.certificate
    WF.withdraw(d, on=dt.date(2021, 4, 1))
    assert (d.state, d.certificate) == (DossierState.CERTIFIED, held)


def test_26_2026_closes_the_centre_to_a_held_dossier_after_its_transitional_deadline():
    # Section 6: dossiers in flight finish within 60 days of 26/2026's start; a held one keeps
    # its certificate but the centre can no longer score it.
    d = held_dossier(WF, 92.0, on=dt.date(2022, 12, 1))
    deadline = WF.deadline(d)
    assert deadline == dt.date(2026, 9, 19)
    late = deadline + dt.timedelta(days=1)
    # (Its certificate expired on 1 Dec 2025; 26/2026 has no "not re-evaluated" ground.)
    assert names(WF.available_actions(d, on=late)) == ["expire", "withdraw"]
    before = copy.deepcopy(d.to_dict())
    with pytest.raises(TransitionNotAllowed, match="had to finish under QD26_2026 by 2026-09-19"):
        WF.score(d, C, 95.0, on=late)
    assert d.to_dict() == before
    rows = portfolio.agenda([d], start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30), workflow=WF)
    assert [(r.on, r.what.value, r.level) for r in rows] == [(deadline, "transitional_deadline", C)]
    WF.score(d, C, 95.0, on=deadline)
    assert d.state is HELD


def test_the_portfolio_counts_a_held_certificate_with_its_stars_and_dates():
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10), number="SL-21-01")
    assert portfolio.by_stars([d]) == {4: 1}
    assert portfolio.expiring_within([d], 30, as_of=dt.date(2024, 2, 20)) == [d]
    due = portfolio.notices_due([d], as_of=dt.date(2024, 2, 1), days=30, workflow=WF)
    assert [n.notice_by for n in due] == [dt.date(2024, 2, 9)]
    rows = portfolio.agenda([d], start=dt.date(2024, 2, 1), end=dt.date(2024, 3, 31), workflow=WF)
    assert [(r.on, r.what.value) for r in rows] == [
        (dt.date(2024, 2, 9), "notice"),
        (dt.date(2024, 3, 10), "expiry"),
    ]


def test_the_province_committee_certifies_the_held_and_the_ministry_the_fifth_star():
    wf = Workflow(rulesets.QD1048_2019, policy=AccessPolicy.default())
    d = registered_dossier(wf, submitted_on=dt.date(2021, 1, 4), actor=Actor("htx", Role.PRODUCER))
    commune = Actor("c", Role.COMMUNE_OFFICER, province="Sơn La", district="Mai Sơn",
                    commune="Chiềng Ban")  # fmt: skip
    wf.review_at_commune(d, passed=True, on=dt.date(2021, 1, 11), actor=commune)
    district = Actor("d", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn")
    wf.score(d, D, 80.0, on=dt.date(2021, 2, 1), actor=district)
    wf.score(d, P, 93.0, on=dt.date(2021, 3, 1), actor=Actor("pc", Role.PROVINCE_COUNCIL,
                                                             province="Sơn La"))  # fmt: skip
    ministry = Actor("m", Role.MINISTRY)
    with pytest.raises(PermissionDenied):
        wf.certify(d, on=dt.date(2021, 3, 10), number="SL-21-01", actor=ministry)
    province = Actor("p", Role.PROVINCE_COMMITTEE, province="Sơn La")
    wf.certify(d, on=dt.date(2021, 3, 10), number="SL-21-01", actor=province)
    wf.score(d, C, 95.0, on=dt.date(2021, 6, 1), actor=Actor("cc", Role.CENTRAL_COUNCIL))
    with pytest.raises(PermissionDenied):
        wf.certify(d, on=dt.date(2021, 7, 1), number="BNN-21-05", actor=province)
    wf.certify(d, on=dt.date(2021, 7, 1), number="BNN-21-05", actor=ministry)
    assert d.certificate.level is C


def test_held_dossier_refuses_a_score_no_level_holds():
    with pytest.raises(InvalidInput, match="not forwarded by a level that certifies"):
        held_dossier(WF, 92.0, on=dt.date(2024, 3, 1))  # 148 holds nothing


@given(
    province=st.floats(min_value=89.5, max_value=100.0),
    central=st.floats(min_value=0.0, max_value=100.0),
    days=st.integers(min_value=0, max_value=900),
)
def test_a_held_dossier_always_ends_certified_and_replays(province, central, days):
    """Whatever the centre scores and when (under 1048 or 148), the dossier is certified in the
    end, at 5 stars by the centre exactly when its score reaches 5 stars, else at the province's
    4; the stored form replays to the same dossier."""
    d = forwarded(province, on=dt.date(2021, 1, 4))
    WF.certify(d, on=dt.date(2021, 1, 11), number="SL-21-01")
    on = dt.date(2021, 1, 11) + dt.timedelta(days=days)
    WF.score(d, C, central, on=on)
    five = WF.rules_on(on).bands.stars(WF.rules_on(on).bands.placed(central)) == 5
    if five:
        assert d.state is HELD
        WF.certify(d, on=on, number="BNN-21-01")
    assert d.state is DossierState.CERTIFIED
    assert d.certificate is not None
    assert (d.certificate.stars, d.certificate.level) == ((5, C) if five else (4, P))
    assert Dossier.from_dict(d.to_dict(), workflow=WF) == d
    assert Dossier.from_dict(d.to_dict()) == d


def test_a_stored_held_dossier_must_carry_its_certificate():
    d = held_dossier(WF, 92.0, on=dt.date(2021, 3, 10))
    data = d.to_dict()
    data["certificate"] = None
    with pytest.raises(InvalidInput, match="'certificate' must be present in state"):
        Dossier.from_dict(data)
    data = d.to_dict()
    data["scores"] = {}
    data["history"] = [r for r in data["history"] if r["action"] != "score"]
    with pytest.raises(InvalidInput, match="must hold the score of the certificate held"):
        Dossier.from_dict(data)
    # An edited held certificate is refused against the history's certify record.
    data = d.to_dict()
    data["certificate"]["stars"] = 5
    with pytest.raises(InvalidInput, match="'certificate' stars differ"):
        Dossier.from_dict(data)
