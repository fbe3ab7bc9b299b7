"""Dossiers as JSON-safe dictionaries, for applications that store them in their own database.

The form carries a ``schema_version``. Dates are ISO strings, enums their string values. A
dossier is serialised as plain data, never pickled: the shared state machine stays out of it.
Sheet results kept on scores (``Score.result``) are for display and are not serialised; the score's
value and stars are, and the history keeps each sheet score's total, star cap and answers (one
mapping per council member), from which the result can be evaluated again.

Loading is strict, because stored data outlives the code that wrote it: every field must be
present and of its exact type (no ``"5"`` for 5, no 13.7 for sheet 13), no unknown field is
accepted, and the parts must agree (a certified dossier has a certificate, a scored one its score,
the history ends in the dossier's state). Given a workflow, loading also replays the history and
requires it to rebuild the stored dossier exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter
from cattrs.v import format_exception

from ocop_workflow import rulesets
from ocop_workflow.dossier import Dossier, HistoryRecord, Score, use_codec
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import RECOGNISED_STARS, Level, check_score
from ocop_workflow.states import HOLDING_STATES, SCORED_STATE, DossierState
from ocop_workflow.workflow.actions import ActionName

if TYPE_CHECKING:
    from ocop_workflow.scoring import ScoringSheet
    from ocop_workflow.workflow import Workflow

__all__ = ["SCHEMA_VERSION", "dossier_from_dict", "dossier_to_dict"]

SCHEMA_VERSION = 1
"""Bump when the dictionary form changes incompatibly."""

_SHIPPED = {ruleset.code: ruleset for ruleset in rulesets.ALL}
"""The shipped regimes by code: the ones a stored record may name without a workflow."""

_CERTIFICATE_STATES = frozenset(
    {*HOLDING_STATES, DossierState.EXPIRED, DossierState.REVOKED, DossierState.SUPERSEDED}
)


class _WrongType(ValueError):
    """A stored value of the wrong type; its message quotes the value (see :func:`_formatted`)."""


def _exact(kind: type, name: str) -> Any:
    """A structure hook accepting only values of ``kind`` (never a bool for a number)."""

    def hook(value: object, _: object) -> object:
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            raise _WrongType(f"must be {name} (got {value!r})")
        return value

    return hook


def _number(value: object, _: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _WrongType(f"must be a number (got {value!r})")
    try:
        return float(value)
    except OverflowError:  # a whole number too large for a float
        raise _WrongType(f"must be a number between 0 and 100 (got {value!r})") from None


def _date(value: object, _: object) -> dt.date:
    """An ISO date written as :func:`dossier_to_dict` writes it, YYYY-MM-DD (``fromisoformat``
    alone would also take 20240301 or 2024-W09-5, which the JSON Schema's date format refuses)."""
    if not isinstance(value, str):
        raise _WrongType(f"must be an ISO date string (got {value!r})")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _WrongType(f"must be an ISO date string (got {value!r})") from None
    if day.isoformat() != value:
        raise _WrongType(f"must be an ISO date string YYYY-MM-DD (got {value!r})")
    return day


def _thawed(value: object) -> object:
    """Frozen details as JSON data: read-only mappings as dicts, tuples as lists."""
    if isinstance(value, Mapping):
        return {key: _thawed(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_thawed(item) for item in value]
    return value


_converter = make_converter(forbid_extra_keys=True)
_converter.register_unstructure_hook(dt.date, dt.date.isoformat)
_converter.register_structure_hook(dt.date, _date)
_converter.register_structure_hook(str, _exact(str, "a string"))
_converter.register_structure_hook(int, _exact(int, "a whole number"))
_converter.register_structure_hook(bool, _exact(bool, "true or false"))
_converter.register_structure_hook(float, _number)
# History details are frozen all the way down (see HistoryRecord); in JSON they are plain data.
_converter.register_unstructure_hook(
    HistoryRecord,
    make_dict_unstructure_fn(HistoryRecord, _converter, details=override(unstruct_hook=_thawed)),
)
# A score's sheet result is for display only (see Score): leave it out both ways.
_converter.register_unstructure_hook(
    Score, make_dict_unstructure_fn(Score, _converter, result=override(omit=True))
)
_converter.register_structure_hook(
    Score,
    make_dict_structure_fn(
        Score, _converter, result=override(omit=True), _cattrs_forbid_extra_keys=True
    ),
)


def dossier_to_dict(dossier: Dossier) -> dict[str, Any]:
    """The JSON-safe form of ``dossier``, history included."""
    data: dict[str, Any] = _converter.unstructure(dossier)
    return {"schema_version": SCHEMA_VERSION, **data}


def dossier_from_dict(
    data: Mapping[str, Any],
    *,
    workflow: Workflow | None = None,
    sheets: Mapping[int, ScoringSheet] | None = None,
) -> Dossier:
    """Rebuild a dossier from :func:`dossier_to_dict` output.

    Raises :class:`InvalidInput` naming every malformed field (with its path and value) when the
    version, a field or the agreement between fields is wrong: the stored fields must agree with
    the history's own records (see :func:`_check_agreement`). With ``workflow``, the history is
    replayed by it (every record checked, sheet scores evaluated again on ``sheets`` or the
    shipped sheets) and must rebuild the stored dossier exactly.
    """
    from ocop_workflow.workflow import Workflow

    if not isinstance(data, Mapping):
        raise InvalidInput(f"'data' must be a mapping (got {type(data).__name__})")
    if workflow is not None and not isinstance(workflow, Workflow):
        raise InvalidInput(f"'workflow' must be a Workflow or None (got {type(workflow).__name__})")
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise InvalidInput(
            f"'schema_version' must be {SCHEMA_VERSION} (got {version!r}){_version_hint(version)}"
        )
    body = {key: value for key, value in data.items() if key != "schema_version"}
    _require_every_field(body)
    try:
        dossier = _converter.structure(body, Dossier)
    except cattrs.BaseValidationError as error:
        problems = cattrs.transform_error(error, path="dossier", format_exception=_formatted)
        raise InvalidInput(f"malformed dossier: {'; '.join(problems)}") from None
    except InvalidInput as error:  # raised by Dossier itself, after its fields were structured
        raise InvalidInput(f"malformed dossier: {error}") from None
    _check_agreement(dossier, known_regimes=workflow is None)
    if workflow is not None:
        _check_replay(dossier, workflow, sheets)
    return dossier


def _version_hint(version: object) -> str:
    """Why another version cannot be read, and what to do."""
    if type(version) is not int:
        return ": a stored dossier carries the whole number its writer gave it"
    if version > SCHEMA_VERSION:
        return (
            ": the document was written by a newer ocop-workflow; read it with that version "
            "or a later one"
        )
    return (
        f": version {version} is older than any this ocop-workflow reads (the first form is 1); "
        "convert it with the version that wrote it"
    )


def _formatted(error: BaseException, kind: type | None) -> str:
    """Our own messages (value objects', strict hooks') already name the problem and value."""
    if isinstance(error, InvalidInput | _WrongType):
        return str(error)
    return format_exception(error, kind)


def _require_every_field(body: Mapping[str, Any]) -> None:
    """Every field :func:`dossier_to_dict` writes must be there: none falls back to a default."""
    missing = [f.name for f in attrs.fields(Dossier) if f.name not in body]
    history = body.get("history")
    if isinstance(history, list):
        names = [f.name for f in attrs.fields(HistoryRecord)]
        for index, record in enumerate(history):
            if isinstance(record, Mapping):
                missing += [f"history[{index}].{n}" for n in names if n not in record]
    if missing:
        raise InvalidInput(f"malformed dossier: missing field(s) {', '.join(missing)}")


def _check_agreement(dossier: Dossier, *, known_regimes: bool) -> None:
    """The parts of a dossier that the workflow keeps in step must agree, with each other and
    with the history's own records: the records chain from state to state in date order, each
    names a known action (and, unless a workflow is given to judge them, a shipped regime), and
    the dossier's identity, scores and certificate are what the records carry."""
    state = dossier.state
    problems = _history_problems(dossier, known_regimes)
    if (state in _CERTIFICATE_STATES) != (dossier.certificate is not None):
        problems.append(
            f"'certificate' must be {'present' if state in _CERTIFICATE_STATES else 'null'} "
            f"in state {state.value!r} (got {dossier.certificate!r})"
        )
    for key, score in dossier.scores.items():
        if score.level is not key:
            problems.append(f"'scores.{key.value}' holds a {score.level.value} score")
        try:
            check_score(score.value, f"scores.{key.value}.value")
        except InvalidInput as error:
            problems.append(str(error))
        if score.stars not in range(1, 6):
            problems.append(f"'scores.{key.value}.stars' must be 1-5 (got {score.stars!r})")
    for level, scored in SCORED_STATE.items():
        if state is scored and level not in dossier.scores:
            problems.append(f"'scores' must hold the {level.value} score in state {state.value!r}")
    held = dossier.certificate
    if state is DossierState.CERTIFIED_FORWARDED and (
        held is None or held.level not in dossier.scores
    ):
        problems.append(
            f"'scores' must hold the score of the certificate held in state {state.value!r}"
        )
    if state is DossierState.NOT_RECOGNISED and not dossier.scores:
        problems.append("'scores' must hold the score that was not recognised")
    certificate = dossier.certificate
    if certificate is not None and certificate.stars not in RECOGNISED_STARS:
        problems.append(f"'certificate.stars' must be 3-5 (got {certificate.stars!r})")
    if not dossier.history or dossier.history[0].action != "register":
        problems.append("'history' must start with the 'register' record")
    elif dossier.history[-1].to_state is not state:
        problems.append(
            f"'history' ends in {dossier.history[-1].to_state.value!r}, "
            f"but 'state' is {state.value!r}"
        )
    if problems:
        raise InvalidInput(f"malformed dossier: {'; '.join(problems)}")


def _history_problems(dossier: Dossier, known_regimes: bool) -> list[str]:
    history = dossier.history
    if not history:
        return []
    problems = []
    actions = {a.value for a in ActionName}
    previous: HistoryRecord | None = None
    scores: dict[Level, Score] = {}
    certificate: dict[str, Any] | None = None
    for index, record in enumerate(history):
        where = f"'history[{index}]' ({record.action!r} of {record.on})"
        if record.action not in actions:
            problems.append(f"{where}: unknown action {record.action!r}")
        if known_regimes and record.regime not in _SHIPPED:
            problems.append(
                f"{where}: unknown regime {record.regime!r} (shipped: "
                f"{', '.join(sorted(_SHIPPED))}; pass workflow= to load a dossier of another "
                "rule set)"
            )
        expected = None if previous is None else previous.to_state
        if record.from_state is not expected:
            problems.append(
                f"{where}: 'from_state' is {_value(record.from_state)}, but the record before "
                f"ends in {_value(expected)}"
            )
        if previous is not None and record.on < previous.on:
            problems.append(f"{where}: dated before the record before, of {previous.on}")
        details = record.details
        try:
            if record.action == "score":
                level = Level(details["level"])
                scores[level] = Score(level, float(details["score"]), details["stars"], record.on)
            elif record.action == "certify":
                certificate = {
                    "number": details["number"],
                    "stars": details["stars"],
                    "level": Level(details["level"]),
                    "issued_on": record.on,
                }
                issuing = _SHIPPED.get(record.regime) if known_regimes else None
                if issuing is not None:  # its validity, from the day it was issued (4.6)
                    certificate["expires_on"] = issuing.validity.expires_on(record.on)
            elif record.action == "extend" and certificate is not None:
                certificate["expires_on"] = dt.date.fromisoformat(details["until"])
        except (KeyError, ValueError, TypeError, OverflowError):
            problems.append(f"{where}: malformed details {dict(details)!r}")
        previous = record
    first = history[0]
    if first.action == "register":
        problems += _identity_problems(dossier, first)
    if scores != dossier.scores:
        problems.append(
            "'scores' must be what the history's score records carry "
            f"(stored {_scores(dossier.scores)}, recorded {_scores(scores)})"
        )
    held = dossier.certificate
    if held is not None and certificate is not None:
        differ = [k for k, v in certificate.items() if getattr(held, k) != v]
        if differ:
            hint = (
                " (the shipped regime's validity; pass workflow= for a rule set of another)"
                if "expires_on" in differ
                else ""
            )
            problems.append(
                f"'certificate' {', '.join(differ)} differ from the history's certify/extend "
                f"records{hint}"
            )
    elif (held is None) != (certificate is None):
        problems.append("'certificate' must be present exactly when the history certifies")
    return problems


def _identity_problems(dossier: Dossier, first: HistoryRecord) -> list[str]:
    details = first.details
    recorded = {
        "product": details.get("product"),
        "producer": details.get("producer"),
        "sheet": details.get("sheet"),
        "location": (details.get("province"), details.get("district"), details.get("commune")),
        "kind": details.get("kind"),
        "reference": details.get("reference"),
        "renews": details.get("renews"),
        "submitted_on": first.on,
        "regime": first.regime,
    }
    stored = {
        "product": dossier.product,
        "producer": dossier.producer,
        "sheet": dossier.sheet,
        "location": attrs.astuple(dossier.location),
        "kind": dossier.kind.value,
        "reference": dossier.reference,
        "renews": dossier.renews,
        "submitted_on": dossier.submitted_on,
        "regime": dossier.regime,
    }
    return [
        f"{name!r} is {stored[name]!r}, but the register record says {recorded[name]!r}"
        for name in stored
        if stored[name] != recorded[name] or type(stored[name]) is not type(recorded[name])
    ]


def _value(state: DossierState | None) -> str:
    return "nothing" if state is None else repr(state.value)


def _scores(scores: Mapping[Level, Score]) -> str:
    return ", ".join(f"{lv.value} {s.value:g}/{s.stars}" for lv, s in scores.items()) or "none"


def _check_replay(
    dossier: Dossier, workflow: Workflow, sheets: Mapping[int, ScoringSheet] | None
) -> None:
    replayed = workflow.replay(dossier.history, sheets=sheets)
    differ = [
        f"'{name}'" if name == "history" else f"'{name}' (stored {mine!r}, replayed {theirs!r})"
        for name, mine, theirs in (
            (f.name, getattr(dossier, f.name), getattr(replayed, f.name))
            for f in attrs.fields(Dossier)
        )
        if mine != theirs
    ]
    if differ:
        raise InvalidInput(
            f"malformed dossier: its history replays to other values of {'; '.join(differ)}"
        )


class _Codec:
    """This module as the :class:`ocop_workflow.dossier.Codec` of :class:`Dossier`."""

    @staticmethod
    def to_dict(dossier: Dossier) -> dict[str, Any]:
        return dossier_to_dict(dossier)

    @staticmethod
    def from_dict(
        data: Mapping[str, Any],
        *,
        workflow: Workflow | None,
        sheets: Mapping[int, ScoringSheet] | None,
    ) -> Dossier:
        return dossier_from_dict(data, workflow=workflow, sheets=sheets)


use_codec(_Codec())
