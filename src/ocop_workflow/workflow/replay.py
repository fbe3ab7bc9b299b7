"""Replay: a dossier rebuilt from its history, every record checked as the live operation would.

Each record is performed again through the workflow's own operations, and the record that the
operation makes must equal the stored one in every field: the date, the action, the states it
goes from and to (so records chain), the regime of its date, the actor, the note and every
detail (so no unknown detail and no altered star). A score that kept its members' answers is
evaluated again on its sheet when the sheet is known. Under an access policy each record is
performed again by its recorded actor (id, role and unit, ``details.actor``), so each must have
been allowed; a supersession, which happens as its renewal is certified, keeps the certifying
actor as recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ocop_workflow.dossier import Dossier, DossierKind, HistoryRecord
from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.rules import Level
from ocop_workflow.states import Event
from ocop_workflow.validators import iterable, member, shown, whole
from ocop_workflow.workflow.actions import ActionName
from ocop_workflow.workflow.inspections import Finding
from ocop_workflow.workflow.results import KEPT, Replayed, ScoreResult

if TYPE_CHECKING:
    from ocop_workflow.access import Actor
    from ocop_workflow.scoring import ScoringSheet
    from ocop_workflow.workflow.operations import Workflow

__all__ = ["replay"]

_REGISTER_DETAILS = (
    "product",
    "producer",
    "sheet",
    "province",
    "district",
    "commune",
    "kind",
    "reference",
    "renews",
)
_RECORD_FIELDS = ("on", "action", "from_state", "regime", "actor", "note", "details", "to_state")
"""Every field of a record, compared in this order: the details (what was decided) before the
state they lead to, so that a refusal names the cause rather than its consequence."""
assert set(_RECORD_FIELDS) == {f.name for f in attrs.fields(HistoryRecord)}
_ACTIONS: Mapping[str, ActionName] = {a.value: a for a in ActionName}
"""Actions by their recorded name: a look-up before the validator, which refuses the rest."""
_ACTING = ("actor",)
"""The detail a record made under an access policy adds: the actor's role and unit."""


def replay(
    workflow: Workflow,
    history: Iterable[HistoryRecord],
    sheets: Mapping[int, ScoringSheet] | None,
) -> Dossier:
    """See :meth:`ocop_workflow.Workflow.replay`."""
    records = iterable(history, "history", "a sequence of HistoryRecord")
    for index, record in enumerate(records):
        if not isinstance(record, HistoryRecord):
            raise InvalidInput(
                f"'history[{index}]' must be a HistoryRecord (got {type(record).__name__})"
            )
    if sheets is not None and not isinstance(sheets, Mapping):
        raise InvalidInput(
            f"'sheets' must map sheet numbers to ScoringSheet (got {type(sheets).__name__})"
        )
    if not records or records[0].action != ActionName.REGISTER.value:
        raise InvalidInput("'history' must start with a 'register' record")
    dossier: Dossier | None = None
    for index, record in enumerate(records):
        # Inline rather than a context manager per record (the hot path of every store load);
        # the refusals are those of _refused.
        try:
            if dossier is None:
                dossier = _register(workflow, record)
            else:
                _perform(workflow, dossier, record, sheets)
            made = dossier.history[-1]
            if made != record:  # equal in every field: nothing to name (the common case)
                _same(made, record)
            dossier.history[-1] = record
        except (OcopError, KeyError, ValueError, TypeError, AttributeError) as error:
            raise _refused(index, record, error) from None
    assert dossier is not None
    return dossier


def _actor(workflow: Workflow, record: HistoryRecord) -> str | Actor | None:
    """The actor to perform ``record`` again: its id, or under a policy the recorded actor."""
    if workflow.policy is None:
        return record.actor
    from ocop_workflow.access import recorded_actor

    return recorded_actor(record)


def _register(workflow: Workflow, record: HistoryRecord) -> Dossier:
    details = record.details
    _only(details, _REGISTER_DETAILS, _ACTING)
    return workflow._file(
        product=details["product"],
        sheet=details["sheet"],
        producer=details["producer"],
        location=(details["province"], details["district"], details["commune"]),
        on=record.on,
        kind=member(DossierKind, details["kind"], "details.kind"),
        renews=_renewed_number(details["renews"]),
        reference=details["reference"],
        actor=_actor(workflow, record),
        note=record.note,
    )


