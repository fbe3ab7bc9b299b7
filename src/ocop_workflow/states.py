"""Dossier states and the transition table, run by one shared ``transitions`` machine per level set.

This is the only module that imports ``transitions``. The table is data (:func:`transition_table`),
validated when it is built. Dossiers are never attached to a machine: :meth:`DossierMachine.fire`
triggers an event on an unattached model through the shared machine, which costs the same per event
as an attached one and avoids ``Machine.add_model``'s quadratic membership check. A
``transitions.MachineError`` never leaves this module; it becomes :class:`TransitionNotAllowed`.
"""

from __future__ import annotations

import enum
import functools
from typing import Protocol

import attrs
import transitions

from ocop_workflow.errors import DefinitionError, TransitionNotAllowed
from ocop_workflow.labels import Labelled
from ocop_workflow.rules import Level

__all__ = [
    "FINAL_STATES",
    "HOLDING_STATES",
    "SCORED_STATE",
    "DossierMachine",
    "DossierState",
    "Event",
    "HasState",
    "Transition",
    "transition_table",
]


class DossierState(Labelled, enum.Enum):
    """Where a dossier stands in the OCOP process (facts page section 4)."""

    REGISTERED = "registered"
    RETURNED = "returned"
    COMMUNE_REVIEWED = "commune_reviewed"
    DISTRICT_SCORED = "district_scored"
    PROVINCE_SCORED = "province_scored"
    CENTRAL_SCORED = "central_scored"
    CERTIFIED = "certified"
    CERTIFIED_FORWARDED = "certified_forwarded"
    """Holds its certificate while the next level evaluates it for more stars (facts page
    section 8: a 1048 five-star candidate held the province's 4-star certificate meanwhile)."""
    NOT_RECOGNISED = "not_recognised"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"

    __hash__ = object.__hash__  # identity hash in C; see Level.__hash__


SCORED_STATE = {
    Level.DISTRICT: DossierState.DISTRICT_SCORED,
    Level.PROVINCE: DossierState.PROVINCE_SCORED,
    Level.CENTRAL: DossierState.CENTRAL_SCORED,
}
"""The state a dossier enters when a level has scored it and it goes on."""

FINAL_STATES = frozenset(
    {
        DossierState.NOT_RECOGNISED,
        DossierState.WITHDRAWN,
        DossierState.REVOKED,
        DossierState.SUPERSEDED,
        DossierState.REJECTED,
    }
)
"""States with no way out."""

HOLDING_STATES = frozenset({DossierState.CERTIFIED, DossierState.CERTIFIED_FORWARDED})
"""States in which a dossier holds a certificate in force (unless its date has passed)."""


class Event(enum.Enum):
    """The events of the table; score and reject events exist once per scoring level."""

    RETURN = "return"
    RESUBMIT = "resubmit"
    PASS_COMMUNE = "pass_commune"
    SCORE_DISTRICT = "score_district"
    SCORE_PROVINCE = "score_province"
    SCORE_CENTRAL = "score_central"
    REJECT_DISTRICT = "reject_district"
    REJECT_PROVINCE = "reject_province"
    REJECT_CENTRAL = "reject_central"
    CERTIFY = "certify"
    CERTIFY_FORWARDED = "certify_forwarded"
    KEEP_CERTIFICATE = "keep_certificate"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    REVOKE = "revoke"
    SUPERSEDE = "supersede"
    EXTEND = "extend"
    KNOCK_OUT = "knock_out"
    INSPECT = "inspect"
    NOTIFY_EXPIRY = "notify_expiry"

    __hash__ = object.__hash__  # identity hash in C; see Level.__hash__

    @classmethod
    def score(cls, level: Level) -> Event:
        """The event of a score at ``level`` that lets the dossier go on."""
        return _SCORE_EVENTS[level]

    @classmethod
    def reject(cls, level: Level) -> Event:
        """The event of a score under 3 stars at ``level``."""
        return _REJECT_EVENTS[level]


_SCORE_EVENTS = {level: Event["SCORE_" + level.name] for level in SCORED_STATE}
_REJECT_EVENTS = {level: Event["REJECT_" + level.name] for level in SCORED_STATE}


@attrs.frozen
class Transition:
    """One row of the table: ``event`` moves a dossier from any of ``sources`` to ``dest``."""

    event: Event
    sources: tuple[DossierState, ...]
    dest: DossierState


