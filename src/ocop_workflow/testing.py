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
    last of them on ``on``, and certified ``on`` with certificate ``number``."""
    dossier = scored_dossier(workflow, score, submitted_on=on - dt.timedelta(days=120), **fields)
    while True:  # the levels the score still goes on to under the regime of ``on``
        offered = workflow.available_actions(dossier, on=on)
        level = next((a.level for a in offered if a.name is ActionName.SCORE), None)
        if level is None:
            break
        workflow.score(dossier, level, score, on=on)
    workflow.certify(dossier, on=on, number=number)
    return dossier


def held_dossier(
    workflow: Workflow,
    score: float = 95.0,
    *,
    on: dt.date = dt.date(2021, 7, 20),
    number: str = "SL-2021-001",
    **fields: Any,
) -> Dossier:
    """A dossier forwarded to the top level and holding the certificate ``number`` of the level
    below meanwhile (``CERTIFIED_FORWARDED``, Decision 1048's province, facts page section 8):
    scored ``score`` (90 or more) at each level up to that one, and certified ``on``."""
    submitted = on - dt.timedelta(days=120)
    held = workflow.rules_on(on).held_level
    if held is None or workflow.rules_on(on).route(held, score).kind is not RouteKind.FORWARD:
        raise InvalidInput(
            f"'score' {score!r} on {on} is not forwarded by a level that certifies what it "
            f"forwards under {workflow.rules_on(on).code}"
        )
    dossier = registered_dossier(workflow, submitted_on=submitted, **fields)
    day = submitted + dt.timedelta(days=7)
    workflow.review_at_commune(dossier, passed=True, on=day)
    for level in workflow.rules_on(on).scoring_levels[:-1]:
        day += dt.timedelta(days=7)
        workflow.score(dossier, level, score, on=day)
    workflow.certify(dossier, on=on, number=number)
    return dossier
