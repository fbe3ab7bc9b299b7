"""Replay re-checks every record; stored dossiers must agree with their own history.

Each case tampers with one thing a stored history could carry and expects the refusal to name the
record (index, action, date) and the field (hardening issue, item 1).
"""

import datetime as dt
import json
from typing import Any

import attrs
import pytest

from ocop_workflow import (
    Dossier,
    DossierState,
    HistoryRecord,
    InvalidInput,
    Level,
    Workflow,
    rulesets,
)
from ocop_workflow.scoring import evaluate_council, shipped_sheet
from ocop_workflow.testing import SAMPLE_PRODUCT, certified_dossier, registered_dossier

WF = Workflow(rulesets.QD148_2023)


def history() -> list[HistoryRecord]:
    """A real certified history: register, commune review, district, province, certify."""
    return list(certified_dossier(WF).history)


def tampered(index: int, **changes: Any) -> list[HistoryRecord]:
    records = history()
    records[index] = attrs.evolve(records[index], **changes)
    return records


def with_details(index: int, **changes: object) -> list[HistoryRecord]:
    records = history()
    details = {**records[index].details, **changes}
    records[index] = attrs.evolve(records[index], details=details)
    return records


def test_an_untouched_history_replays():
    d = certified_dossier(WF)
    assert WF.replay(d.history) == d


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (
            tampered(0, from_state=DossierState.REGISTERED),
            r"'history\[0\]' \('register' of 2024-03-22\): 'from_state' is 'registered', "
            r"but the operation gives None",
        ),
        (
            tampered(0, to_state=DossierState.CERTIFIED),
            r"'history\[0\]' .*'to_state' is 'certified', but the operation gives 'registered'",
        ),
        (
            tampered(0, regime="QD9999"),
            r"'history\[0\]' .*'regime' is 'QD9999', but the operation gives 'QD148_2023'",
        ),
        (
            tampered(0, regime="QD1048_2019"),  # exists, but not in force on 2024-03-22
            r"'history\[0\]' .*'regime' is 'QD1048_2019', but the operation gives 'QD148_2023'",
        ),
        (
            with_details(0, kind="upgrade"),
            r"'history\[0\]' .*'renews' is required for a upgrade dossier \(got None\)",
        ),
        (
            with_details(0, district=None),
            r"'history\[0\]' .*'district' is required under QD148_2023",
        ),
        (
            with_details(0, colour="red"),
            r"'history\[0\]' .*'details' must hold product.*unknown colour",
        ),
        (
            with_details(0, sheet=13.5),
            r"'history\[0\]' .*'sheet' must be a whole number from 1 to 26 \(got 13.5\)",
        ),
        (
            tampered(2, from_state=DossierState.REGISTERED),
            r"'history\[2\]' \('score' of 2024-04-05\): 'from_state' is 'registered', "
            r"but the operation gives 'commune_reviewed'",
        ),
        (
            tampered(3, to_state=DossierState.CENTRAL_SCORED),
            r"'history\[3\]' .*'to_state' is 'central_scored', but the operation gives "
            r"'province_scored'",
        ),
        (
            with_details(2, stars=5),
            r"'history\[2\]' .*'details.stars' is 5, but the operation gives 4",
        ),
        (
            with_details(4, level="central"),
            r"'history\[4\]' \('certify' of 2024-07-20\): 'details.level' is 'central', "
            r"but the operation gives 'province'",
        ),
        (
            with_details(1, extra=1),
            r"'history\[1\]' .*'details.extra' is not recorded by this operation",
        ),
        (
            tampered(2, action="promote"),
            r"'history\[2\]' \('promote' of 2024-04-05\): 'action' must be one of",
        ),
        (
            tampered(3, on=dt.date(2024, 4, 1)),  # before the district score of 2024-04-05
            r"'history\[3\]' .*'on' must not be before the previous step on 2024-04-05",
        ),
        (
            tampered(4, regime="QD1489_2025"),
            r"'history\[4\]' .*'regime' is 'QD1489_2025', but the operation gives 'QD148_2023'",
        ),
        (
            tampered(1, action="register"),
            r"'history\[1\]' .*registered once, in its first record",
        ),
    ],
)
def test_a_tampered_record_is_named(records, message):
    with pytest.raises(InvalidInput, match=message):
        WF.replay(records)


def test_replay_refuses_what_is_not_a_history():
    with pytest.raises(InvalidInput, match=r"'history' must be a sequence of HistoryRecord"):
        WF.replay(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"'sheets' must map sheet numbers"):
        WF.replay(history(), sheets=[1, 2])  # type: ignore[arg-type]


def council_dossier() -> Dossier:
    sheet = shipped_sheet(13)
    best = {c.code: len(c.options) - 1 for c in sheet.criteria}
    d = registered_dossier(WF)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, evaluate_council(sheet, [best, best, best]), on="2024-04-01")
    return d


