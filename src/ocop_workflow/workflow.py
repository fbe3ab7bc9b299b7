"""The workflow: the operations that move a dossier through the OCOP process.

:class:`Workflow` is stateless apart from its rule set. Each operation validates everything first,
then fires one event on the shared state machine and records one :class:`HistoryRecord`; a failed
operation raises before anything changes, so the dossier is left exactly as it was.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import enum
import numbers
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol, SupportsFloat, runtime_checkable

import attrs

from ocop_workflow import rulesets
from ocop_workflow.dates import DateLike, to_date
from ocop_workflow.dossier import Certificate, Dossier, DossierKind, HistoryRecord, Location, Score
from ocop_workflow.errors import InvalidInput, OcopError, TransitionNotAllowed
from ocop_workflow.rules import (
    KnockOut,
    Level,
    RevocationReason,
    Route,
    RouteKind,
    RuleSet,
    check_score,
    enum_member,
)
from ocop_workflow.states import SCORED_STATE, DossierMachine, DossierState, Event

__all__ = ["Action", "ActionName", "ScoreResult", "Workflow"]


@runtime_checkable
class ScoreResult(Protocol):
    """A scoring-sheet or council result that :meth:`Workflow.score` accepts instead of a number.

    ``total`` is the score out of 100; ``minimum_stars`` the highest star whose per-star minimums
    are all met (facts page section 3). The regime in force bands the total with its own bands and
    rounding (section 2), then caps it at ``minimum_stars``: a result's own ``stars`` used default
    bands, which 1048's rounding may not share. When the result has ``answers`` (a sheet result)
    or ``members`` with ``answers`` (a council result, with its ``policy.minimums``), the score's
    history record keeps them as ``details["answers"]`` (one mapping per member) and
    ``details["agreement"]``, so that a stored dossier can show its result again
    (:func:`ocop_workflow.scoring.result_from_details`).
    """

    @property
    def total(self) -> float: ...

    @property
    def minimum_stars(self) -> int: ...


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
    EXTEND = "extend"
    KNOCK_OUT = "knock_out"


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
    Event.EXTEND: ActionName.EXTEND,
}


@attrs.frozen
class _Regime:
    """A rule set of the timeline with its shared machine."""

    rules: RuleSet
    machine: DossierMachine


class Workflow:
    """Drives dossiers through the OCOP process.

    Each operation applies the rule set in force on its date (facts page section 1): a dossier
    registered under one regime and still in flight when the next begins is finished under the
    new one, carrying over its scores (a district score of July 2025 goes on to the province), and
    each history record names the regime it ran under. ``timeline`` lists the regimes; by default
    it is :data:`ocop_workflow.rulesets.ALL`, with ``ruleset`` in place of the shipped regime of
    its code (a 26/2026 with tuned numbers applies from its effective date, as the shipped one);
    a rule set of another code applies on every date. Pass ``timeline=(ruleset,)`` to pin any
    rule set, as simulations of "what if these rules" do. ``ruleset`` is the workflow's reference
    regime (see :meth:`for_date`).

    All operations take their date explicitly (a ``datetime.date`` or an ISO string), plus an
    optional ``actor`` and ``note`` stored in the history. Nothing reads the clock.
    """

    __slots__ = ("_regimes", "_starts", "ruleset", "timeline")

    def __init__(self, ruleset: RuleSet, *, timeline: Iterable[RuleSet] | None = None) -> None:
        if not isinstance(ruleset, RuleSet):
            raise InvalidInput(f"'ruleset' must be a RuleSet (got {ruleset!r})")
        if timeline is None:
            shipped = any(ruleset.code == r.code for r in rulesets.ALL)
            timeline = rulesets.timeline_with(ruleset) if shipped else (ruleset,)
        chain = tuple(timeline)
        if not chain or not all(isinstance(r, RuleSet) for r in chain):
            raise InvalidInput(
                f"'timeline' must be a non-empty sequence of RuleSet (got {chain!r})"
            )
        if not any(ruleset is r for r in chain):
            raise InvalidInput(f"'timeline' must contain the workflow's rule set {ruleset.code}")
        starts = [r.effective_from for r in chain]
        if starts != sorted(set(starts)):
            raise InvalidInput(f"'timeline' must be in order of effective dates (got {starts})")
        self.ruleset = ruleset
        self.timeline = chain
        seen: list[Level] = []
        regimes = []
        for rules in chain:
            legacy = tuple(sorted(set(seen) - set(rules.scoring_levels), key=lambda lv: lv.rank))
            regimes.append(_Regime(rules, DossierMachine.get(rules.scoring_levels, legacy)))
            seen.extend(rules.scoring_levels)
        self._regimes = tuple(regimes)
        self._starts = tuple(starts)

    def __repr__(self) -> str:
        return f"Workflow({self.ruleset.code})"

    @classmethod
    def for_date(cls, on: DateLike) -> Workflow:
        """The workflow of the regime in force on ``on`` (it follows the shipped timeline)."""
        return cls(rulesets.in_force(to_date(on)))

    def rules_on(self, on: DateLike) -> RuleSet:
        """The rule set this workflow applies to an operation dated ``on``."""
        return self._regime(to_date(on)).rules

    def _regime(self, day: dt.date, field: str = "on") -> _Regime:
        regimes = self._regimes
        if len(regimes) == 1:  # a pinned rule set applies on every date
            return regimes[0]
        index = bisect.bisect_right(self._starts, day) - 1
        if index >= 0:
            return regimes[index]
        first = regimes[0].rules
        raise InvalidInput(
            f"{field!r} must be on or after {first.effective_from}, when {first.code} took effect "
            f"(got {day})"
        )

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
        kind = enum_member(DossierKind, kind, "kind")
        for value, field in ((reference, "reference"), (actor, "actor"), (note, "note")):
            _optional_text(value, field)
        regime = self._regime(on, "submitted_on")
        rules = regime.rules
        if Level.DISTRICT in rules.scoring_levels and district is None:
            raise InvalidInput(f"'district' is required under {rules.code} (got None)")
        renewed = self._check_renewal(kind, renews, on, rules)
        location = Location(province, district, commune)
        dossier = Dossier(
            product=product,
            producer=producer,
            sheet=sheet,
            location=location,
            kind=kind,
            submitted_on=on,
            regime=rules.code,
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
                rules.code,
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
        score: SupportsFloat | ScoreResult,
        *,
        on: DateLike,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        """Record a council's score at ``level`` (sections 2 and 4.3-4.5).

        ``score`` is the council's average (0-100, fractions allowed) or a scoring-sheet or council
        result (:mod:`ocop_workflow.scoring`): the regime's bands judge its ``total``, capped at its
        ``minimum_stars``; the dossier keeps it as ``dossier.scores[level].result``. Under 3 stars
        the dossier ends ``NOT_RECOGNISED``; otherwise it waits to be certified, or to be scored by
        the next level when the rule set forwards it.
        """
        _require_dossier(dossier)
        level = enum_member(Level, level, "level")
        value, cap, result = _score_value(score)
        sheet = getattr(result, "sheet_number", dossier.sheet)
        if sheet != dossier.sheet:
            raise InvalidInput(
                f"'score' comes from sheet {sheet!r}, but the dossier is on sheet {dossier.sheet}"
            )
        day = to_date(on)
        regime = self._regime(day)
        rules = regime.rules
        if result is not None:
            _check_parts(result, rules)
        route = rules.route(level, value, cap)  # also refuses a level this regime does not have
        pending = self._pending_route(dossier, rules)
        if pending is not None and (
            pending.kind is not RouteKind.FORWARD or pending.level is not level
        ):
            waiting = _waiting(dossier)
            assert waiting is not None  # a pending route comes from a waiting score
            raise TransitionNotAllowed(
                f"cannot score at {level.value!r}: the {waiting.level.value} score "
                f"{waiting.value:g} is not forwarded there ({pending.stars} stars, "
                f"{pending.kind.value} by the {pending.level.value if pending.level else '-'})"
            )
        event = (
            Event.reject(level) if route.kind is RouteKind.NOT_RECOGNISED else Event.score(level)
        )
        # ``_value_`` is the member's value without Enum's slower ``value`` descriptor (hot path).
        details: dict[str, Any] = {"level": level._value_, "score": value, "stars": route.stars}
        if cap is not None:
            details["cap"] = cap
            # Kept, so that a stored dossier can show its sheet or council result again.
            details.update(_recorded_answers(result))
        on_date, regime = self._check(dossier, event, day, ActionName.SCORE, level, regime)
        record = self._record(
            dossier, regime, event, ActionName.SCORE, on_date, actor, note, details
        )
        regime.machine.fire(dossier, event)
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
        renews a certificate supersedes it: pass that older dossier as ``renewed`` (a dossier keeps
        only the number of the certificate it renews). If that certificate was revoked or
        superseded meanwhile, it is left as it is.
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
        on_date, regime = self._check(dossier, Event.CERTIFY, on, ActionName.CERTIFY)
        rules = regime.rules
        route = self._pending_route(dossier, rules)
        if route is None or route.kind is not RouteKind.RECOGNISE or route.level is None:
            target = route.level.value if route and route.level else "the next level"
            raise TransitionNotAllowed(
                f"cannot certify in state {dossier.state.value!r}: the score must go on to {target}"
            )
        old = self._renewed_dossier(dossier, renewed, on_date, regime) if supersede else None
        certificate = Certificate(
            number, route.stars, route.level, on_date, rules.validity.expires_on(on_date)
        )
        details = {"number": number, "stars": route.stars, "level": route.level.value}
        record = self._record(
            dossier, regime, Event.CERTIFY, ActionName.CERTIFY, on_date, actor, note, details
        )
        if old is not None:
            old_record = self._record(
                old,
                regime,
                Event.SUPERSEDE,
                ActionName.SUPERSEDE,
                on_date,
                actor,
                note,
                {"by": number},
            )
            regime.machine.fire(old, Event.SUPERSEDE)
            old.history.append(old_record)
        regime.machine.fire(dossier, Event.CERTIFY)
        dossier.certificate = certificate
        dossier.history.append(record)
        return certificate

    def expire(
        self, dossier: Dossier, *, on: DateLike, actor: str | None = None, note: str | None = None
    ) -> None:
        """Mark the certificate expired, on or after its expiry date (section 4.7)."""
        on_date, regime = self._check(dossier, Event.EXPIRE, on, ActionName.EXPIRE)
        assert dossier.certificate is not None  # CERTIFIED always carries one
        if on_date < dossier.certificate.expires_on:
            raise TransitionNotAllowed(
                f"certificate {dossier.certificate.number!r} expires on "
                f"{dossier.certificate.expires_on}, its first day no longer valid "
                f"(got on={on_date})"
            )
        self._commit(dossier, regime, Event.EXPIRE, ActionName.EXPIRE, on_date, actor, note, {})

    def revoke(
        self,
        dossier: Dossier,
        *,
        reason: RevocationReason | str,
        on: DateLike,
        by: Level | str | None = None,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        """Revoke the certificate ("thu hồi") for one of the rule set's reasons (section 4.8).

        The level that revokes is the one that recognises the certificate's stars under the rules
        of the day: Decision 26/2026 says so (section 6: the province for 3 and 4 stars, the
        ministry for 5); for earlier regimes it is inferred (section 4.6: the level whose decision
        recognised the stars). The history records it as ``by``; ``by``, when given, must be it.
        """
        reason = enum_member(RevocationReason, reason, "reason")
        on_date, regime = self._check(dossier, Event.REVOKE, on, ActionName.REVOKE)
        rules = regime.rules
        if reason not in rules.revocation_reasons:
            allowed = sorted(r.value for r in rules.revocation_reasons)
            raise InvalidInput(
                f"'reason' {reason.value!r} is not a revocation ground under {rules.code} "
                f"(allowed: {', '.join(allowed)})"
            )
        assert dossier.certificate is not None  # CERTIFIED always carries one
        stars = dossier.certificate.stars
        revoker = rules.recognising_level(stars)
        if by is not None and Level.parse(by, "by") is not revoker:
            raise InvalidInput(
                f"'by' must be {revoker.value!r}: under {rules.code} the {revoker.value} level "
                f"revokes {stars}-star certificates (got {by!r})"
            )
        self._commit(
            dossier,
            regime,
            Event.REVOKE,
            ActionName.REVOKE,
            on_date,
            actor,
            note,
            {"reason": reason.value, "by": revoker._value_},
        )

    def knock_out(
        self,
        dossier: Dossier,
        *,
        ground: KnockOut | str,
        on: DateLike,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        """Reject a dossier in process outright on a knock-out ground (Decision 26/2026, section
        6: forged documents, no valid food-safety certificate); it ends ``REJECTED``."""
        ground = enum_member(KnockOut, ground, "ground")
        on_date, regime = self._check(dossier, Event.KNOCK_OUT, on, ActionName.KNOCK_OUT)
        rules = regime.rules
        if not rules.knockouts:
            raise TransitionNotAllowed(f"cannot knock out: {rules.code} provides no knock-outs")
        if ground not in rules.knockouts:
            allowed = ", ".join(sorted(k.value for k in rules.knockouts))
            raise InvalidInput(
                f"'ground' {ground.value!r} is not a knock-out under {rules.code} "
                f"(knock-outs: {allowed})"
            )
        details = {"ground": ground.value}
        self._commit(
            dossier, regime, Event.KNOCK_OUT, ActionName.KNOCK_OUT, on_date, actor, note, details
        )

    def withdraw(
        self, dossier: Dossier, *, on: DateLike, actor: str | None = None, note: str | None = None
    ) -> None:
        """The producer withdraws a dossier still in process."""
        self._step(dossier, Event.WITHDRAW, ActionName.WITHDRAW, on, actor, note, {})

    def extend(
        self,
        dossier: Dossier,
        *,
        until: DateLike,
        on: DateLike,
        actor: str | None = None,
        note: str | None = None,
    ) -> Certificate:
        """Extend a certificate whose re-evaluation window was missed (Decision 26/2026).

        Facts page section 6: up to the rule set's ``deadlines.extension_days`` (180) past the
        certificate's original expiry, to a date after ``on``. A certificate already marked
        expired can be extended within that limit too, and is certified again. Only regimes that
        provide for it allow it; whether the filing window was indeed missed is for the caller to
        judge. Returns the new certificate.
        """
        on_date, regime = self._check(dossier, Event.EXTEND, on, ActionName.EXTEND)
        new_end = to_date(until, "until")
        latest = self._extension_limit(dossier, regime.rules)
        if latest is None:
            raise TransitionNotAllowed(
                f"cannot extend: {regime.rules.code} provides no certificate extension"
            )
        certificate = dossier.certificate
        assert certificate is not None  # CERTIFIED and EXPIRED always carry one
        if on_date >= latest:
            raise TransitionNotAllowed(
                f"cannot extend: extensions of certificate {certificate.number!r} ended on "
                f"{latest} (got on={on_date})"
            )
        earliest = max(certificate.expires_on, on_date)
        if not earliest < new_end <= latest:
            raise InvalidInput(
                f"'until' must be after {earliest} and no later than {latest}, "
                f"{regime.rules.deadlines.extension_days} days past the original expiry "
                f"(got {new_end})"
            )
        extended = attrs.evolve(certificate, expires_on=new_end)
        self._commit(
            dossier,
            regime,
            Event.EXTEND,
            ActionName.EXTEND,
            on_date,
            actor,
            note,
            {"until": new_end.isoformat()},
        )
        dossier.certificate = extended
        return extended

    # -- queries ---------------------------------------------------------------------------

    def available_actions(self, dossier: Dossier, on: DateLike | None = None) -> tuple[Action, ...]:
        """What may happen next to ``dossier``, with no side effect.

        Given ``on``, date rules are applied too (a certificate cannot expire before its date,
        nothing may be dated before the latest step).
        """
        _require_dossier(dossier)
        day = None if on is None else to_date(on)
        if day is not None and day < dossier.last_step_on:
            return ()
        regime = self._regime(dossier.last_step_on if day is None else day)
        if self._overdue(dossier, regime.rules, day) is not None:
            return (Action(ActionName.WITHDRAW),)
        actions: list[Action] = []
        route = self._pending_route(dossier, regime.rules)
        for event in regime.machine.events_from(dossier.state):
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
            elif event is Event.EXTEND:
                latest = self._extension_limit(dossier, regime.rules)
                cert = dossier.certificate
                if (
                    latest is not None
                    and cert is not None
                    and max(cert.expires_on, day or cert.expires_on) < latest
                ):
                    actions.append(Action(ActionName.EXTEND))
            elif event is Event.KNOCK_OUT:
                if regime.rules.knockouts:
                    actions.append(Action(ActionName.KNOCK_OUT))
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
        for index, record in enumerate(records):
            if not isinstance(record, HistoryRecord):
                raise InvalidInput(
                    f"'history[{index}]' must be a HistoryRecord (got {type(record).__name__})"
                )
        if not records or records[0].action != ActionName.REGISTER.value:
            raise InvalidInput("'history' must start with a 'register' record")
        first = records[0]
        with _reading(first):
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
            with _reading(record):
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
            value = (
                details["score"]
                if cap is None
                else _Replayed(
                    details["score"], cap, {k: details[k] for k in _RECORDED if k in details}
                )
            )
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
        elif action is ActionName.KNOCK_OUT:
            self.knock_out(dossier, ground=details["ground"], **args)
        elif action is ActionName.EXTEND:
            self.extend(dossier, until=details["until"], **args)
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
        on_date, regime = self._check(dossier, event, on, action)
        self._commit(dossier, regime, event, action, on_date, actor, note, details)

    def _commit(
        self,
        dossier: Dossier,
        regime: _Regime,
        event: Event,
        action: ActionName,
        on: dt.date,
        actor: str | None,
        note: str | None,
        details: dict[str, Any],
    ) -> None:
        record = self._record(dossier, regime, event, action, on, actor, note, details)
        regime.machine.fire(dossier, event)
        dossier.history.append(record)

    def _check(
        self,
        dossier: Dossier,
        event: Event,
        on: DateLike,
        action: ActionName,
        level: Level | None = None,
        regime: _Regime | None = None,
    ) -> tuple[dt.date, _Regime]:
        """The operation's date and regime, once the event is allowed then and the date is not
        before the previous step nor past a transitional deadline. (The hot path: messages are
        only built on failure.)"""
        _require_dossier(dossier)
        day = to_date(on)
        last = dossier.last_step_on
        if day < last:
            raise InvalidInput(f"'on' must not be before the previous step on {last} (got {day})")
        if regime is None:
            regime = self._regime(day)
        if not regime.machine.allows(dossier.state, event):
            raise TransitionNotAllowed(
                f"cannot {_what(action, level)}: dossier is {dossier.state.value!r} "
                f"(allowed: {_listed(self.available_actions(dossier, day))})"
            )
        if event is not Event.WITHDRAW and dossier.regime != regime.rules.code:
            deadline = self._overdue(dossier, regime.rules, day)
            if deadline is not None:
                raise TransitionNotAllowed(
                    f"cannot {_what(action, level)}: a dossier registered under "
                    f"{dossier.regime} had to finish under {regime.rules.code} by {deadline} "
                    f"(got on={day}); it can be withdrawn"
                )
        return day, regime

    def evaluation_due(self, dossier: Dossier) -> dt.date | None:
        """The day by which a re-evaluation still in process must have been evaluated: its filing
        date plus the registering regime's ``deadlines.evaluation_days`` (Decision 26/2026,
        section 6: 45 days). ``None`` for other dossiers, regimes without the limit, or once the
        evaluation is over. The limit binds the councils, so it is reported, never enforced."""
        _require_dossier(dossier)
        if dossier.kind is not DossierKind.REEVALUATION or dossier.state not in _IN_PROCESS:
            return None
        days = self._regime(dossier.submitted_on).rules.deadlines.evaluation_days
        return None if days is None else dossier.submitted_on + dt.timedelta(days=days)

    def deadline(self, dossier: Dossier) -> dt.date | None:
        """The date by which a dossier in flight from an earlier regime must finish, if any.

        Decision 26/2026's transitional rule (facts page section 6): first-time and upgrade
        dossiers within 60 days of its start, re-evaluations within 30 (its rule set's
        ``deadlines``). ``None`` for dossiers registered under the current regime or finished.
        """
        _require_dossier(dossier)
        return self._transitional_deadline(dossier, self._latest_rules(dossier))

    def _latest_rules(self, dossier: Dossier) -> RuleSet:
        return self._regimes[-1].rules if len(self._regimes) > 1 else self._regimes[0].rules

    def _transitional_deadline(self, dossier: Dossier, rules: RuleSet) -> dt.date | None:
        if dossier.regime == rules.code or dossier.state not in _IN_PROCESS:
            return None
        limits = rules.deadlines
        days = (
            limits.finish_reevaluation_days
            if dossier.kind is DossierKind.REEVALUATION
            else limits.finish_first_time_days
        )
        return None if days is None else rules.effective_from + dt.timedelta(days=days)

    def _overdue(self, dossier: Dossier, rules: RuleSet, day: dt.date | None) -> dt.date | None:
        """The passed transitional deadline of ``dossier`` on ``day``, else None."""
        if day is None:
            return None
        deadline = self._transitional_deadline(dossier, rules)
        return deadline if deadline is not None and day > deadline else None

    def _record(
        self,
        dossier: Dossier,
        regime: _Regime,
        event: Event,
        action: ActionName,
        on: dt.date,
        actor: str | None,
        note: str | None,
        details: dict[str, Any],
    ) -> HistoryRecord:
        _optional_text(actor, "actor")
        _optional_text(note, "note")
        dest = regime.machine.destination(dossier.state, event)
        return HistoryRecord(
            on, action._value_, dossier.state, dest, regime.rules.code, actor, note, details
        )

    def _pending_route(self, dossier: Dossier, rules: RuleSet) -> Route | None:
        """Where the latest score leads under ``rules``, while the dossier waits in a scored
        state; else None.

        A score given at a level ``rules`` no longer has (the district after July 2025) is judged
        as it was given: if it was forwarded, the next level that still exists scores the dossier;
        if it was to be recognised, the level that now recognises its stars certifies it.
        """
        waiting = _waiting(dossier)
        if waiting is None:
            return None
        if waiting.level in rules.scoring_levels:
            return rules.route(waiting.level, waiting.value, waiting.stars)
        then = self._regime(waiting.on).rules
        route = then.route(waiting.level, waiting.value, waiting.stars)
        if route.kind is RouteKind.FORWARD:
            above = next(lv for lv in rules.scoring_levels if lv.rank > waiting.level.rank)
            return Route(RouteKind.FORWARD, route.stars, above)
        return Route(route.kind, route.stars, rules.recognising_level(route.stars))

    def _check_renewal(
        self, kind: DossierKind, renews: Dossier | None, on: dt.date, rules: RuleSet
    ) -> str | None:
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
        certificate = renews.certificate
        if renews.state not in (DossierState.CERTIFIED, DossierState.EXPIRED):
            raise TransitionNotAllowed(
                f"certificate {certificate.number!r} cannot be renewed: its dossier is "
                f"{renews.state.value!r}"
            )
        window = rules.deadlines.reevaluation_window
        if kind is DossierKind.REEVALUATION and window is not None:
            # Decision 26/2026 (section 6): filed 180 to 120 days before the expiry.
            opens = certificate.expires_on - dt.timedelta(days=window[0])
            closes = certificate.expires_on - dt.timedelta(days=window[1])
            if not opens <= on <= closes:
                raise InvalidInput(
                    f"'submitted_on' of a re-evaluation must fall between {opens} and {closes} "
                    f"under {rules.code}, {window[0]} to {window[1]} days before certificate "
                    f"{certificate.number!r} expires on {certificate.expires_on} (got {on})"
                )
        return certificate.number

    def _extension_limit(self, dossier: Dossier, rules: RuleSet) -> dt.date | None:
        """The latest end an extension may give the dossier's certificate under ``rules``: the
        original expiry plus ``extension_days`` (section 6); None without either."""
        days = rules.deadlines.extension_days
        certificate = dossier.certificate
        if days is None or certificate is None:
            return None
        issued = certificate.issued_on
        original = self._regime(issued).rules.validity.expires_on(issued)
        return original + dt.timedelta(days=days)

    def _renewed_dossier(
        self, dossier: Dossier, renewed: Dossier | None, on: dt.date, regime: _Regime
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
        if not regime.machine.allows(renewed.state, Event.SUPERSEDE):
            # Revoked or already superseded while this dossier was evaluated: there is nothing
            # left to replace, and the new evaluation stands on its own.
            return None
        if on < renewed.last_step_on:
            raise InvalidInput(
                f"'on' must not be before the renewed dossier's last step {renewed.last_step_on} "
                f"(got {on})"
            )
        return renewed


_IN_PROCESS = frozenset(
    {
        DossierState.REGISTERED,
        DossierState.RETURNED,
        DossierState.COMMUNE_REVIEWED,
        *SCORED_STATE.values(),
    }
)


def _waiting(dossier: Dossier) -> Score | None:
    """The score a dossier in a scored state waits on, else None."""
    for level, state in SCORED_STATE.items():
        if dossier.state is state:
            return dossier.scores[level]
    return None


@attrs.frozen
class _Replayed:
    """A recorded sheet score (total, star cap, kept answers), for :meth:`Workflow.replay`."""

    total: float
    minimum_stars: int
    kept: Mapping[str, Any]
    """The record's details about the result behind the score (see :func:`_recorded_answers`)."""


