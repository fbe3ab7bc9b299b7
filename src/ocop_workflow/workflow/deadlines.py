"""Time limits around a dossier: transitional deadlines, the evaluation limit, extensions.

Pure functions of a dossier, the rule sets and a date (facts page section 6, Decision 26/2026,
every number a parameter of its rule set's ``deadlines``).
"""

from __future__ import annotations

import datetime as dt

from ocop_workflow.dates import add_days
from ocop_workflow.dossier import Dossier, DossierKind
from ocop_workflow.rules import RuleSet
from ocop_workflow.states import SCORED_STATE, DossierState
from ocop_workflow.workflow.actions import ActionName

__all__ = [
    "IN_PROCESS",
    "blocks",
    "extension_limit",
    "extension_opens",
    "overdue",
    "transitional_deadline",
]

IN_PROCESS = frozenset(
    {
        DossierState.REGISTERED,
        DossierState.RETURNED,
        DossierState.COMMUNE_REVIEWED,
        *SCORED_STATE.values(),
    }
)
"""States of a dossier still being evaluated."""

_FINISHING = IN_PROCESS | {DossierState.CERTIFIED_FORWARDED}
"""States bound by a transitional deadline: in process, or holding a certificate while the top
level evaluates (facts page sections 6 and 8); past the deadline, a held dossier keeps its
certificate but the top level can no longer score or certify it."""


def transitional_deadline(dossier: Dossier, rules: RuleSet) -> dt.date | None:
    """The day by which a dossier registered under an earlier regime and still in process must
    finish under ``rules``: first-time and upgrade dossiers within ``finish_first_time_days`` of
    its start, re-evaluations within ``finish_reevaluation_days`` (26/2026: 60 and 30 days)."""
    if dossier.regime == rules.code or dossier.state not in _FINISHING:
        return None
    limits = rules.deadlines
    days = (
        limits.finish_reevaluation_days
        if dossier.kind is DossierKind.REEVALUATION
        else limits.finish_first_time_days
    )
    return None if days is None else add_days(rules.effective_from, days, "deadline")


def blocks(dossier: Dossier, action: ActionName) -> bool:
    """Whether a passed transitional deadline stops ``action`` on ``dossier``: all but a
    withdrawal of a dossier in process; only the top level's score and certificate of a dossier
    holding one while forwarded (its own certificate's actions go on)."""
    if action is ActionName.WITHDRAW:
        return False
    if dossier.state is DossierState.CERTIFIED_FORWARDED:
        return action is ActionName.SCORE or action is ActionName.CERTIFY
    return True


def overdue(dossier: Dossier, rules: RuleSet, day: dt.date | None) -> dt.date | None:
    """The transitional deadline of ``dossier`` under ``rules`` if ``day`` is past it (see
    :func:`blocks` for what it stops)."""
    if day is None:
        return None
    deadline = transitional_deadline(dossier, rules)
    return deadline if deadline is not None and day > deadline else None


def extension_limit(dossier: Dossier, rules: RuleSet, issuing: RuleSet) -> dt.date | None:
    """The latest end an extension may give the dossier's certificate under ``rules``: its
    original expiry under the ``issuing`` rule set plus ``extension_days`` (26/2026: 180 days);
    ``None`` without either."""
    days = rules.deadlines.extension_days
    certificate = dossier.certificate
    if days is None or certificate is None:
        return None
    original = issuing.validity.expires_on(certificate.issued_on)
    return add_days(original, days, "until")


def extension_opens(dossier: Dossier, rules: RuleSet, issuing: RuleSet) -> dt.date | None:
    """The first day an extension may be granted under ``rules``: the day after the re-evaluation
    filing window closed (section 6: an extension is for a certificate whose filing window was
    missed; 26/2026 closes it 120 days before the original expiry). ``None`` where the regime sets
    no filing window or there is no certificate."""
    window = rules.deadlines.reevaluation_window
    certificate = dossier.certificate
    if window is None or certificate is None:
        return None
    original = issuing.validity.expires_on(certificate.issued_on)
    return add_days(original, 1 - window[1], "on")
