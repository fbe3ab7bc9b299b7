"""The commune's check items and the dossier's contents, per regime (facts page sections 4, 8)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import DossierState, InvalidInput, Workflow, rulesets
from ocop_workflow.checklists import Check, CheckItem, ContentItem
from ocop_workflow.testing import registered_dossier

WF = Workflow(rulesets.QD148_2023)
FOUR = ("local_materials", "local_labour", "idea_origin", "local_identity")


def test_public_contract_a_failed_item_returns_the_dossier():
    d = registered_dossier(WF)
    failed = WF.review_at_commune(
        d,
        on=dt.date(2024, 3, 15),
        items={
            "local_materials": True,
            "local_labour": True,
            "idea_origin": True,
            "local_identity": False,
        },
    )
    assert failed == ("local_identity",)
    assert d.state is DossierState.RETURNED
    assert d.history[-1].details["failed"] == ("local_identity",)
    assert WF.replay(d.history) == d


@given(st.lists(st.booleans(), min_size=5, max_size=5), st.sampled_from([2024, 2025, 2026]))
def test_every_item_of_the_regime_must_pass(outcomes, year):
    """148: four items; 1489 and later: the dossier's format too (section 8)."""
    day = dt.date(year, 10, 1)
    d = registered_dossier(WF, submitted_on=day, district=None if year > 2024 else "Mai Sơn")
    codes = FOUR + (("dossier_format",) if year > 2024 else ())
    items = {
        code: Check(ok, None if ok else "thiếu") for code, ok in zip(codes, outcomes, strict=False)
    }
    failed = WF.review_at_commune(d, on=day, items=items)
    assert failed == tuple(c for c, ok in zip(codes, outcomes, strict=False) if not ok)
    assert (d.state is DossierState.COMMUNE_REVIEWED) is all(outcomes[: len(codes)])
    assert WF.replay(d.history) == d


def test_the_items_must_be_those_of_the_regime():
    d = registered_dossier(WF)
    before = d.to_dict()
    with pytest.raises(InvalidInput, match="missing local_identity"):
        WF.review_at_commune(d, on="2024-03-15", items=dict.fromkeys(FOUR[:3], True))
    with pytest.raises(InvalidInput, match="not checked under QD148_2023: dossier_format"):
        WF.review_at_commune(
            d, on="2024-03-15", items=dict.fromkeys((*FOUR, "dossier_format"), True)
        )
    with pytest.raises(InvalidInput, match="'passed' is True but the items say returned"):
        WF.review_at_commune(
            d, passed=True, on="2024-03-15", items={**dict.fromkeys(FOUR, True), FOUR[0]: False}
        )
    assert d.to_dict() == before
    old = Workflow(rulesets.QD1048_2019)
    d = registered_dossier(old, submitted_on=dt.date(2020, 3, 1))
    with pytest.raises(InvalidInput, match="lists no commune check items under QD1048_2019"):
        old.review_at_commune(d, on="2020-03-15", items=dict.fromkeys(FOUR, True))
    old.review_at_commune(d, passed=True, on="2020-03-15")  # a plain review keeps working


def test_an_incomplete_dossier_cannot_pass():
    """Five samples, except for services (sheet 26)."""
    full: dict[str, bool | int] = {
        "registration_form": True,
        "self_assessment": True,
        "evidence": True,
        "samples": 5,
    }
    d = registered_dossier(WF)
    assert WF.review_at_commune(d, on="2024-03-15", contents={**full, "samples": 3}) == (
        "samples (3 of 5)",
    )
    assert d.state is DossierState.RETURNED
    tourism = registered_dossier(WF, sheet=26)
    no_samples = {k: v for k, v in full.items() if k != "samples"}
    assert WF.review_at_commune(tourism, on="2024-03-15", contents=no_samples) == ()
    assert tourism.state is DossierState.COMMUNE_REVIEWED
    assert rulesets.QD148_2023.dossier_contents.checklist(26) == (
        ContentItem.REGISTRATION_FORM,
        ContentItem.SELF_ASSESSMENT,
        ContentItem.EVIDENCE,
    )
    assert ContentItem.BUSINESS_PLAN in rulesets.QD1048_2019.dossier_contents.required
    assert rulesets.QD26_2026.commune_checks == (*rulesets.CHECKS_148, CheckItem.DOSSIER_FORMAT)
