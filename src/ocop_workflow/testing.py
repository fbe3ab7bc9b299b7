"""Helpers for testing code that uses this library: dossier builders with sensible defaults.

Applications and notebooks can build dossiers in any state the way the library's own tests do::

    from ocop_workflow.testing import certified_dossier
    d = certified_dossier(workflow, score=75.0, on=date(2024, 7, 20))
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ocop_workflow.dossier import Dossier
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import RouteKind
from ocop_workflow.states import SCORED_STATE, DossierState
from ocop_workflow.workflow import ActionName, Workflow

__all__ = [
    "SAMPLE_PRODUCT",
    "certified_dossier",
    "held_dossier",
    "registered_dossier",
    "scored_dossier",
]

SAMPLE_PRODUCT: dict[str, Any] = {
    "product": "Cà phê bột nguyên chất",
    "sheet": 13,
    "producer": "HTX Cà phê Chiềng Ban",
    "province": "Sơn La",
    "district": "Mai Sơn",
    "commune": "Chiềng Ban",
}
"""Registration fields of a Sơn La coffee product (the seed's kind of product)."""


def registered_dossier(
    workflow: Workflow, *, submitted_on: dt.date = dt.date(2024, 3, 1), **fields: Any
) -> Dossier:
    """A freshly registered dossier; ``fields`` override :data:`SAMPLE_PRODUCT`."""
    return workflow.register(**{**SAMPLE_PRODUCT, **fields}, submitted_on=submitted_on)


def scored_dossier(
    workflow: Workflow,
    score: float,
    *,
    submitted_on: dt.date = dt.date(2024, 3, 1),
    **fields: Any,
) -> Dossier:
    """A dossier reviewed by its commune and scored ``score`` at every level the score reaches.

    Each step is dated one week after the previous one.
    """
    dossier = registered_dossier(workflow, submitted_on=submitted_on, **fields)
    day = submitted_on + dt.timedelta(days=7)
    workflow.review_at_commune(dossier, passed=True, on=day)
    while True:  # each level the score is forwarded to, under the regime of that day
        day += dt.timedelta(days=7)
        levels = [a.level for a in workflow.available_actions(dossier, on=day) if a.level]
        if not levels:
            break
        workflow.score(dossier, levels[0], score, on=day)
    return dossier


def certified_dossier(
    workflow: Workflow,
    score: float = 75.0,
    *,
    on: dt.date = dt.date(2024, 7, 20),
    number: str = "SL-2024-001",
    **fields: Any,
) -> Dossier:
    """A certified dossier: scored ``score`` (3 stars or more) at every level it reaches, the
    last of them on ``on``, and certified ``on`` with certificate ``number``.

    Where a level certifies the scores it forwards (Decision 1048's province, facts page section
    8), its certificate ``f"{number}-held"`` is issued on the way (see :func:`held_dossier`).
    """
    return _certified(workflow, score, on, number, hold=False, fields=fields)


def held_dossier(
    workflow: Workflow,
    score: float = 95.0,
    *,
    on: dt.date = dt.date(2021, 7, 20),
    number: str = "SL-2021-001",
    **fields: Any,
) -> Dossier:
    """A dossier forwarded to the central council and holding its province's certificate
    ``number`` meanwhile (``CERTIFIED_FORWARDED``, Decision 1048, facts page section 8): scored
    ``score`` (90 or more) under a regime whose province certifies what it forwards."""
    dossier = _certified(workflow, score, on, number, hold=True, fields=fields)
    if dossier.state is not DossierState.CERTIFIED_FORWARDED:
        raise InvalidInput(
            f"'score' {score!r} on {on} is not forwarded by a level that certifies what it "
            f"forwards under {workflow.rules_on(on).code}"
        )
    return dossier


def _certified(
    workflow: Workflow, score: float, on: dt.date, number: str, *, hold: bool, fields: Any
) -> Dossier:
    dossier = scored_dossier(workflow, score, submitted_on=on - dt.timedelta(days=120), **fields)
    while True:
        offered = workflow.available_actions(dossier, on=on)
        level = next((a.level for a in offered if a.name is ActionName.SCORE), None)
        if level is not None:  # a level the score goes on to under the regime of ``on``
            workflow.score(dossier, level, score, on=on)
            continue
        rules = workflow.rules_on(on)
        held = rules.held_level
        if (
            held is not None
            and dossier.state is SCORED_STATE[held]
            and rules.route(held, dossier.scores[held].value).kind is RouteKind.FORWARD
        ):
            workflow.certify(dossier, on=on, number=number if hold else f"{number}-held")
            if hold:
                return dossier
            continue
        workflow.certify(dossier, on=on, number=number)
        return dossier
