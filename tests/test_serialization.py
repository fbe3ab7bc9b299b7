import json

import pytest

from ocop_workflow import Dossier, InvalidInput, Workflow, rulesets
from ocop_workflow.serialization import SCHEMA_VERSION
from ocop_workflow.testing import certified_dossier, registered_dossier, scored_dossier

WF = Workflow(rulesets.QD148_2023)


def test_round_trip_through_json_text_is_identity():
    d = certified_dossier(WF)
    WF.revoke(d, reason="breach_of_rules", on="2024-09-01", actor="Sở NN", note="kiểm tra")
    text = json.dumps(d.to_dict(), ensure_ascii=False)
    assert Dossier.from_dict(json.loads(text)) == d


def test_dict_form_is_plain_json_data_with_a_schema_version():
    data = certified_dossier(WF).to_dict()
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["state"] == "certified"
    assert data["certificate"]["expires_on"] == "2027-07-20"
    assert data["history"][-1]["details"] == {
        "number": "SL-2024-001",
        "stars": 4,
        "level": "province",
    }
    assert json.loads(json.dumps(data)) == data


def test_unknown_schema_version_is_refused():
    data = registered_dossier(WF).to_dict()
    data["schema_version"] = 99
    with pytest.raises(InvalidInput, match="'schema_version' must be 1 \\(got 99\\)"):
        Dossier.from_dict(data)


def test_malformed_field_is_named():
    data = registered_dossier(WF).to_dict()
    data["state"] = "lost"
    with pytest.raises(InvalidInput, match=r"dossier\.state"):
        Dossier.from_dict(data)


def test_invalid_value_inside_is_refused_by_the_value_objects():
    data = registered_dossier(WF).to_dict()
    data["sheet"] = 40
    with pytest.raises(InvalidInput, match="'sheet'"):
        Dossier.from_dict(data)


def test_not_a_mapping_is_refused():
    with pytest.raises(InvalidInput, match="must be a mapping"):
        Dossier.from_dict([1, 2])  # type: ignore[arg-type]


def stored(dossier=None):
    """A certified dossier's dict form, as an application stored it."""
    return json.loads(json.dumps((dossier or certified_dossier(WF)).to_dict()))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("state"), "missing field(s) state"),
        (lambda d: d.pop("certificate"), "missing field(s) certificate"),
        (lambda d: d["history"][1].pop("actor"), "missing field(s) history[1].actor"),
        (lambda d: d.update(colour="red"), "extra fields found (colour)"),
        (lambda d: d.update(sheet=13.7), "must be a whole number (got 13.7) @ dossier.sheet"),
        (lambda d: d.update(sheet=True), "must be a whole number (got True) @ dossier.sheet"),
        (lambda d: d.update(product=5), "must be a string (got 5) @ dossier.product"),
        (lambda d: d.update(submitted_on=20240301), "must be an ISO date string (got 20240301)"),
        (lambda d: d.update(schema_version=True), "'schema_version' must be 1 (got True)"),
        (
            lambda d: d.update(certificate=None),
            "'certificate' must be present in state 'certified' (got None)",
        ),
        (
            lambda d: d["scores"]["district"].update(value=150),
            "'scores.district.value' must be between 0 and 100 (got 150.0)",
        ),
        (
            lambda d: d["scores"]["district"].update(value=float("nan")),
            "'scores.district.value' must be a finite number (got nan)",
        ),
        (lambda d: d.update(history=[]), "'history' must start with the 'register' record"),
        (
            lambda d: d.update(state="expired"),
            "'history' ends in 'certified', but 'state' is 'expired'",
        ),
    ],
)
def test_stored_data_that_does_not_hold_together_is_refused(change, message):
    data = stored()
    change(data)
    with pytest.raises(InvalidInput, match=r"malformed dossier|schema_version") as error:
        Dossier.from_dict(data)
    assert message in str(error.value)


def test_a_scored_state_needs_its_score():
    data = stored(scored_dossier(WF, 60.0))
    assert data["state"] == "district_scored"
    data["scores"] = {}
    with pytest.raises(InvalidInput, match="must hold the district score in state"):
        Dossier.from_dict(data)


def test_given_a_workflow_the_history_must_replay_to_the_stored_dossier():
    data = stored()
    assert Dossier.from_dict(data, workflow=WF) == Dossier.from_dict(data)
    data["certificate"]["expires_on"] = "2030-01-01"
    # Without a workflow, the shipped regime of the certify record gives the expiry (section 4.6).
    with pytest.raises(InvalidInput, match="'certificate' expires_on differ"):
        Dossier.from_dict(data)
    with pytest.raises(
        InvalidInput, match=r"replays to other values of 'certificate' \(stored Certificate\("
    ):
        Dossier.from_dict(data, workflow=WF)


def test_a_certificate_must_be_what_the_history_certified():
    data = stored()
    data["certificate"]["stars"] = 5  # consistent on its face, but not what happened
    with pytest.raises(InvalidInput, match="'certificate' stars differ from the history's"):
        Dossier.from_dict(data)


def test_a_history_record_with_missing_details_is_named():
    data = stored()
    del data["history"][2]["details"]["score"]
    with pytest.raises(InvalidInput, match=r"'history\[2\]' \('score' of 2024-.*\): malformed"):
        Dossier.from_dict(data)
    data = stored()
    del data["history"][1]["details"]["passed"]
    with pytest.raises(
        InvalidInput, match=r"'history\[1\]' \('review_at_commune' of 2024-.*\) is malformed"
    ):
        Dossier.from_dict(data, workflow=WF)


def test_replay_wants_history_records():
    with pytest.raises(InvalidInput, match=r"'history\[0\]' must be a HistoryRecord \(got dict\)"):
        WF.replay(stored()["history"])


def test_a_recorded_score_too_large_for_a_float_is_malformed():
    data = stored()
    data["history"][2]["details"]["score"] = 10**400
    with pytest.raises(InvalidInput, match=r"'history\[2\]'.*malformed details"):
        Dossier.from_dict(data)
