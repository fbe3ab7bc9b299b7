"""Inspections after certification, the revocation rules of section 8, and expiry notices."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import (
    Action,
    ActionName,
    DossierState,
    InvalidInput,
    TransitionNotAllowed,
    Workflow,
    rulesets,
)
from ocop_workflow.portfolio import notices_due, revocations_due
from ocop_workflow.testing import certified_dossier
from ocop_workflow.workflow.inspections import Finding

WF = Workflow(rulesets.QD148_2023)


def test_public_contract_an_inspection_changes_no_state():
    d = certified_dossier(WF)  # 4 stars, 2024-07-20 to 2027-07-20
    assert WF.inspect(d, on=dt.date(2025, 3, 1), findings=["misuse_of_mark"]) == ()  # not 148's
    assert WF.inspect(d, on="2025-04-01", findings=[]) == ()
    found = WF.inspect(d, on="2025-05-01", findings=[Finding("breach_of_rules", "nhãn sai")])
    assert [g.value for g in found] == ["breach_of_rules"]
    assert d.state is DossierState.CERTIFIED
    assert [r.from_state for r in d.history[-3:]] == [DossierState.CERTIFIED] * 3
    assert [r.to_state for r in d.history[-3:]] == [DossierState.CERTIFIED] * 3
    assert d.history[-1].details["revoke_by"] is None  # 148 sets no limit
    assert WF.replay(d.history) == d


def test_under_26_2026_a_finding_starts_the_15_day_limit_and_the_revocation_cites_it():
    d = certified_dossier(WF, 60.0)
    WF.inspect(d, on="2026-09-01", findings=["misuse_of_mark"])
    assert d.history[-1].details["revoke_by"] == "2026-09-16"
    (due,) = revocations_due([d], as_of="2026-09-17")
    assert (due.revoke_by, due.overdue) == (dt.date(2026, 9, 16), True)
    assert revocations_due([d], as_of="2026-08-31") == []
    with pytest.raises(InvalidInput, match="found no 'production_stopped'"):
        WF.revoke(d, reason="production_stopped", on="2026-09-10", inspection="2026-09-01")
    with pytest.raises(InvalidInput, match="must be the date of an inspection"):
        WF.revoke(d, reason="misuse_of_mark", on="2026-09-10", inspection="2026-09-02")
    WF.revoke(d, reason="misuse_of_mark", on="2026-09-10", inspection="2026-09-01")
    assert d.history[-1].details == {
        "reason": "misuse_of_mark",
        "inspection": "2026-09-01",
        "by": "province",
    }
    assert revocations_due([d], as_of="2026-09-17") == []
    assert WF.replay(d.history) == d


def test_not_reevaluated_only_from_the_expiry_and_also_once_expired():
    """Section 8: Đồng Tháp revoked 41 expired certificates for not being re-evaluated."""
    d = certified_dossier(WF)  # expires 2027-07-20; 148's grounds before 26/2026
    before = d.to_dict()
    with pytest.raises(TransitionNotAllowed, match="only on or after its expiry"):
        WF.revoke(d, reason="not_reevaluated", on="2024-07-21")
    assert d.to_dict() == before
    old = Workflow(rulesets.QD148_2023, timeline=(rulesets.QD148_2023,))
    d = certified_dossier(old)
    old.expire(d, on="2027-07-20")
    assert Action(ActionName.REVOKE) in old.available_actions(d, on="2027-08-01")
    old.revoke(d, reason="not_reevaluated", on="2027-08-01")
    assert d.state is DossierState.REVOKED
    assert old.replay(d.history) == d


def test_other_grounds_need_a_valid_certificate():
    old = Workflow(rulesets.QD148_2023, timeline=(rulesets.QD148_2023,))
    d = certified_dossier(old)
    with pytest.raises(TransitionNotAllowed, match="only while it is valid"):
        old.revoke(d, reason="breach_of_rules", on="2027-07-20")  # expired, not yet marked
    old.expire(d, on="2027-07-20")
    with pytest.raises(TransitionNotAllowed, match="only while it is valid"):
        old.revoke(d, reason="breach_of_rules", on="2027-07-21")
    with pytest.raises(TransitionNotAllowed, match="cannot inspect"):
        WF.inspect(certified_dossier(WF), on="2027-07-20")


@given(st.integers(min_value=-5, max_value=120))
def test_a_notice_is_late_under_30_days_before_expiry(days_before):
    d = certified_dossier(WF)  # expires 2027-07-20
    on = dt.date(2027, 7, 20) - dt.timedelta(days=days_before)
    if days_before <= 0:
        with pytest.raises(TransitionNotAllowed, match="cannot notify expiry"):
            WF.notify_expiry(d, on=on)
        return
    assert WF.notify_expiry(d, on=on) is (days_before >= 30)
    assert d.history[-1].details["late"] is (days_before < 30)
    assert notices_due([d], as_of=on) == []
    assert WF.replay(d.history) == d


def test_notices_due_lists_unsent_notices_by_their_last_day():
    a = certified_dossier(WF, on=dt.date(2024, 7, 20), number="A")  # notice by 2027-06-20
    b = certified_dossier(WF, on=dt.date(2024, 8, 1), number="B")  # notice by 2027-07-02
    assert notices_due([a, b], as_of="2027-06-19") == []
    assert [n.dossier for n in notices_due([a, b], as_of="2027-06-19", days=20)] == [a, b]
    (late,) = notices_due([a, b], as_of="2027-06-21")
    assert late.dossier is a
    assert late.overdue
    WF.notify_expiry(a, on="2027-06-21")
    assert notices_due([a, b], as_of="2027-06-21") == []
