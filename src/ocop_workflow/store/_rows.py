"""Dossiers to rows and back: the snapshot columns, history rows, and the checks on loading.

A snapshot row is a function of the dossier (:func:`snapshot`); loading replays the stored history
and requires the replayed dossier's snapshot to equal the stored one, so a row edited by hand is
found (issue 10, item 4), whichever table it is in.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from ocop_workflow import units
from ocop_workflow.dossier import Dossier, HistoryRecord, Location
from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.states import DossierState
from ocop_workflow.store.schema import dossiers, history
from ocop_workflow.workflow import Workflow

__all__ = [
    "SNAPSHOT_COLUMNS",
    "UNIT_COLUMNS",
    "check_chain",
    "history_row",
    "load",
    "plain",
    "record",
    "snapshot",
    "unit_codes",
]

UNIT_COLUMNS = (
    "province_code",
    "district_code",
    "commune_code",
    "current_province_code",
    "current_commune_code",
)
"""The official unit codes of a dossier's location (:func:`unit_codes`)."""

SNAPSHOT_COLUMNS = (
    "records",
    "product",
    "producer",
    "sheet",
    "province",
    "district",
    "commune",
    "kind",
    "regime",
    "submitted_on",
    "reference",
    "renews",
    "state",
    "scores",
    "stars",
    "certificate_number",
    "certificate_level",
    "issued_on",
    "expires_on",
    "owner",
    *UNIT_COLUMNS,
)
"""The columns of ``ocop_dossier`` that :func:`snapshot` fills (all but ``id`` and ``version``)."""

_SNAPSHOT_AT = operator.itemgetter(*(dossiers.columns.keys().index(c) for c in SNAPSHOT_COLUMNS))
"""The snapshot columns of an ``ocop_dossier`` row holding the table's columns in their order
(``_store._snapshot_select``)."""
_RECORDS = dossiers.columns.keys().index("records")
_SEQUENCE = history.columns.keys().index("sequence")
_SCORES = SNAPSHOT_COLUMNS.index("scores")
_PARSED = (
    _SCORES,
    *(SNAPSHOT_COLUMNS.index(c) for c in ("submitted_on", "issued_on", "expires_on")),
)
"""The snapshot columns read back as stored text on SQLite: the scores' JSON, the dates."""

_ATOMIC = frozenset({str, int, float, bool, type(None)})


def plain(value: object) -> Any:
    """Frozen history details as JSON data: read-only mappings as dicts, tuples as lists."""
    if type(value) in _ATOMIC:
        return value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


@functools.lru_cache(maxsize=65_536)
def unit_codes(location: Location, reformed: bool) -> tuple[str | None, ...]:
    """The :data:`UNIT_COLUMNS` of a location registered before (``reformed`` False) or after
    the 2025 reform: the codes of its units as registered, and of the province and commune that
    hold it now (:func:`ocop_workflow.units.successor`; no commune when the old one was divided,
    facts page section 1). All None for a location that is not official units (legacy free
    text), which then lies in no unit's jurisdiction, as under the access policy. Cached: a
    portfolio has far fewer places than dossiers."""
    structure = units.divisions(units.REFORM if reformed else _BEFORE_REFORM)
    place = structure.lookup(location)
    if place is None:
        return (None,) * len(UNIT_COLUMNS)
    try:
        after = units.successor(place)
    except InvalidInput:  # no current commune in the official table (none today)
        return (None,) * len(UNIT_COLUMNS)
    return (
        place.province.code,
        None if place.district is None else place.district.code,
        place.commune.code,
        after.province.code,
        None if after.commune is None else after.commune.code,
    )


_BEFORE_REFORM = units.REFORM - dt.timedelta(days=1)


def snapshot(dossier: Dossier) -> dict[str, Any]:
    """The snapshot columns of ``dossier``: what the queries read, and what loading checks."""
    return dict(zip(SNAPSHOT_COLUMNS, snapshot_values(dossier), strict=True))


def snapshot_values(dossier: Dossier) -> tuple[Any, ...]:
    """The values of :func:`snapshot`, in the order of :data:`SNAPSHOT_COLUMNS`."""
    certificate = dossier.certificate
    location = dossier.location
    scores = {
        level._value_: {"value": score.value, "stars": score.stars, "on": score.on.isoformat()}
        for level, score in dossier.scores.items()
    }
    if certificate is None:
        held: tuple[Any, ...] = (None, None, None, None, None)
    else:
        held = (
            certificate.stars,
            certificate.number,
            certificate.level._value_,
            certificate.issued_on,
            certificate.expires_on,
        )
    return (
        len(dossier.history),
        dossier.product,
        dossier.producer,
        dossier.sheet,
        location.province,
        location.district,
        location.commune,
        dossier.kind._value_,
        dossier.regime,
        dossier.submitted_on,
        dossier.reference,
        dossier.renews,
        dossier.state._value_,
        scores,
        *held,
        dossier.history[0].actor if dossier.history else None,
        *unit_codes(location, dossier.submitted_on >= units.REFORM),
    )


