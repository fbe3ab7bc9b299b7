"""The stored dossier document's schema as a validator, for every test that produces documents."""

import jsonschema

from ocop_workflow.schema import dossier_schema

VALIDATOR = jsonschema.Draft202012Validator(
    dossier_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def assert_valid_document(data: object) -> None:
    """``data`` (a ``to_dict`` result) meets the JSON Schema; the first error is shown."""
    error = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(data))
    assert error is None, f"{error.json_path}: {error.message}"