_RECORDED = ("answers", "agreement")
"""The details a score record keeps about the sheet or council result behind it."""


def _recorded_answers(result: object) -> dict[str, Any]:
    """What a score's history record keeps of a sheet or council result: the answers, one
    mapping per council member (a council result's ``members``, or a sheet result's own
    ``answers``), and a council's ``policy.minimums`` as ``agreement``. Nothing for results that
    carry no answers."""
    if isinstance(result, _Replayed):
        return dict(result.kept)
    members = getattr(result, "members", None)
    sets: list[dict[str, int | None]] = []
    for source in [result] if members is None else list(members):
        answers = getattr(source, "answers", None)
        if not isinstance(answers, Mapping):
            return {}
        sets.append(dict(answers))
    kept: dict[str, Any] = {"answers": sets}
    agreement = getattr(getattr(result, "policy", None), "minimums", None)
    if isinstance(agreement, enum.Enum):
        kept["agreement"] = agreement.value
    return kept


def _check_parts(result: object, rules: RuleSet) -> None:
    """A sheet result must come from a sheet of the regime's parts (1048: A 35, B 25, C 40; 148
    and later: A 40, B 25, C 35; facts page sections 1 and 3); unchecked where none are set."""
    expected = rules.part_maxima
    sheet_parts = getattr(getattr(result, "sheet", None), "part_maxima", None)
    if expected is not None and isinstance(sheet_parts, Mapping) and sheet_parts != expected:
        raise InvalidInput(
            f"'score' comes from a sheet with parts {_parts_text(sheet_parts)}, but {rules.code} "
            f"sheets have {_parts_text(expected)}"
        )


