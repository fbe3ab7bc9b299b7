"""The workflow: the operations that move a dossier through the OCOP process.

:class:`Workflow` is stateless apart from its rule set. Each operation validates everything first,
then fires one event on the shared state machine and records one :class:`HistoryRecord`; a failed
operation raises before anything changes, so the dossier is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from ocop_workflow.dates import DateLike, to_date
from ocop_workflow.dossier import Certificate, Dossier, DossierKind, HistoryRecord, Location, Score
from ocop_workflow.errors import InvalidInput, TransitionNotAllowed
from ocop_workflow.rules import Level, RevocationReason, Route, RouteKind, RuleSet, check_score
from ocop_workflow.states import SCORED_STATE, DossierMachine, DossierState, Event

__all__ = ["Action", "ActionName", "ScoreResult", "Workflow"]


@runtime_checkable
class ScoreResult(Protocol):
    """A scoring-sheet or council result that :meth:`Workflow.score` accepts instead of a number.

    ``total`` is the score out of 100; ``stars`` the final star after per-star minimums.
    """

    @property
    def total(self) -> float: ...

    @property
    def stars(self) -> int: ...


class ActionName(enum.Enum):
    """The operations of :class:`Workflow`, named as its methods."""

    REGISTER = "register"
    REVIEW_AT_COMMUNE = "review_at_commune"
    RESUBMIT = "resubmit"
    SCORE = "score"
    CERTIFY = "certify"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    REVOKE = "revoke"
    SUPERSEDE = "supersede"


@attrs.frozen
class Action:
    """Something that may happen next to a dossier; ``level`` says where, for a score."""

    name: ActionName
    level: Level | None = None

    def __str__(self) -> str:
        return self.name.value if self.level is None else f"{self.name.value}({self.level.value})"


_EVENT_ACTION = {
    Event.PASS_COMMUNE: ActionName.REVIEW_AT_COMMUNE,
    Event.RESUBMIT: ActionName.RESUBMIT,
    Event.CERTIFY: ActionName.CERTIFY,
    Event.WITHDRAW: ActionName.WITHDRAW,
    Event.EXPIRE: ActionName.EXPIRE,
    Event.REVOKE: ActionName.REVOKE,
}


class Workflow:
    """Drives dossiers under one rule set.

    All operations take their date explicitly (a ``datetime.date`` or an ISO string), plus an
    optional ``actor`` and ``note`` stored in the history. Nothing reads the clock.
    """

    __slots__ = ("_machine", "ruleset")

    def __init__(self, ruleset: RuleSet) -> None:
        if not isinstance(ruleset, RuleSet):
            raise InvalidInput(f"'ruleset' must be a RuleSet (got {ruleset!r})")
        self.ruleset = ruleset
        self._machine = DossierMachine.get(ruleset.scoring_levels)

    def __repr__(self) -> str:
        return f"Workflow({self.ruleset.code})"

    # -- operations -------------------------------------------------------------------------

    def register(
        self,
        *,
        product: str,
        sheet: int,
        producer: str,
        province: str,
        commune: str,
        submitted_on: DateLike,
        district: str | None = None,
        kind: DossierKind | str = DossierKind.FIRST_TIME,
        renews: Dossier | None = None,
        reference: str | None = None,
        actor: str | None = None,
        note: str | None = None,
    ) -> Dossier:
        """File a new dossier with the commune (facts page section 4.1).

        An upgrade or re-evaluation ``renews`` the dossier whose certificate it replaces (certified
        or expired); that certificate becomes superseded when the new one is issued.
        """
        on = to_date(submitted_on, "submitted_on")
        kind = _enum(DossierKind, kind, "kind")
        if Level.DISTRICT in self.ruleset.scoring_levels and district is None:
            raise InvalidInput(f"'district' is required under {self.ruleset.code} (got None)")
        renewed = self._check_renewal(kind, renews)
        location = Location(province, district, commune)
        dossier = Dossier(
            product=product,
            producer=producer,
            sheet=sheet,
            location=location,
            kind=kind,
            submitted_on=on,
            regime=self.ruleset.code,
            reference=reference,
            renews=renewed,
        )
        details = {
            "product": product,
            "producer": producer,
            "sheet": sheet,
            "province": province,
            "district": district,
            "commune": commune,
            "kind": kind.value,
            "reference": reference,
            "renews": renewed,
        }
        dossier.history.append(
            HistoryRecord(
                on,
                ActionName.REGISTER.value,
                None,
                dossier.state,
                self.ruleset.code,
                actor,
                note,
                details,
            )
        )
        return dossier

    def review_at_commune(
        self,
        dossier: Dossier,
        *,
        passed: bool,
        on: DateLike,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        """The commune's check (section 4.2): pass it on, or return it for completion."""
        if not isinstance(passed, bool):
            raise InvalidInput(f"'passed' must be True or False (got {passed!r})")
        event = Event.PASS_COMMUNE if passed else Event.RETURN
        self._step(
            dossier, event, ActionName.REVIEW_AT_COMMUNE, on, actor, note, {"passed": passed}
        )

    def resubmit(
        self, dossier: Dossier, *, on: DateLike, actor: str | None = None, note: str | None = None
    ) -> None:
        """The producer files the completed dossier again after the commune returned it."""
        self._step(dossier, Event.RESUBMIT, ActionName.RESUBMIT, on, actor, note, {})

    def score(
        self,
        dossier: Dossier,
        level: Level | str,
        score: float | ScoreResult,
        *,
        on: DateLike,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        """Record a council's score at ``level`` (sections 2 and 4.3-4.5).

        ``score`` is the council's average (0-100, fractions allowed) or a scoring-sheet or council
        result (:mod:`ocop_workflow.scoring`) whose ``stars`` cap the band of its ``total``; the
        dossier keeps it as ``dossier.scores[level].result``. Under 3 stars the dossier ends
        ``NOT_RECOGNISED``; otherwise it waits to be certified, or to be scored by the next level
        when the rule set forwards it.
        """
        level = _enum(Level, level, "level")
        value, cap, result = _score_value(score)
        sheet = getattr(result, "sheet_number", dossier.sheet)
        if sheet != dossier.sheet:
            raise InvalidInput(
                f"'score' comes from sheet {sheet!r}, but the dossier is on sheet {dossier.sheet}"
            )
        rules = self.ruleset
        rules.rule_for(level)
        levels = rules.scoring_levels
        index = levels.index(level)
        if index > 0:
            below = levels[index - 1]
            previous = dossier.scores.get(below)
            if dossier.state is SCORED_STATE[below] and previous is not None:
                route = rules.route(below, previous.value, previous.stars)
                if route.kind is not RouteKind.FORWARD:
                    raise TransitionNotAllowed(
                        f"cannot score at {level.value!r}: the {below.value} score "
                        f"{previous.value:g} is not forwarded ({route.stars} stars, recognised "
                        f"by the {route.level.value if route.level else 'nobody'})"
                    )
        route = rules.route(level, value, cap)
        event = (
            Event.reject(level) if route.kind is RouteKind.NOT_RECOGNISED else Event.score(level)
        )
        details: dict[str, Any] = {"level": level.value, "score": value, "stars": route.stars}
        if cap is not None:
            details["cap"] = cap
        on_date = self._check(dossier, event, on, f"score at {level.value!r}")
        record = self._record(dossier, event, ActionName.SCORE, on_date, actor, note, details)
        self._machine.fire(dossier, event)
        dossier.scores[level] = Score(level, value, route.stars, on_date, result)
        dossier.history.append(record)

    def certify(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        number: str,
        renewed: Dossier | None = None,
        actor: str | None = None,
        note: str | None = None,
    ) -> Certificate:
        """Issue the certificate of the recognition decision (section 4.6) and return it.

        The issuing level is the one that recognises the stars of the latest score. A dossier that
        renews a certificate supersedes it: pass that older dossier as ``renewed`` (needed when the
        two were not created together by this process, e.g. after loading from a database).
        """
        return self._certify(dossier, on, number, renewed, actor, note, supersede=True)

    def _certify(
        self,
        dossier: Dossier,
        on: DateLike,
        number: str,
        renewed: Dossier | None,
        actor: str | None,
        note: str | None,
        *,
        supersede: bool,
    ) -> Certificate:
        if not isinstance(number, str) or not number.strip():
            raise InvalidInput(f"'number' must be a non-empty string (got {number!r})")
        on_date = self._check(dossier, Event.CERTIFY, on, "certify")
        route = self._pending_route(dossier)
        if route is None or route.kind is not RouteKind.RECOGNISE or route.level is None:
            target = route.level.value if route and route.level else "the next level"
            raise TransitionNotAllowed(
                f"cannot certify in state {dossier.state.value!r}: the score must go on to {target}"
            )
        old = self._renewed_dossier(dossier, renewed, on_date) if supersede else None
        certificate = Certificate(
            number, route.stars, route.level, on_date, self.ruleset.validity.expires_on(on_date)
        )
        details = {"number": number, "stars": route.stars, "level": route.level.value}
        record = self._record(
            dossier, Event.CERTIFY, ActionName.CERTIFY, on_date, actor, note, details
        )
        if old is not None:
            old_record = self._record(
                old, Event.SUPERSEDE, ActionName.SUPERSEDE, on_date, actor, note, {"by": number}
            )
            self._machine.fire(old, Event.SUPERSEDE)
            old.history.append(old_record)
        self._machine.fire(dossier, Event.CERTIFY)
        dossier.certificate = certificate
        dossier.history.append(record)
        return certificate

    def expire(
        self, dossier: Dossier, *, on: DateLike, actor: str | None = None, note: str | None = None
    ) -> None:
        """Mark the certificate expired, on or after its expiry date (section 4.7)."""
        on_date = self._check(dossier, Event.EXPIRE, on, "expire")
        assert dossier.certificate is not None  # CERTIFIED always carries one
        if on_date < dossier.certificate.expires_on:
            raise TransitionNotAllowed(
                f"certificate {dossier.certificate.number!r} is valid until "
                f"{dossier.certificate.expires_on} (got on={on_date})"
            )
        self._commit(dossier, Event.EXPIRE, ActionName.EXPIRE, on_date, actor, note, {})

    def revoke(
        self,
        dossier: Dossier,
        *,
        reason: RevocationReason | str,
        on: DateLike,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        """Revoke the certificate ("thu hồi") for one of the rule set's reasons (section 4.8)."""
        reason = _enum(RevocationReason, reason, "reason")
        if reason not in self.ruleset.revocation_reasons:
            allowed = sorted(r.value for r in self.ruleset.revocation_reasons)
            raise InvalidInput(
                f"'reason' {reason.value!r} is not a revocation ground under {self.ruleset.code} "
                f"(allowed: {', '.join(allowed)})"
            )
        self._step(
            dossier, Event.REVOKE, ActionName.REVOKE, on, actor, note, {"reason": reason.value}
        )

    def withdraw(
        self, dossier: Dossier, *, on: DateLike, actor: str | None = None, note: str | None = None
    ) -> None:
        """The producer withdraws a dossier still in process."""
        self._step(dossier, Event.WITHDRAW, ActionName.WITHDRAW, on, actor, note, {})

    # -- queries ---------------------------------------------------------------------------

    def available_actions(self, dossier: Dossier, on: DateLike | None = None) -> tuple[Action, ...]:
        """What may happen next to ``dossier``, with no side effect.

        Given ``on``, date rules are applied too (a certificate cannot expire before its date,
        nothing may be dated before the latest step).
        """
        day = None if on is None else to_date(on)
        if day is not None and day < dossier.last_step_on:
            return ()
        actions: list[Action] = []
        route = self._pending_route(dossier)
        for event in self._machine.events_from(dossier.state):
            if event is Event.RETURN or event.name.startswith("REJECT_"):
                continue  # the other outcome of review_at_commune / score
            if event.name.startswith("SCORE_"):
                level = Level[event.name.removeprefix("SCORE_")]
                if dossier.state is DossierState.COMMUNE_REVIEWED or (
                    route is not None and route.kind is RouteKind.FORWARD and route.level is level
                ):
                    actions.append(Action(ActionName.SCORE, level))
            elif event is Event.CERTIFY:
                if route is not None and route.kind is RouteKind.RECOGNISE:
                    actions.append(Action(ActionName.CERTIFY))
            elif event is Event.EXPIRE:
                cert = dossier.certificate
                if day is None or (cert is not None and day >= cert.expires_on):
                    actions.append(Action(ActionName.EXPIRE))
            elif event in _EVENT_ACTION:
                actions.append(Action(_EVENT_ACTION[event]))
        return tuple(actions)

    # -- replay ----------------------------------------------------------------------------

    def replay(self, history: Iterable[HistoryRecord]) -> Dossier:
        """Rebuild a dossier by running its recorded operations again.

        Other dossiers are not touched: a certify record does not supersede the renewed dossier
        again, and a supersede record is applied to this dossier alone.
        """
        records = list(history)
        if not records or records[0].action != ActionName.REGISTER.value:
            raise InvalidInput("'history' must start with a 'register' record")
        first = records[0]
        reg: Mapping[str, Any] = first.details
        dossier = Dossier(
            product=reg["product"],
            producer=reg["producer"],
            sheet=reg["sheet"],
            location=Location(reg["province"], reg["district"], reg["commune"]),
            kind=DossierKind(reg["kind"]),
            submitted_on=first.on,
            regime=first.regime,
            reference=reg["reference"],
            renews=reg["renews"],
            history=[first],
        )
        for record in records[1:]:
            self._replay_one(dossier, record)
        return dossier

    def _replay_one(self, dossier: Dossier, record: HistoryRecord) -> None:
        args: dict[str, Any] = {"on": record.on, "actor": record.actor, "note": record.note}
        details = record.details
        action = ActionName(record.action)
        if action is ActionName.REVIEW_AT_COMMUNE:
            self.review_at_commune(dossier, passed=details["passed"], **args)
        elif action is ActionName.SCORE:
            cap = details.get("cap")
            value = details["score"] if cap is None else _Replayed(details["score"], cap)
            self.score(dossier, Level(details["level"]), value, **args)
        elif action is ActionName.CERTIFY:
            self._certify(
                dossier,
                record.on,
                details["number"],
                None,
                record.actor,
                record.note,
                supersede=False,
            )
        elif action is ActionName.REVOKE:
            self.revoke(dossier, reason=details["reason"], **args)
        elif action is ActionName.SUPERSEDE:
            self._step(
                dossier,
                Event.SUPERSEDE,
                action,
                record.on,
                record.actor,
                record.note,
                dict(details),
            )
        else:
            getattr(self, action.value)(dossier, **args)

    # -- machinery -------------------------------------------------------------------------

    def _step(
        self,
        dossier: Dossier,
        event: Event,
        action: ActionName,
        on: DateLike,
        actor: str | None,
        note: str | None,
        details: dict[str, Any],
    ) -> None:
        on_date = self._check(dossier, event, on, action.value)
        self._commit(dossier, event, action, on_date, actor, note, details)

    def _commit(
        self,
        dossier: Dossier,
        event: Event,
        action: ActionName,
        on: dt.date,
        actor: str | None,
        note: str | None,
        details: dict[str, Any],
    ) -> None:
        record = self._record(dossier, event, action, on, actor, note, details)
        self._machine.fire(dossier, event)
        dossier.history.append(record)

    def _check(self, dossier: Dossier, event: Event, on: DateLike, what: str) -> dt.date:
        """The operation's date, once the event is allowed now and the date is not in the past."""
        day = to_date(on)
        if not self._machine.allows(dossier.state, event):
            raise TransitionNotAllowed(
                f"cannot {what}: dossier is {dossier.state.value!r} "
                f"(allowed: {_listed(self.available_actions(dossier))})"
            )
        last = dossier.last_step_on
        if day < last:
            raise InvalidInput(f"'on' must not be before the previous step on {last} (got {day})")
        return day

    def _record(
        self,
        dossier: Dossier,
        event: Event,
        action: ActionName,
        on: dt.date,
        actor: str | None,
        note: str | None,
        details: dict[str, Any],
    ) -> HistoryRecord:
        for name, value in (("actor", actor), ("note", note)):
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{name!r} must be a string or None (got {value!r})")
        dest = self._machine.destination(dossier.state, event)
        return HistoryRecord(
            on, action.value, dossier.state, dest, self.ruleset.code, actor, note, details
        )

    def _pending_route(self, dossier: Dossier) -> Route | None:
        """The route of the latest score while the dossier waits in a scored state, else None."""
        for level, state in SCORED_STATE.items():
            if dossier.state is state:
                score = dossier.scores[level]
                return self.ruleset.route(level, score.value, score.stars)
        return None

    def _check_renewal(self, kind: DossierKind, renews: Dossier | None) -> str | None:
        if kind is DossierKind.FIRST_TIME:
            if renews is not None:
                raise InvalidInput(
                    f"'renews' must be None for a first-time dossier (got {renews!r})"
                )
            return None
        if not isinstance(renews, Dossier) or renews.certificate is None:
            raise InvalidInput(
                f"'renews' must be the certified dossier that a {kind.value} dossier renews "
                f"(got {renews!r})"
            )
        if renews.state not in (DossierState.CERTIFIED, DossierState.EXPIRED):
            raise TransitionNotAllowed(
                f"certificate {renews.certificate.number!r} cannot be renewed: its dossier is "
                f"{renews.state.value!r}"
            )
        return renews.certificate.number

    def _renewed_dossier(
        self, dossier: Dossier, renewed: Dossier | None, on: dt.date
    ) -> Dossier | None:
        if dossier.renews is None:
            if renewed is not None:
                raise InvalidInput(
                    f"'renewed' must be None: this dossier renews nothing (got {renewed!r})"
                )
            return None
        if renewed is None:
            raise InvalidInput(
                f"'renewed': pass the dossier of certificate {dossier.renews!r}, "
                "which this one renews"
            )
        number = renewed.certificate.number if renewed.certificate else None
        if number != dossier.renews:
            raise InvalidInput(
                f"'renewed' must hold certificate {dossier.renews!r} (got certificate {number!r})"
            )
        if not self._machine.allows(renewed.state, Event.SUPERSEDE):
            raise TransitionNotAllowed(
                f"certificate {number!r} cannot be superseded: its dossier is "
                f"{renewed.state.value!r}"
            )
        if on < renewed.last_step_on:
            raise InvalidInput(
                f"'on' must not be before the renewed dossier's last step {renewed.last_step_on} "
                f"(got {on})"
            )
        return renewed


@attrs.frozen
class _Replayed:
    """A recorded sheet score: its total and its star cap, for :meth:`Workflow.replay`."""

    total: float
    stars: int


def _score_value(score: object) -> tuple[float, int | None, object]:
    """The checked total, the star cap (sheet results only) and the result to keep."""
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        return check_score(score), None, None
    if isinstance(score, ScoreResult):
        stars = score.stars
        if isinstance(stars, bool) or stars not in range(1, 6):
            raise InvalidInput(f"'score.stars' must be 1-5 (got {stars!r})")
        return check_score(score.total, "score.total"), stars, score
    raise InvalidInput(
        f"'score' must be a number between 0 and 100 or a sheet result (got {score!r})"
    )


def _listed(actions: tuple[Action, ...]) -> str:
    return ", ".join(str(a) for a in actions) or "nothing"


E = TypeVar("E", bound=enum.Enum)


def _enum(cls: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``cls``, accepting the member or its string value."""
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise InvalidInput(f"{field!r} must be one of {allowed} (got {value!r})") from None
