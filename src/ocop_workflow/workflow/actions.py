"""What a workflow can do to a dossier: the operations' names, and which event offers which."""

from __future__ import annotations

import enum
import types
from collections.abc import Mapping

import attrs

from ocop_workflow.rules import Level
from ocop_workflow.states import SCORED_STATE, Event

__all__ = ["OFFERED", "Action", "ActionName"]


class ActionName(enum.Enum):
    """The operations of :class:`~ocop_workflow.Workflow`, named as its methods."""

    REGISTER = "register"
    REVIEW_AT_COMMUNE = "review_at_commune"
    RESUBMIT = "resubmit"
    SCORE = "score"
    CERTIFY = "certify"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    REVOKE = "revoke"
    SUPERSEDE = "supersede"
    EXTEND = "extend"
    KNOCK_OUT = "knock_out"
    INSPECT = "inspect"
    NOTIFY_EXPIRY = "notify_expiry"

    __hash__ = object.__hash__  # identity hash in C; see Level.__hash__


@attrs.frozen
class Action:
    """Something that may happen next to a dossier; ``level`` says where, for a score."""

    name: ActionName
    level: Level | None = None

    def __str__(self) -> str:
        return self.name.value if self.level is None else f"{self.name.value}({self.level.value})"


OFFERED: Mapping[Event, Action] = types.MappingProxyType(
    {
        Event.PASS_COMMUNE: Action(ActionName.REVIEW_AT_COMMUNE),
        Event.RESUBMIT: Action(ActionName.RESUBMIT),
        **{Event.score(level): Action(ActionName.SCORE, level) for level in SCORED_STATE},
        Event.CERTIFY: Action(ActionName.CERTIFY),
        Event.CERTIFY_FORWARDED: Action(ActionName.CERTIFY),
        Event.WITHDRAW: Action(ActionName.WITHDRAW),
        Event.EXPIRE: Action(ActionName.EXPIRE),
        Event.REVOKE: Action(ActionName.REVOKE),
        Event.EXTEND: Action(ActionName.EXTEND),
        Event.KNOCK_OUT: Action(ActionName.KNOCK_OUT),
        Event.INSPECT: Action(ActionName.INSPECT),
        Event.NOTIFY_EXPIRY: Action(ActionName.NOTIFY_EXPIRY),
    }
)
"""The action that each event of the transition table offers to a caller. ``RETURN``, the
``REJECT_*`` events and ``KEEP_CERTIFICATE`` are the other outcomes of a commune review and a
score, and ``SUPERSEDE`` happens to a renewed dossier when its renewal is certified: none is
offered on its own."""