def _renewed_number(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidInput(
            f"'details.renews' must be a certificate number or null (got {shown(value)})"
        )
    return value


def _perform(
    workflow: Workflow,
    dossier: Dossier,
    record: HistoryRecord,
    sheets: Mapping[int, ScoringSheet] | None,
) -> None:
    """Run ``record``'s operation on ``dossier`` again, from its recorded arguments."""
    actor = _actor(workflow, record)
    args: dict[str, Any] = {"on": record.on, "actor": actor, "note": record.note}
    details = record.details
    found = _ACTIONS.get(record.action) if type(record.action) is str else None
    action = found or member(ActionName, record.action, "action")
    if action is ActionName.REVIEW_AT_COMMUNE:
        workflow.review_at_commune(
            dossier,
            passed=details["passed"],
            items=details.get("items"),
            contents=details.get("contents"),
            **args,
        )
    elif action is ActionName.SCORE:
        level = member(Level, details["level"], "details.level")
        workflow.score(dossier, level, _recorded_score(dossier, details, sheets), **args)
    elif action is ActionName.CERTIFY:
        workflow._certify(
            dossier, record.on, details["number"], None, actor, record.note, supersede=False
        )
    elif action is ActionName.REVOKE:
        workflow.revoke(
            dossier, reason=details["reason"], inspection=details.get("inspection"), **args
        )
    elif action is ActionName.INSPECT:
        findings = [Finding(f["ground"], f["note"]) for f in details["findings"]]
        workflow.inspect(dossier, findings=findings, checked=details["checked"], **args)
    elif action is ActionName.KNOCK_OUT:
        workflow.knock_out(dossier, ground=details["ground"], **args)
    elif action is ActionName.EXTEND:
        workflow.extend(dossier, until=details["until"], **args)
    elif action is ActionName.SUPERSEDE:
        # Supersession happens to this dossier when its renewal is certified: it is replayed on
        # this dossier alone, by the number of the certificate that superseded it.
        _only(details, ("by",), _ACTING)
        by = details["by"]
        if not isinstance(by, str) or not by.strip():
            raise InvalidInput(f"'details.by' must be a certificate number (got {shown(by)})")
        kept = {key: details[key] for key in ("by", "actor") if key in details}
        workflow._step(dossier, Event.SUPERSEDE, action, record.on, record.actor, record.note, kept)
    elif action is ActionName.REGISTER:
        raise InvalidInput("'action': a dossier is registered once, in its first record")
    else:  # resubmit, withdraw, expire, notify_expiry: no arguments but the date
        getattr(workflow, action.value)(dossier, **args)


def _recorded_score(
    dossier: Dossier, details: Mapping[str, Any], sheets: Mapping[int, ScoringSheet] | None
) -> float | ScoreResult:
    """The score to give again: the number, or the sheet result evaluated again from the kept
    answers when the sheet is known, or else the recorded total and cap as they were."""
    if "cap" not in details:
        score: float = details["score"]
        return score
    cap = whole(details["cap"], "details.cap", 1, 5)
    if "answers" in details:
        sheet = _sheet(dossier.sheet, sheets)
        if sheet is not None:
            from ocop_workflow.scoring import result_from_details

            if "session" in details:
                from ocop_workflow.councils import session_from_details

                session: ScoreResult = session_from_details(sheet, details)
                return session
            result: ScoreResult = result_from_details(sheet, details)
            return result
    kept = {key: details[key] for key in KEPT if key in details}
    return Replayed(details["score"], cap, dossier.sheet, kept)


def _sheet(number: int, sheets: Mapping[int, ScoringSheet] | None) -> ScoringSheet | None:
    """The sheet a score was given on: from ``sheets``, else the shipped one, else unknown."""
    if sheets is not None and number in sheets:
        return sheets[number]
    from ocop_workflow.scoring import shipped_sheet, shipped_sheet_numbers

    return shipped_sheet(number) if number in shipped_sheet_numbers() else None


def _only(
    details: Mapping[str, Any], names: tuple[str, ...], optional: tuple[str, ...] = ()
) -> None:
    """The details must hold exactly ``names``, and may hold ``optional``."""
    missing = [name for name in names if name not in details]
    unknown = [key for key in details if key not in names and key not in optional]
    if missing or unknown:
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"unknown {', '.join(map(str, unknown))}"] if unknown else []
        raise InvalidInput(f"'details' must hold {', '.join(names)} ({'; '.join(said)})")


def _same(made: HistoryRecord, stored: HistoryRecord) -> None:
    """The record the operation made must be the stored one, field by field."""
    for name in _RECORD_FIELDS:
        ours, theirs = getattr(made, name), getattr(stored, name)
        if ours == theirs:
            continue
        if name == "details":
            for key in sorted(set(ours) | set(theirs)):
                if key not in ours:
                    hint = " (made under an access policy: replay with one)" * (key == "actor")
                    raise InvalidInput(f"'details.{key}' is not recorded by this operation{hint}")
                if key not in theirs:
                    raise InvalidInput(f"'details.{key}' is missing (the operation records it)")
                if ours[key] != theirs[key]:
                    raise InvalidInput(
                        f"'details.{key}' is {_plain(theirs[key])}, but the operation gives "
                        f"{_plain(ours[key])}"
                    )
        raise InvalidInput(f"{name!r} is {_plain(theirs)}, but the operation gives {_plain(ours)}")


def _plain(value: object) -> str:
    return shown(getattr(value, "value", value), 80)


def _refused(index: int, record: HistoryRecord, error: Exception) -> InvalidInput:
    """Replaying record ``index`` failed: any refusal, or a detail missing or of the wrong
    kind, as an :class:`InvalidInput` naming the record."""
    where = f"'history[{index}]' ({shown(record.action)} of {record.on})"
    if isinstance(error, OcopError):
        return InvalidInput(f"{where}: {error}")
    return InvalidInput(f"{where} is malformed ({type(error).__name__}: {error} in its details)")
