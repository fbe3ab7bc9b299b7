import json

import pytest

from ocop_workflow import Dossier, InvalidInput, Workflow, rulesets
from ocop_workflow.serialization import SCHEMA_VERSION
from ocop_workflow.testing import certified_dossier, registered_dossier

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