def transition_table(
    levels: tuple[Level, ...],
    legacy: tuple[Level, ...] = (),
    held: Level | None = None,
    carried_held: bool = False,
) -> tuple[Transition, ...]:
    """The transition table for a regime scoring at ``levels`` (lowest first).

    Facts page section 4: the commune checks (or returns) a dossier, each level scores it in turn,
    a score under 3 stars ends it, and a certificate is issued from any scored state; a certificate
    then expires, is revoked, or is superseded by a newer one (an expired one can be superseded by
    its re-evaluation too, or revoked for not being re-evaluated, section 8). Inspections and
    expiry notices are recorded on a certified dossier without changing its state: rows whose
    source is their destination.

    ``legacy`` are levels an earlier regime had and this one has not (the district, removed in
    July 2025, facts page section 1). A dossier scored there before the change finishes under the
    new regime (section 1: dossiers in flight are finished under transitional rules): it goes on
    to the next level that still exists, or is certified, or withdrawn.

    ``held`` is the level that certifies the scores it forwards (Decision 1048's province, facts
    page section 8): its certificate may be issued before the top level scores, and the dossier
    waits in ``CERTIFIED_FORWARDED`` holding it. (The top level may still score a forwarded
    dossier that holds none: dossiers recorded so before.) There the top level's score either
    reaches its own stars (the dossier waits for that certificate) or does not, and the
    certificate held stands; the dossier may be withdrawn from that evaluation (it keeps the
    certificate), inspected, notified, revoked, superseded by a renewal, or marked expired.
    ``carried_held``: an earlier regime had such a level, so dossiers arrive in that state.
    """
    if held is not None and (len(levels) < 2 or held is not levels[-2]):
        raise DefinitionError(
            f"only the level below the top certifies what it forwards (got held={held.value!r})"
        )
    scored = tuple(SCORED_STATE[level] for level in levels)
    before = (DossierState.COMMUNE_REVIEWED, *scored[:-1])
    rows = [
        Transition(Event.RETURN, (DossierState.REGISTERED,), DossierState.RETURNED),
        Transition(Event.RESUBMIT, (DossierState.RETURNED,), DossierState.REGISTERED),
        Transition(Event.PASS_COMMUNE, (DossierState.REGISTERED,), DossierState.COMMUNE_REVIEWED),
    ]
    for level, source, dest in zip(levels, before, scored, strict=True):
        rows.append(Transition(Event.score(level), (source,), dest))
        rows.append(Transition(Event.reject(level), (source,), DossierState.NOT_RECOGNISED))
    in_process = (
        DossierState.REGISTERED,
        DossierState.RETURNED,
        DossierState.COMMUNE_REVIEWED,
        *scored,
    )
    carried = tuple(SCORED_STATE[level] for level in legacy)
    for level in legacy:
        above = next(lv for lv in levels if lv.rank > level.rank)
        carried_in = (SCORED_STATE[level],)
        rows.append(Transition(Event.score(above), carried_in, SCORED_STATE[above]))
        rows.append(Transition(Event.reject(above), carried_in, DossierState.NOT_RECOGNISED))
    scored += carried
    in_process += carried
    waiting = DossierState.CERTIFIED_FORWARDED
    holding = (waiting,) if held is not None or carried_held else ()
    rows.append(Transition(Event.CERTIFY, scored, DossierState.CERTIFIED))
    if held is not None:
        rows.append(Transition(Event.CERTIFY_FORWARDED, (SCORED_STATE[held],), waiting))
    rows += [
        Transition(Event.WITHDRAW, in_process, DossierState.WITHDRAWN),
        # 26/2026 (section 6): a knock-out rejects a dossier in process outright.
        Transition(Event.KNOCK_OUT, in_process, DossierState.REJECTED),
        Transition(Event.EXPIRE, (DossierState.CERTIFIED, *holding), DossierState.EXPIRED),
        # Section 8 (Đồng Tháp): an expired certificate is revoked for not being re-evaluated.
        Transition(
            Event.REVOKE, (DossierState.CERTIFIED, DossierState.EXPIRED), DossierState.REVOKED
        ),
        # Sections 4.6 and 4.8: the expiry notice and post-certification inspections leave the
        # dossier certified.
        Transition(Event.INSPECT, (DossierState.CERTIFIED,), DossierState.CERTIFIED),
        Transition(Event.NOTIFY_EXPIRY, (DossierState.CERTIFIED,), DossierState.CERTIFIED),
        # 26/2026 (section 6): a certificate may be extended up to 180 days past its expiry, also
        # once marked expired; it is (again) certified.
        Transition(
            Event.EXTEND, (DossierState.CERTIFIED, DossierState.EXPIRED), DossierState.CERTIFIED
        ),
        Transition(
            Event.SUPERSEDE,
            (DossierState.CERTIFIED, DossierState.EXPIRED, *holding),
            DossierState.SUPERSEDED,
        ),
    ]
    if holding:
        rows += [
            Transition(Event.score(levels[-1]), (waiting,), waiting),
            Transition(Event.KEEP_CERTIFICATE, (waiting,), DossierState.CERTIFIED),
            Transition(Event.CERTIFY, (waiting,), DossierState.CERTIFIED),
            Transition(Event.WITHDRAW, (waiting,), DossierState.CERTIFIED),
            Transition(Event.REVOKE, (waiting,), DossierState.REVOKED),
            Transition(Event.INSPECT, (waiting,), waiting),
            Transition(Event.NOTIFY_EXPIRY, (waiting,), waiting),
        ]
        if held is None:
            carried += (waiting,)

    table = tuple(rows)
    _validate(table, carried)
    return table


