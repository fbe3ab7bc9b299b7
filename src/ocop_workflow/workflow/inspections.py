"""After certification: inspections, their findings, revocation grounds by date, expiry notices.

Facts page section 4.8: certificates are revoked after a post-certification inspection finds the
product no longer meets its criteria or breaks the rules, and in practice when a product was not
re-evaluated within 36 months (section 8: Đồng Tháp revoked 41 expired certificates on that
ground). Section 6 (26/2026, unconfirmed): the revoking level acts within 15 days, the rule set's
``deadlines.revocation_days``. Section 4.6: the issuing body notifies the holder at least 30 days
before expiry (``Validity.notice_days``). These are pure functions of a dossier's history.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

import attrs

from ocop_workflow.dates import to_date
from ocop_workflow.dossier import Dossier, HistoryRecord
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import RevocationReason, RuleSet
from ocop_workflow.states import HOLDING_STATES, DossierState
from ocop_workflow.validators import iterable, member, optional_text

__all__ = [
    "Aspect",
    "Finding",
    "OpenFinding",
    "aspects_of",
    "cited_inspection",
    "findings_of",
    "grounds_on",
    "notice_sent",
    "open_finding",
]


class Aspect(enum.Enum):
    """What an inspection checks (section 4.8 and the grounds of section 6)."""

    QUALITY = "quality"
    LABELLING = "labelling"
    FOOD_SAFETY = "food_safety"
    MARK_USE = "mark_use"
    PRODUCTION = "production"
    """Production still running."""


def _ground(value: object) -> RevocationReason:
    ground = member(RevocationReason, value, "ground")
    if ground is RevocationReason.NOT_REEVALUATED:
        raise InvalidInput(
            "'ground' 'not_reevaluated' is no inspection finding: it follows from the "
            "certificate's expiry (revoke on or after it)"
        )
    return ground


@attrs.frozen
class Finding:
    """One finding of an inspection: the revocation ground it concerns and a note."""

    ground: RevocationReason = attrs.field(converter=_ground)
    note: str | None = attrs.field(default=None, validator=lambda _, a, v: optional_text(v, a.name))


def findings_of(findings: object) -> tuple[Finding, ...]:
    """``findings`` (grounds, their values, or :class:`Finding`) as findings."""
    given = iterable(findings, "findings", "a sequence of grounds or Finding")
    result = []
    for index, item in enumerate(given):
        if isinstance(item, Finding):
            result.append(item)
            continue
        try:
            result.append(Finding(item))
        except InvalidInput as error:
            raise InvalidInput(f"'findings[{index}]': {error}") from None
    return tuple(result)


def aspects_of(checked: object) -> tuple[Aspect, ...]:
    """What was checked, in :class:`Aspect` order; every aspect when ``None``."""
    if checked is None:
        return tuple(Aspect)
    given = {
        member(Aspect, item, "checked")
        for item in iterable(checked, "checked", "a sequence of aspects")
    }
    if not given:
        raise InvalidInput("'checked' must name at least one aspect (got none)")
    return tuple(a for a in Aspect if a in given)


def grounds_on(
    dossier: Dossier, rules: RuleSet, day: dt.date | None
) -> frozenset[RevocationReason]:
    """The grounds on which ``dossier``'s certificate may be revoked on ``day`` under ``rules``.

    Section 8: "not re-evaluated" only once the certificate has expired (marked or not: an
    expired certificate is revoked on that ground); every other ground needs a certificate still
    valid. Without a date, the grounds of some date from the dossier's state.
    """
    certificate = dossier.certificate
    grounds = rules.revocation_reasons
    late = frozenset({RevocationReason.NOT_REEVALUATED}) & grounds
    holding = dossier.state in HOLDING_STATES
    if certificate is None or not (holding or dossier.state is DossierState.EXPIRED):
        return frozenset()
    if day is None:
        return grounds if holding else late
    if day >= certificate.expires_on:
        return late
    return grounds - late if holding else frozenset()


def _since_certified(dossier: Dossier) -> list[HistoryRecord]:
    """The records since the current certificate was issued."""
    history = dossier.history
    for index in range(len(history) - 1, -1, -1):
        if history[index].action == "certify":
            return history[index + 1 :]
    return []


@attrs.frozen
class OpenFinding:
    """The earliest inspection since certification whose findings are revocation grounds."""

    inspected_on: dt.date
    grounds: tuple[RevocationReason, ...]
    revoke_by: dt.date | None
    """The end of the revocation limit (26/2026: 15 days); ``None`` where none is set."""


def open_finding(dossier: Dossier) -> OpenFinding | None:
    """The finding that makes a revocation due, while the dossier holds its certificate; else
    None."""
    if dossier.state not in HOLDING_STATES:
        return None
    for record in _since_certified(dossier):
        grounds = record.details.get("grounds") if record.action == "inspect" else None
        if grounds:
            by = record.details.get("revoke_by")
            return OpenFinding(
                record.on,
                tuple(RevocationReason(g) for g in grounds),
                None if by is None else dt.date.fromisoformat(by),
            )
    return None


def cited_inspection(dossier: Dossier, inspection: object, reason: RevocationReason) -> str:
    """The ISO date of the inspection a revocation cites: one since certification that found
    ``reason``; otherwise an :class:`InvalidInput` naming ``inspection``."""
    day = to_date(inspection, "inspection")
    found = [r for r in _since_certified(dossier) if r.action == "inspect" and r.on == day]
    if not found:
        raise InvalidInput(
            f"'inspection' must be the date of an inspection of this certificate (got {day})"
        )
    if not any(reason.value in (f["ground"] for f in r.details["findings"]) for r in found):
        raise InvalidInput(
            f"'inspection' of {day} found no {reason.value!r} (found: {_found(found) or 'nothing'})"
        )
    return day.isoformat()


def _found(records: Iterable[HistoryRecord]) -> str:
    return ", ".join(f["ground"] for r in records for f in r.details["findings"])


def notice_sent(dossier: Dossier) -> HistoryRecord | None:
    """The expiry notice sent for the current certificate's end date, if any."""
    certificate = dossier.certificate
    if certificate is None:
        return None
    end = certificate.expires_on.isoformat()
    for record in _since_certified(dossier):
        if record.action == "notify_expiry" and record.details.get("expires_on") == end:
            return record
    return None
