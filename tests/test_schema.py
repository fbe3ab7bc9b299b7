"""The JSON Schema of the stored dossier: shipped as generated, met by every document the library
writes, and never stricter than ``from_dict``."""

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from ocop_workflow import Dossier, InvalidInput, Workflow, rulesets
from ocop_workflow.schema import (
    DIALECT,
    dossier_schema,
    dossier_schema_text,
    shipped_dossier_schema,
)
from ocop_workflow.serialization import SCHEMA_VERSION
from ocop_workflow.testing import certified_dossier, registered_dossier
from tests.documents import VALIDATOR, assert_valid_document
from tests.strategies import mutated_documents, stored_dossiers

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "src" / "ocop_workflow" / "schemas" / "dossier.schema.json"
DOCS = ROOT / "docs" / "dossier.schema.json"
WF = Workflow(rulesets.QD148_2023)


def test_public_contract_from_the_issue():
    schema = dossier_schema()
    assert isinstance(schema, dict)
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", [SHIPPED, DOCS], ids=["package", "docs"])
def test_the_shipped_files_are_the_generated_schema(path):
    """Regenerate with: python -m ocop_workflow.schema > <path>."""
    assert path.read_text(encoding="utf-8") == dossier_schema_text()
    assert json.loads(path.read_text(encoding="utf-8")) == dossier_schema()


def test_the_package_reads_its_shipped_schema():
    assert shipped_dossier_schema() == dossier_schema()


def test_every_field_the_library_writes_is_described():
    data = certified_dossier(WF).to_dict()
    schema = dossier_schema()
    assert set(schema["properties"]) == set(data)
    assert set(schema["required"]) == set(data)
    assert set(schema["$defs"]["Certificate"]["properties"]) == set(data["certificate"])
    assert set(schema["$defs"]["HistoryRecord"]["properties"]) == set(data["history"][0])


@given(stored_dossiers())
def test_every_stored_dossier_meets_the_schema(dossier):
    data = json.loads(json.dumps(dossier.to_dict()))
    event(f"state {dossier.state.value}")
    assert_valid_document(data)
    assert Dossier.from_dict(data, workflow=WF) == dossier


@given(st.data())
def test_a_document_the_schema_rejects_is_refused_by_from_dict(data):
    original = json.loads(json.dumps(data.draw(stored_dossiers()).to_dict()))
    document = data.draw(mutated_documents(original))
    rejected = not VALIDATOR.is_valid(document)
    event("schema rejects" if rejected else "schema accepts")
    try:
        Dossier.from_dict(document)
    except InvalidInput:
        event("from_dict refuses")
    else:
        assert not rejected, jsonschema.exceptions.best_match(VALIDATOR.iter_errors(document))


@pytest.mark.parametrize(
    ("version", "message", "schema_rejects"),
    [
        (SCHEMA_VERSION + 1, "written by a newer ocop-workflow", True),
        (0, "version 0 is older than any this ocop-workflow reads", True),
        ("1", "carries the whole number its writer gave it", True),
        (None, "'schema_version' must be 1 (got None)", True),
        # JSON Schema compares numbers by value (1.0 is the const 1); from_dict wants the integer.
        (1.0, "'schema_version' must be 1 (got 1.0)", False),
    ],
)
def test_another_schema_version_is_refused_with_a_reason(version, message, schema_rejects):
    data = registered_dossier(WF).to_dict()
    data["schema_version"] = version
    with pytest.raises(InvalidInput, match="'schema_version' must be 1") as error:
        Dossier.from_dict(data)
    assert message in str(error.value)
    assert VALIDATOR.is_valid(data) is not schema_rejects


def test_a_document_without_a_version_is_refused():
    data = registered_dossier(WF).to_dict()
    del data["schema_version"]
    with pytest.raises(InvalidInput, match=r"'schema_version' must be 1 \(got None\)"):
        Dossier.from_dict(data)
    assert not VALIDATOR.is_valid(data)


@pytest.mark.parametrize("day", ["20240301", "2024-W09-5", "2024-3-1", "2024-03-01T00:00"])
def test_dates_are_read_only_as_written(day):
    data = registered_dossier(WF).to_dict()
    data["submitted_on"] = day
    with pytest.raises(InvalidInput, match="must be an ISO date string"):
        Dossier.from_dict(data)
    assert not VALIDATOR.is_valid(data)
