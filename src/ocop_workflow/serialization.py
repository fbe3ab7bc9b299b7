"""Dossiers as JSON-safe dictionaries, for applications that store them in their own database.

The form carries a ``schema_version``. Dates are ISO strings, enums their string values. A
dossier is serialised as plain data, never pickled: the shared state machine stays out of it.
Sheet results kept on scores (``Score.result``) are for display and are not serialised; the score's
value and stars are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from ocop_workflow.dossier import Dossier, Score
from ocop_workflow.errors import InvalidInput

__all__ = ["SCHEMA_VERSION", "dossier_from_dict", "dossier_to_dict"]

SCHEMA_VERSION = 1
"""Bump when the dictionary form changes incompatibly."""

_converter = make_converter()
_converter.register_unstructure_hook(dt.date, dt.date.isoformat)
_converter.register_structure_hook(dt.date, lambda value, _: dt.date.fromisoformat(value))
# A score's sheet result is for display only (see Score): leave it out both ways.
_converter.register_unstructure_hook(
    Score, make_dict_unstructure_fn(Score, _converter, result=override(omit=True))
)
_converter.register_structure_hook(
    Score, make_dict_structure_fn(Score, _converter, result=override(omit=True))
)


def dossier_to_dict(dossier: Dossier) -> dict[str, Any]:
    """The JSON-safe form of ``dossier``, history included."""
    data: dict[str, Any] = _converter.unstructure(dossier)
    return {"schema_version": SCHEMA_VERSION, **data}


def dossier_from_dict(data: Mapping[str, Any]) -> Dossier:
    """Rebuild a dossier from :func:`dossier_to_dict` output.

    Raises :class:`InvalidInput` naming what is wrong when the version or any field is malformed.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput(f"'data' must be a mapping (got {type(data).__name__})")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InvalidInput(f"'schema_version' must be {SCHEMA_VERSION} (got {version!r})")
    body = {key: value for key, value in data.items() if key != "schema_version"}
    try:
        return _converter.structure(body, Dossier)
    except cattrs.BaseValidationError as error:
        # Our value objects' own messages name the field and value; prefer them.
        ours = [str(e) for e in _leaves(error) if isinstance(e, InvalidInput)]
        problems = ours or cattrs.transform_error(error, path="dossier")
        raise InvalidInput(f"malformed dossier: {'; '.join(problems)}") from None


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]