def test_a_council_score_is_evaluated_again_from_its_kept_answers():
    d = council_dossier()
    assert WF.replay(d.history) == d
    worst = {c.code: 0 for c in shipped_sheet(13).criteria}
    records = list(d.history)
    details = {**records[2].details, "answers": [worst, worst, worst]}  # recorded total stays 100
    records[2] = attrs.evolve(records[2], details=details)
    with pytest.raises(
        InvalidInput, match=r"'history\[2\]' \('score' of 2024-04-01\): 'details\.(cap|score)' is"
    ):
        WF.replay(records)


def test_a_sheet_given_by_the_caller_is_used_to_evaluate_again():
    """A portal scoring on its own sheet passes it as ``sheets``: replay evaluates the kept
    answers on that sheet, not on a shipped one."""
    own = attrs.evolve(shipped_sheet(13), number=12)  # the portal's own sheet 12
    best = {c.code: len(c.options) - 1 for c in own.criteria}
    d = registered_dossier(WF, sheet=12)
    WF.review_at_commune(d, passed=True, on="2024-03-10")
    WF.score(d, Level.DISTRICT, evaluate_council(own, [best, best, best]), on="2024-04-01")
    assert WF.replay(d.history, sheets={12: own}) == d
    # The same sheet with one criterion's options in reverse order: best answers now score less.
    criterion = own.parts[0].groups[0].criteria[0]
    reversed_options = attrs.evolve(criterion, options=criterion.options[::-1])
    group = attrs.evolve(
        own.parts[0].groups[0], criteria=(reversed_options, *own.parts[0].groups[0].criteria[1:])
    )
    part = attrs.evolve(own.parts[0], groups=(group, *own.parts[0].groups[1:]))
    changed = attrs.evolve(own, parts=(part, *own.parts[1:]))
    with pytest.raises(InvalidInput, match=r"'history\[2\]' .*'details\.(cap|score)' is"):
        WF.replay(d.history, sheets={12: changed})


def stored(d: Dossier | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps((d or certified_dossier(WF)).to_dict()))
    return data


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            lambda data: data["certificate"].update(stars=5),
            r"'certificate' stars differ from the history's certify/extend records",
        ),
        (
            lambda data: data["scores"]["district"].update(value=80.0, stars=4),
            r"'scores' must be what the history's score records carry",
        ),
        (
            lambda data: data["history"][2]["details"].update(score=60.0),
            r"'scores' must be what the history's score records carry",
        ),
        (
            lambda data: data["history"][1].update(action="promote"),
            r"'history\[1\]' \('promote' of 2024-03-29\): unknown action 'promote'",
        ),
        (
            lambda data: data["history"][1].update(regime="QD9999"),
            r"'history\[1\]' .*unknown regime 'QD9999'",
        ),
        (
            lambda data: data["history"][3].update(on="2024-04-01"),
            r"'history\[3\]' .*dated before the record before, of 2024-04-05",
        ),
        (
            lambda data: data["history"][2].update(from_state="registered"),
            r"'history\[2\]' .*'from_state' is 'registered', but the record before ends in "
            r"'commune_reviewed'",
        ),
        (
            lambda data: data.update(product="Chè"),
            r"'product' is 'Chè', but the register record says 'Cà phê bột nguyên chất'",
        ),
        (
            lambda data: data.update(submitted_on="2024-03-23"),
            r"'submitted_on' is datetime.date\(2024, 3, 23\), but the register record says",
        ),
    ],
)
def test_stored_fields_must_agree_with_the_history_without_a_workflow(tamper, message):
    data = stored()
    tamper(data)
    with pytest.raises(InvalidInput, match=message):
        Dossier.from_dict(data)


def test_a_custom_regime_loads_given_its_workflow():
    custom = attrs.evolve(rulesets.QD148_2023, code="WHAT_IF")
    what_if = Workflow(custom, timeline=(custom,))
    data = stored(certified_dossier(what_if))
    with pytest.raises(InvalidInput, match=r"unknown regime 'WHAT_IF'.*pass workflow="):
        Dossier.from_dict(data)
    assert Dossier.from_dict(data, workflow=what_if).regime == "WHAT_IF"


def test_from_dict_refuses_a_workflow_that_is_not_one():
    with pytest.raises(InvalidInput, match=r"'workflow' must be a Workflow or None \(got str\)"):
        Dossier.from_dict(stored(), workflow="x")  # type: ignore[arg-type]


def test_registration_values_are_normalised_so_they_round_trip():
    import numpy as np

    for sheet in (13.0, np.int64(13)):
        d = WF.register(**{**SAMPLE_PRODUCT, "sheet": sheet}, submitted_on="2024-03-01")
        assert type(d.sheet) is int
        assert type(d.history[0].details["sheet"]) is int
        assert Dossier.from_dict(json.loads(json.dumps(d.to_dict())), workflow=WF) == d
