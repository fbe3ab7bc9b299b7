"""The JSON Schema (draft 2020-12) of the stored dossier document, :meth:`Dossier.to_dict`'s form.

The schema is generated from the code: the fields and types of the attrs classes the document is
made of (:class:`~ocop_workflow.Dossier` and the values it holds), the values of their enums, the
checks their validators make and those :func:`ocop_workflow.serialization.dossier_from_dict`
makes on loading (sheet numbers, score range, stars). It is meant for applications in other
languages (a PHP or .NET portal) that store or exchange dossiers. It is looser than ``from_dict``,
never stricter: whatever it rejects, ``from_dict`` rejects too; ``from_dict`` also checks what a
schema cannot say (the history ends in the dossier's state, a certificate ends after it begins,
the history replays).

The package ships the schema as ``ocop_workflow/schemas/dossier.schema.json`` (also written to
``docs/dossier.schema.json``); ``python -m ocop_workflow.schema`` prints it. Generating it needs
only the standard library; validating documents with it is the caller's choice (``jsonschema`` in
this project's tests), so the core install stays light.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import attrs

from ocop_workflow import dossier as _dossier
from ocop_workflow.dossier import SHEET_NUMBERS, Dossier, HistoryRecord, Score
from ocop_workflow.errors import DefinitionError
from ocop_workflow.rules import RECOGNISED_STARS
from ocop_workflow.serialization import SCHEMA_VERSION
from ocop_workflow.validators import attrs_date, attrs_optional_text, attrs_text

__all__ = ["DIALECT", "dossier_schema", "dossier_schema_text", "shipped_dossier_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect the schema is written in."""

_NON_BLANK = {"pattern": r"\S"}
"""A string with something other than white space in it."""

# What each validator of the document's attrs classes checks, as schema keywords. A validator
# not listed here stops the generation (DefinitionError): the schema cannot silently fall behind.
_VALIDATORS: dict[Callable[..., Any], dict[str, Any]] = {
    attrs_text: _NON_BLANK,
    attrs_optional_text: _NON_BLANK,  # null is allowed by the field's type
    attrs_date: {},
    _dossier._certificate_stars: {"enum": list(RECOGNISED_STARS)},  # facts page section 2
}

# Checks made outside the fields' validators, when a dossier is built or loaded.
_CHECKS: dict[tuple[type, str], dict[str, Any]] = {
    # Dossier.__attrs_post_init__: Decision 148's 26 sheets (facts page section 3).
    (Dossier, "sheet"): {"minimum": SHEET_NUMBERS[0], "maximum": SHEET_NUMBERS[-1]},
    # serialization._check_agreement: a score is between 0 and 100 (section 2), its stars 1-5.
    (Score, "value"): {"minimum": 0, "maximum": 100},
    (Score, "stars"): {"minimum": 1, "maximum": 5},
}

# Fields the stored form leaves out (serialization.py: a score's sheet result is for display).
_OMITTED = {(Score, "result")}

_DESCRIPTIONS = {
    (Dossier, "scores"): "The latest score of each level that scored the dossier, by level.",
    (Dossier, "history"): "Every successful operation, oldest first; it replays to the dossier.",
    (HistoryRecord, "action"): "The workflow operation (ActionName's value, e.g. 'score').",
    (HistoryRecord, "regime"): "The code of the rule set the operation ran under.",
    (HistoryRecord, "details"): "The operation's arguments, as JSON values.",
    (Dossier, "regime"): "The code of the rule set the dossier was registered under.",
}

_DATE = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "An ISO 8601 calendar date, YYYY-MM-DD.",
}
_PRIMITIVES: dict[object, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
}


def _doc(obj: object) -> str:
    """The first paragraph of a docstring, on one line."""
    text = (inspect.getdoc(obj) or "").replace("``", "")
    return " ".join(text.split("\n\n")[0].split())


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{name}"}

    def of(self, hint: object) -> dict[str, Any]:
        """The schema of a value of type ``hint``."""
        if hint in _PRIMITIVES:
            return dict(_PRIMITIVES[hint])
        if hint is dt.date:
            self.defs.setdefault("Date", dict(_DATE))
            return self.ref("Date")
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            if hint.__name__ not in self.defs:
                self.defs[hint.__name__] = {
                    "description": _doc(hint),
                    "enum": [member.value for member in hint],
                }
            return self.ref(hint.__name__)
        if isinstance(hint, type) and attrs.has(hint):
            if hint.__name__ not in self.defs:
                self.defs[hint.__name__] = {}  # reserved first: recursion stops here
                self.defs[hint.__name__] = self.record(hint)
            return self.ref(hint.__name__)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (types.UnionType, typing.Union) and type(None) in args:
            (inner,) = (a for a in args if a is not type(None))
            schema = self.of(inner)
            if isinstance(schema.get("type"), str):
                return {**schema, "type": [schema["type"], "null"]}
            return {"anyOf": [schema, {"type": "null"}]}
        if origin is list:
            return {"type": "array", "items": self.of(args[0])}
        if origin is dict:
            return {
                "type": "object",
                "propertyNames": self.of(args[0]),
                "additionalProperties": self.of(args[1]),
            }
        if origin is Mapping and args == (str, Any):
            return {"type": "object"}
        raise DefinitionError(f"the schema cannot describe the type {hint!r}")

    def properties(self, cls: type) -> dict[str, dict[str, Any]]:
        hints = typing.get_type_hints(cls)
        found = {}
        for field in attrs.fields(cls):
            if (cls, field.name) in _OMITTED:
                continue
            schema = self.of(hints[field.name])
            if field.validator is not None:
                if field.validator not in _VALIDATORS:
                    raise DefinitionError(
                        f"the schema does not know the validator of {cls.__name__}.{field.name}"
                    )
                schema.update(_VALIDATORS[field.validator])
            schema.update(_CHECKS.get((cls, field.name), {}))
            if (cls, field.name) in _DESCRIPTIONS:
                schema["description"] = _DESCRIPTIONS[cls, field.name]
            found[field.name] = schema
        return found

    def record(self, cls: type) -> dict[str, Any]:
        """An attrs class as a closed object: every field required (``from_dict`` wants them
        all), no other field."""
        properties = self.properties(cls)
        return {
            "description": _doc(cls),
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }


def dossier_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`Dossier.to_dict`'s document, as a dict (a new one each call)."""
    builder = _Builder()
    body = builder.record(Dossier)
    properties = {
        "schema_version": {
            "const": SCHEMA_VERSION,
            "description": "The version of this form; a reader refuses any other.",
        },
        **body["properties"],
    }
    return {
        "$schema": DIALECT,
        "$id": f"urn:ocop-workflow:dossier:v{SCHEMA_VERSION}",
        "title": f"OCOP product dossier (ocop-workflow, schema_version {SCHEMA_VERSION})",
        "description": _doc(Dossier),
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        "$defs": dict(sorted(builder.defs.items())),
    }


def dossier_schema_text() -> str:
    """:func:`dossier_schema` as the JSON text the package ships (two-space indent, UTF-8)."""
    return json.dumps(dossier_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_dossier_schema() -> dict[str, Any]:
    """The schema file shipped in the package (equal to :func:`dossier_schema`; a test checks)."""
    entry = resources.files("ocop_workflow") / "schemas" / "dossier.schema.json"
    loaded: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
    return loaded


if __name__ == "__main__":  # pragma: no cover - python -m ocop_workflow.schema
    sys.stdout.write(dossier_schema_text())