def _validate(table: tuple[Transition, ...], entries: tuple[DossierState, ...] = ()) -> None:
    """Every state reachable from ``REGISTERED`` (or a carried-over ``entries`` state); no exit
    from a final state."""
    states = {row.dest for row in table} | {s for row in table for s in row.sources}
    reached = {DossierState.REGISTERED, *entries}
    frontier = list(reached)
    while frontier:
        state = frontier.pop()
        for row in table:
            if state in row.sources and row.dest not in reached:
                reached.add(row.dest)
                frontier.append(row.dest)
    if unreachable := states - reached:
        raise DefinitionError(f"unreachable states: {sorted(s.value for s in unreachable)}")
    for row in table:
        if exits := FINAL_STATES.intersection(row.sources):
            raise DefinitionError(
                f"event {row.event.value!r} leaves final states {sorted(s.value for s in exits)}"
            )


class HasState(Protocol):
    """Anything with a mutable ``state``: what the machine drives."""

    state: DossierState


class DossierMachine:
    """A ``transitions`` machine shared by every dossier of a level set; build with :meth:`get`.

    ``legacy`` levels are those an earlier regime had: dossiers scored there carry their state in;
    ``held`` and ``carried_held`` as for :func:`transition_table`.
    """

    def __init__(
        self,
        levels: tuple[Level, ...],
        legacy: tuple[Level, ...] = (),
        held: Level | None = None,
        carried_held: bool = False,
    ) -> None:
        self.levels = levels
        self.legacy = legacy
        self.held = held
        self.carried_held = carried_held
        self.table = transition_table(levels, legacy, held, carried_held)
        self.states = tuple(
            sorted(
                {r.dest for r in self.table}
                | {s for r in self.table for s in r.sources}
                | {DossierState.REGISTERED},
                key=_order,
            )
        )
        """The states this machine knows, in enum order."""
        self._machine = transitions.Machine(
            model=None,
            states=list(self.states),
            transitions=[
                {"trigger": r.event.value, "source": list(r.sources), "dest": r.dest}
                for r in self.table
            ],
            initial=DossierState.REGISTERED,
            auto_transitions=False,
        )
        self._events = {r.event: self._machine.events[r.event.value] for r in self.table}
        self._dest = {(s, r.event): r.dest for r in self.table for s in r.sources}

    @staticmethod
    @functools.cache
    def get(
        levels: tuple[Level, ...],
        legacy: tuple[Level, ...] = (),
        held: Level | None = None,
        carried_held: bool = False,
    ) -> DossierMachine:
        """The one machine for ``levels`` (and the other arguments of
        :func:`transition_table`), built once."""
        return DossierMachine(levels, legacy, held, carried_held)

    def allows(self, state: DossierState, event: Event) -> bool:
        """Whether ``event`` may fire from ``state``; no side effect."""
        return (state, event) in self._dest

    def destination(self, state: DossierState, event: Event) -> DossierState:
        """The state ``event`` leads to from ``state``; :class:`TransitionNotAllowed` if none."""
        try:
            return self._dest[state, event]
        except KeyError:
            raise TransitionNotAllowed(
                f"event {event.value!r} is not allowed from state {state.value!r}"
            ) from None

    def events_from(self, state: DossierState) -> tuple[Event, ...]:
        """The events that may fire from ``state``, in table order."""
        return tuple(dict.fromkeys(r.event for r in self.table if state in r.sources))

    def fire(self, model: HasState, event: Event) -> None:
        """Fire ``event`` on ``model`` through the shared machine; the model's state changes.

        Raises :class:`TransitionNotAllowed` (never ``transitions.MachineError``) when the event
        cannot fire from the model's state; the model is then unchanged.
        """
        trigger = self._events.get(event)
        if trigger is None:
            raise TransitionNotAllowed(
                f"event {event.value!r} does not exist at levels {self._names()}"
            )
        try:
            trigger.trigger(model)
        except transitions.MachineError:
            raise TransitionNotAllowed(
                f"event {event.value!r} is not allowed from state {model.state.value!r}"
            ) from None

    def _names(self) -> str:
        return ", ".join(level.value for level in self.levels)


def _order(state: DossierState) -> int:
    return list(DossierState).index(state)