def _parts_text(parts: Mapping[str, float]) -> str:
    return ", ".join(f"{letter} {points:g}" for letter, points in sorted(parts.items()))


def _score_value(score: object) -> tuple[float, int | None, object]:
    """The checked total, the star cap (sheet results only) and the result to keep."""
    if isinstance(score, int | float | numbers.Real) and not isinstance(score, bool):
        return check_score(score), None, None
    if isinstance(score, ScoreResult):
        stars = score.minimum_stars
        if isinstance(stars, bool) or stars not in range(1, 6):
            raise InvalidInput(f"'score.minimum_stars' must be 1-5 (got {stars!r})")
        return check_score(score.total, "score.total"), stars, score
    raise InvalidInput(
        f"'score' must be a number between 0 and 100 or a sheet result (got {score!r})"
    )


def _require_dossier(dossier: object) -> None:
    if not isinstance(dossier, Dossier):
        raise InvalidInput(f"'dossier' must be a Dossier (got {type(dossier).__name__})")


@contextlib.contextmanager
def _reading(record: HistoryRecord) -> Iterator[None]:
    """Replaying ``record``: a detail missing or of the wrong kind is an :class:`InvalidInput`."""
    try:
        yield
    except OcopError:
        raise
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidInput(
            f"'history' record {record.action!r} of {record.on} is malformed "
            f"({type(error).__name__}: {error} in its details)"
        ) from None


def _optional_text(value: object, field: str) -> None:
    """Free text fields (actor, note, reference) are a string or None: they are stored as given."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{field!r} must be a string or None (got {value!r})")


def _what(action: ActionName, level: Level | None) -> str:
    return action.value if level is None else f"{action.value} at {level.value!r}"


def _listed(actions: tuple[Action, ...]) -> str:
    return ", ".join(str(a) for a in actions) or "nothing"