def history_row(key: int, sequence: int, position: int, r: HistoryRecord) -> dict[str, Any]:
    """The ``ocop_history`` row of record ``r``, the ``sequence``-th of dossier ``key``."""
    return {
        "dossier_id": key,
        "sequence": sequence,
        "position": position,
        "on_date": r.on,
        "action": r.action,
        "from_state": None if r.from_state is None else r.from_state.value,
        "to_state": r.to_state.value,
        "regime": r.regime,
        "actor": r.actor,
        "note": r.note,
        "details": plain(r.details),
    }


def check_chain(dossier: Dossier, start: int, field: str) -> None:
    """The records from ``start`` on follow each other and end in the dossier's state.

    A cheap check of what a save writes: in memory only the workflow changes a dossier, and
    loading replays the whole history anyway.
    """
    records = dossier.history
    if not records or records[0].action != "register":
        raise InvalidInput(f"{field!r} must have a history starting with its 'register' record")
    for index in range(max(start, 1), len(records)):
        item = records[index]
        if not isinstance(item, HistoryRecord):
            raise InvalidInput(
                f"'{field}.history[{index}]' must be a HistoryRecord (got {type(item).__name__})"
            )
        if item.from_state is not records[index - 1].to_state:
            raise InvalidInput(
                f"'{field}.history[{index}]' starts from {item.from_state!r}, but the record "
                f"before ends in {records[index - 1].to_state!r}"
            )
    if records[-1].to_state is not dossier.state:
        raise InvalidInput(
            f"{field!r} is {dossier.state.value!r}, but its history ends in "
            f"{records[-1].to_state.value!r}"
        )


def stored_date(value: object) -> dt.date:
    """A date column as read back: a date (PostgreSQL) or ISO text (SQLite)."""
    if type(value) is dt.date:
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise InvalidInput(f"a date column holds {value!r}")


def stored_json(value: object) -> Any:
    """A JSON column as read back: parsed already (psycopg) or text (SQLite)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


_STATES = {state.value: state for state in DossierState}


def _state(value: object) -> DossierState:
    """A state column's member (a dict look-up; anything else refused as the enum refuses)."""
    found = _STATES.get(value) if type(value) is str else None
    return DossierState(value) if found is None else found


def record(row: Any) -> HistoryRecord:
    """The history record of an ``ocop_history`` row (dates and JSON read as stored); the row
    holds the table's columns in their order (``_store._history_select``)."""
    _, _, _, on, action, from_state, to_state, regime, actor, note, details = row
    details = json.loads(details) if type(details) is str else stored_json(details)
    if not isinstance(details, dict):
        raise InvalidInput(f"'details' must be a JSON object (got {details!r})")
    texts = type(action) is str and type(regime) is str
    if not (
        texts and (actor is None or type(actor) is str) and (note is None or type(note) is str)
    ):
        for name, value in (("action", action), ("regime", regime)):
            if not isinstance(value, str):
                raise InvalidInput(f"{name!r} must be text (got {value!r})")
        for name, value in (("actor", actor), ("note", note)):
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{name!r} must be text or null (got {value!r})")
    return HistoryRecord(
        stored_date(on),
        action,
        None if from_state is None else _state(from_state),
        _state(to_state),
        regime,
        actor,
        note,
        details,
    )


def load(workflow: Workflow, row: Any, rows: Sequence[Any]) -> Dossier:
    """Rebuild a dossier from its snapshot ``row`` and its history ``rows`` (in sequence order).

    The history is replayed and must give exactly the stored snapshot; any disagreement or
    malformed value is an :class:`InvalidInput` saying what (the caller names the dossier).
    """
    records = row[_RECORDS]
    if type(records) is not int:
        raise InvalidInput(f"'records' must be a whole number (got {records!r})")
    sequences = [r[_SEQUENCE] for r in rows]
    if sequences != list(range(records)):
        raise InvalidInput(
            f"the snapshot counts {records} history records, but the history holds "
            f"sequence numbers {_ranges(sequences)}"
        )
    try:
        history = [record(r) for r in rows]
    except (ValueError, TypeError) as error:  # InvalidInput is a ValueError
        raise InvalidInput(f"a history record is malformed: {error}") from None
    try:
        dossier = workflow.replay(history)
    except OcopError as error:
        raise InvalidInput(f"its history does not replay: {error}") from None
    expected = snapshot_values(dossier)
    stored = list(_SNAPSHOT_AT(row))
    for index in _PARSED:
        value = stored[index]
        try:
            if index == _SCORES:
                stored[index] = stored_json(value)
            elif value is not None:
                stored[index] = stored_date(value)
        except (ValueError, TypeError):
            pass  # left as stored: it differs from the replayed value
    # Equal values of equal types in every column (True == 1 and 1.0 == 1, so types count).
    if stored == list(expected) and list(map(type, stored)) == list(map(type, expected)):
        return dossier
    differ = [
        f"{name} {have!r} (its history gives {want!r})"
        for name, have, want in zip(SNAPSHOT_COLUMNS, stored, expected, strict=True)
        if have != want or type(have) is not type(want)
    ]
    raise InvalidInput(f"its snapshot disagrees with its history: {'; '.join(differ)}")


def _ranges(numbers: Sequence[int]) -> str:
    if not numbers:
        return "none"
    if len(numbers) > 12:
        return f"{list(numbers[:12])}..."
    return str(list(numbers))
