"""The workflow: the operations that move a dossier through the OCOP process.

:class:`Workflow` is stateless apart from its timeline of rule sets. Each operation validates
everything first, then fires one event on the shared state machine and records one
:class:`HistoryRecord`; a failed operation raises before anything changes, so the dossier is left
exactly as it was. Operations on one dossier hold that dossier's lock, so that two threads cannot
both move it from the same state.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, SupportsFloat

import attrs

from ocop_workflow import rulesets
from ocop_workflow.checklists import Check, judge_review
from ocop_workflow.dates import DateLike, add_days, to_date
from ocop_workflow.dossier import (
    SHEET_NUMBERS,
    Certificate,
    Dossier,
    DossierKind,
    HistoryRecord,
    Location,
    Score,
)
from ocop_workflow.errors import InvalidInput, TransitionNotAllowed
from ocop_workflow.rules import KnockOut, Level, RevocationReason, Route, RouteKind, RuleSet
from ocop_workflow.states import HOLDING_STATES, SCORED_STATE, DossierState, Event
from ocop_workflow.validators import boolean, instance, member, optional_text, shown, text, whole
from ocop_workflow.workflow import deadlines
from ocop_workflow.workflow.actions import OFFERED, Action, ActionName
from ocop_workflow.workflow.inspections import (
    Aspect,
    Finding,
    aspects_of,
    cited_inspection,
    findings_of,
    grounds_on,
)
from ocop_workflow.workflow.results import (
    ScoreResult,
    check_parts,
    check_session,
    kept_details,
    score_value,
)
from ocop_workflow.workflow.timeline import Regime, Timeline

if TYPE_CHECKING:
    from ocop_workflow.access import AccessPolicy, Actor
    from ocop_workflow.scoring import ScoringSheet

__all__ = ["Workflow"]


class Step(NamedTuple):
    """One operation about to happen, once every check has passed: what its history record and
    the state machine need."""

    on: dt.date
    regime: Regime
    event: Event
    action: ActionName
    actor: str | None
    note: str | None
    details: dict[str, Any]

    def record(self, state: DossierState) -> HistoryRecord:
        """The history record of this step taken from ``state``."""
        dest = self.regime.machine.destination(state, self.event)
        return HistoryRecord(
            self.on,
            self.action._value_,  # the member's value without Enum's slower descriptor
            state,
            dest,
            self.regime.rules.code,
            self.actor,
            self.note,
            self.details,
        )


_new_step = tuple.__new__

_STRIPES = tuple(threading.RLock() for _ in range(64))
"""Locks shared out among dossiers by identity: one operation at a time on a dossier, with no
lock object stored on it (dossiers stay plain data, and two dossiers rarely share a stripe)."""


class Issue(NamedTuple):
    """The certificate a dossier would be issued now: by which event, its stars and the level."""

    event: Event
    stars: int
    level: Level


def _locked(dossier: Dossier) -> threading.RLock:
    """The lock of ``dossier`` (the hot path: a C context manager, nothing allocated)."""
    return _STRIPES[(id(dossier) >> 4) & 63]


@contextlib.contextmanager
def _both_locked(first: Dossier, second: Dossier | None) -> Iterator[None]:
    """Hold the locks of two dossiers, always taken in the same order (no deadlock)."""
    stripes = sorted({(id(d) >> 4) & 63 for d in (first, second) if d is not None})
    with contextlib.ExitStack() as stack:
        for index in stripes:
            stack.enter_context(_STRIPES[index])
        yield


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
    optional ``actor`` and ``note`` stored in the history. Nothing reads the clock. Operations
    may be called from several threads: those on one dossier take turns (see the README).

    With ``policy`` (an :class:`~ocop_workflow.access.AccessPolicy`), every operation takes
    ``actor=`` an :class:`~ocop_workflow.access.Actor` and refuses, with
    :class:`~ocop_workflow.errors.PermissionDenied`, one the policy does not allow; locations
    are then checked against the official units. Without a policy, ``units=True`` checks them
    (:mod:`ocop_workflow.units`, the ``units`` extra), and stores their official names.
    """

    __slots__ = ("_policy", "_timeline", "_units", "policy", "ruleset", "timeline", "units")

    def __init__(
        self,
        ruleset: RuleSet,
        *,
        timeline: Iterable[RuleSet] | None = None,
        policy: AccessPolicy | None = None,
        units: bool | None = None,
    ) -> None:
        self._timeline = Timeline(ruleset, timeline)
        self.ruleset = ruleset
        self.timeline = self._timeline.rules
        if policy is not None:
            from ocop_workflow.access import AccessPolicy

            instance(policy, AccessPolicy, "policy")
            policy.covers(self.timeline)
        checking = policy is not None if units is None else boolean(units, "units")
        if policy is not None and not checking:
            raise InvalidInput("'units' must be True with an access policy (got False)")
        self._policy = self.policy = policy
        self._units = self.units = checking

    def __repr__(self) -> str:
        return f"Workflow({self.ruleset.code})"

    @classmethod
    def for_date(cls, on: DateLike) -> Workflow:
        """The workflow of the regime in force on ``on`` (it follows the shipped timeline)."""
        return cls(rulesets.in_force(to_date(on)))

    def rules_on(self, on: DateLike) -> RuleSet:
        """The rule set this workflow applies to an operation dated ``on``."""
        return self._timeline.at(to_date(on)).rules

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
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> Dossier:
        """File a new dossier with the commune (facts page section 4.1).

        An upgrade or re-evaluation ``renews`` the dossier whose certificate it replaces (certified
        or expired); that certificate becomes superseded when the new one is issued.
        """
        on = to_date(submitted_on, "submitted_on")
        kind = member(DossierKind, kind, "kind")
        if kind is DossierKind.FIRST_TIME:
            if renews is not None:
                raise InvalidInput(
                    f"'renews' must be None for a first-time dossier (got {shown(renews)})"
                )
            number = None
        else:
            if not isinstance(renews, Dossier) or renews.certificate is None:
                raise InvalidInput(
                    f"'renews' must be the certified dossier that a {kind.value} dossier renews "
                    f"(got {shown(renews)})"
                )
            with _locked(renews):
                if self._policy is not None:
                    self._policy.renewing(renews, actor)
                number = self._check_renewal(kind, renews, on)
        return self._file(
            product=product,
            sheet=sheet,
            producer=producer,
            location=(province, district, commune),
            on=on,
            kind=kind,
            renews=number,
            reference=reference,
            actor=actor,
            note=note,
        )

    def _file(
        self,
        *,
        product: object,
        sheet: object,
        producer: object,
        location: tuple[object, object, object],
        on: dt.date,
        kind: DossierKind,
        renews: str | None,
        reference: object,
        actor: object,
        note: object,
    ) -> Dossier:
        """A new dossier and its register record, every rule of :meth:`register` applied (replay
        files recorded dossiers through here too)."""
        regime = self._timeline.at(on, "submitted_on")
        rules = regime.rules
        province, district, commune = location
        if district is None and Level.DISTRICT in rules.scoring_levels:
            raise InvalidInput(f"'district' is required under {rules.code} (got None)")
        if kind is not DossierKind.FIRST_TIME and renews is None:
            raise InvalidInput(f"'renews' is required for a {kind.value} dossier (got None)")
        name, owner = text(product, "product"), text(producer, "producer")
        number = whole(sheet, "sheet", SHEET_NUMBERS[0], SHEET_NUMBERS[-1])
        where = Location(
            text(province, "province"),
            None if district is None else text(district, "district"),
            text(commune, "commune"),
        )
        if self._units:
            from ocop_workflow.units import checked

            where = checked(where, on)
        ref = optional_text(reference, "reference")
        details: dict[str, Any] = {
            "product": name,
            "producer": owner,
            "sheet": number,
            "province": where.province,
            "district": where.district,
            "commune": where.commune,
            "kind": kind.value,
            "reference": ref,
            "renews": renews,
        }
        if self._policy is not None:
            actor, details["actor"] = self._policy.registering(actor, where, on)
        record = HistoryRecord(
            on,
            ActionName.REGISTER.value,
            None,
            DossierState.REGISTERED,
            rules.code,
            optional_text(actor, "actor"),
            optional_text(note, "note"),
            details,
        )
        dossier = Dossier(
            product=name,
            producer=owner,
            sheet=number,
            location=where,
            kind=kind,
            submitted_on=on,
            regime=rules.code,
            reference=ref,
            renews=renews,
        )
        dossier.history.append(record)
        return dossier

    def review_at_commune(
        self,
        dossier: Dossier,
        *,
        passed: bool | None = None,
        on: DateLike,
        items: Mapping[Any, bool | Check] | None = None,
        contents: Mapping[Any, bool | int] | None = None,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> tuple[str, ...]:
        """The commune's check (section 4.2): pass it on, or return it for completion.

        ``items`` maps each check item of the regime (``rules.commune_checks``, a ``CheckItem``
        or its value; section 8: 148's four, 1489 and later also the dossier's format) to passed,
        failed, or a :class:`~ocop_workflow.checklists.Check` with a note; ``contents`` says what
        the dossier holds (each ``ContentItem`` of ``rules.dossier_contents`` held or not,
        ``samples`` in units). Any failed item or missing content returns the dossier, and the
        history says which. A plain
        ``passed=`` records the outcome alone. Returns what failed (empty when it passes).
        """
        if items is None and contents is None:  # the plain review (the hot path)
            passed = boolean(passed, "passed")
            event = Event.PASS_COMMUNE if passed else Event.RETURN
            with _locked(dossier):
                self._step(
                    dossier,
                    event,
                    ActionName.REVIEW_AT_COMMUNE,
                    on,
                    actor,
                    note,
                    {"passed": passed},
                )
            return ()
        _require_dossier(dossier)
        day = to_date(on)
        with _locked(dossier):
            rules = self._timeline.at(day).rules
            review = judge_review(
                code=rules.code,
                sheet=dossier.sheet,
                expected=rules.commune_checks,
                contents_rule=rules.dossier_contents,
                passed=passed,
                items=items,
                contents=contents,
            )
            event = Event.PASS_COMMUNE if review.passed else Event.RETURN
            self._step(
                dossier, event, ActionName.REVIEW_AT_COMMUNE, day, actor, note, review.details
            )
        return review.failed

    def resubmit(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> None:
        """The producer files the completed dossier again after the commune returned it."""
        details: dict[str, Any] = {}
        with _locked(dossier):
            self._step(dossier, Event.RESUBMIT, ActionName.RESUBMIT, on, actor, note, details)

    def score(
        self,
        dossier: Dossier,
        level: Level | str,
        score: SupportsFloat | ScoreResult,
        *,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> None:
        """Record a council's score at ``level`` (sections 2 and 4.3-4.5).

        ``score`` is the council's average (any real number from 0 to 100, fractions allowed) or
        a scoring-sheet or council result (:class:`ScoreResult`, from :mod:`ocop_workflow.scoring`):
        the regime's bands judge its ``total``, capped at its ``minimum_stars``; the dossier keeps
        it as ``dossier.scores[level].result``. Under 3 stars the dossier ends
        ``NOT_RECOGNISED``; otherwise it waits to be certified, or to be scored by the next level
        when the rule set forwards it. A level the regime of the day does not have is
        :class:`TransitionNotAllowed`, like any other wrong level.

        A dossier that holds a certificate while forwarded (``CERTIFIED_FORWARDED``, Decision
        1048) waits for the top level's certificate when the score reaches that level's stars;
        otherwise it becomes ``CERTIFIED`` with the certificate it holds, whatever the score.
        """
        _require_dossier(dossier)
        if type(level) is not Level:
            level = member(Level, level, "level")
        if type(score) is float and 0.0 <= score <= 100.0:  # the hot path: a checked number
            value, cap, result = score, None, None
        else:
            value, cap, result = score_value(score, dossier.sheet)
        day = to_date(on)
        with _locked(dossier):
            regime = self._timeline.at(day)
            rules = regime.rules
            limit = cap
            if result is not None:
                check_parts(result, rules)
                check_session(result, level, day)
                if rules.minimums_from is not None and day < rules.minimums_from:
                    limit = None  # section 8: no per-star minimums before Decision 781
            if level not in rules.scoring_levels:
                raise TransitionNotAllowed(
                    f"cannot score at {level.value!r}: it does not score under {rules.code} "
                    f"(scoring levels: {', '.join(lv.value for lv in rules.scoring_levels)})"
                )
            route = rules.route(level, value, limit)
            pending = self._pending_route(dossier, rules)
            if pending is not None and (
                pending.kind is not RouteKind.FORWARD or pending.level is not level
            ):
                waiting = _waiting(dossier)
                assert waiting is not None  # a pending route comes from a waiting score
                if dossier.state is DossierState.CERTIFIED_FORWARDED:
                    raise TransitionNotAllowed(
                        f"cannot score at {level.value!r}: the {waiting.level.value} council has "
                        f"scored {waiting.value:g} ({pending.stars} stars); the dossier waits for "
                        "that level's certificate (certify)"
                    )
                raise TransitionNotAllowed(
                    f"cannot score at {level.value!r}: the {waiting.level.value} score "
                    f"{waiting.value:g} is not forwarded there ({pending.stars} stars, "
                    f"{pending.kind.value} by the {pending.level.value if pending.level else '-'})"
                )
            event = (
                Event.reject(level)
                if route.kind is RouteKind.NOT_RECOGNISED
                else Event.score(level)
            )
            if dossier.state is DossierState.CERTIFIED_FORWARDED and (
                route.kind is not RouteKind.RECOGNISE or route.level is not level
            ):
                # Section 8 (1048): a score short of this level's stars leaves the dossier with
                # the certificate it holds.
                event = Event.KEEP_CERTIFICATE
            details: dict[str, Any] = {"level": level._value_, "score": value, "stars": route.stars}
            if result is not None:
                details["cap"] = cap
                # Kept, so that a stored dossier can show its sheet or council result again.
                details.update(kept_details(result))
            step = self._checked(
                dossier, event, day, ActionName.SCORE, actor, note, details, level, regime
            )
            self._commit(dossier, step)
            dossier.scores[level] = Score(level, value, route.stars, step.on, result)

    def certify(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        number: str,
        renewed: Dossier | None = None,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> Certificate:
        """Issue the certificate of the recognition decision (section 4.6) and return it.

        The issuing level is the one that recognises the stars of the latest score. Where the rule
        set says so (:attr:`LevelRule.certifies_forwarded`, Decision 1048's province, section 8),
        a forwarded score may be certified first at that level's highest stars, and the dossier
        holds that certificate (``CERTIFIED_FORWARDED``) until the top level scores; the top
        level's certificate then replaces it. A dossier that renews a certificate supersedes it:
        pass that older dossier as ``renewed`` to every certify (a dossier keeps only the number
        of the certificate it renews). A held certificate supersedes it unless it has more stars
        (then the top level's certificate does); if it was revoked or superseded meanwhile, it is
        left as it is.
        """
        _require_dossier(dossier)
        if renewed is not None:
            instance(renewed, Dossier, "renewed")
        with _locked(dossier) if renewed is None else _both_locked(dossier, renewed):
            return self._certify(dossier, on, number, renewed, actor, note, supersede=True)

    def _certify(
        self,
        dossier: Dossier,
        on: DateLike,
        number: object,
        renewed: Dossier | None,
        actor: str | Actor | None,
        note: str | None,
        *,
        supersede: bool,
    ) -> Certificate:
        number = text(number, "number")
        details: dict[str, Any] = {"number": number}
        step = self._checked(dossier, Event.CERTIFY, on, ActionName.CERTIFY, actor, note, details)
        rules = step.regime.rules
        issue = self._issue(dossier, rules)
        if issue is None:
            route = self._pending_route(dossier, rules)
            target = route.level.value if route and route.level else "the next level"
            raise TransitionNotAllowed(
                f"cannot certify in state {dossier.state.value!r}: the score must go on to {target}"
            )
        event, stars, level = issue
        if event is not Event.CERTIFY:
            step = step._replace(event=event)
        held = stars if event is Event.CERTIFY_FORWARDED else None
        old = self._renewed_dossier(dossier, renewed, step, held) if supersede else None
        certificate = Certificate(number, stars, level, step.on, rules.validity.expires_on(step.on))
        details.update(stars=stars, level=level._value_)
        record = step.record(dossier.state)
        if old is not None:  # both records are made before either dossier changes
            by: dict[str, Any] = {"by": number}
            if "actor" in details:  # the certifying actor, recorded on the superseded dossier
                by["actor"] = details["actor"]
            superseding = step._replace(
                event=Event.SUPERSEDE, action=ActionName.SUPERSEDE, details=by
            )
            old_record = superseding.record(old.state)
            step.regime.machine.fire(old, Event.SUPERSEDE)
            old.history.append(old_record)
        step.regime.machine.fire(dossier, event)
        dossier.history.append(record)
        dossier.certificate = certificate
        return certificate

    def expire(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> None:
        """Mark the certificate expired, on or after its expiry date (section 4.7)."""
        details: dict[str, Any] = {}
        with _locked(dossier):
            step = self._checked(dossier, Event.EXPIRE, on, ActionName.EXPIRE, actor, note, details)
            assert dossier.certificate is not None  # CERTIFIED always carries one
            if step.on < dossier.certificate.expires_on:
                raise TransitionNotAllowed(
                    f"certificate {dossier.certificate.number!r} expires on "
                    f"{dossier.certificate.expires_on}, its first day no longer valid "
                    f"(got on={step.on})"
                )
            self._commit(dossier, step)

    def revoke(
        self,
        dossier: Dossier,
        *,
        reason: RevocationReason | str,
        on: DateLike,
        by: Level | str | None = None,
        inspection: DateLike | None = None,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> None:
        """Revoke the certificate ("thu hồi") for one of the rule set's reasons (section 4.8).

        "Not re-evaluated" applies only on or after the certificate's expiry, and an expired
        certificate can be revoked on that ground (section 8: Đồng Tháp revoked 41 of them);
        every other ground needs a certificate still valid on ``on``. ``inspection``, the date of
        an inspection of this certificate that found ``reason``, is cited in the history.

        The level that revokes is the one that recognises the certificate's stars under the rules
        of the day: Decision 26/2026 says so (section 6: the province for 3 and 4 stars, the
        ministry for 5); for earlier regimes it is inferred (section 4.6: the level whose decision
        recognised the stars). The history records it as ``by``; ``by``, when given, must be it.
        """
        reason = member(RevocationReason, reason, "reason")
        given = None if by is None else member(Level, by, "by")
        with _locked(dossier):
            details: dict[str, Any] = {"reason": reason.value}
            step = self._checked(dossier, Event.REVOKE, on, ActionName.REVOKE, actor, note, details)
            rules = step.regime.rules
            if reason not in rules.revocation_reasons:
                allowed = sorted(r.value for r in rules.revocation_reasons)
                raise InvalidInput(
                    f"'reason' {reason.value!r} is not a revocation ground under {rules.code} "
                    f"(allowed: {', '.join(allowed)})"
                )
            certificate = dossier.certificate
            assert certificate is not None  # a state the event leaves always carries one
            if reason not in grounds_on(dossier, rules, step.on):
                when = (
                    "only on or after its expiry"
                    if reason is RevocationReason.NOT_REEVALUATED
                    else "only while it is valid"
                )
                raise TransitionNotAllowed(
                    f"cannot revoke for {reason.value!r}: certificate {certificate.number!r} "
                    f"expires on {certificate.expires_on} and may be revoked on that ground "
                    f"{when} (got on={step.on})"
                )
            if inspection is not None:
                details["inspection"] = cited_inspection(dossier, inspection, reason)
            stars = certificate.stars
            revoker = rules.recognising_level(stars)
            if given is not None and given is not revoker:
                raise InvalidInput(
                    f"'by' must be {revoker.value!r}: under {rules.code} the {revoker.value} "
                    f"level revokes {stars}-star certificates (got {given.value!r})"
                )
            details["by"] = revoker._value_
            self._commit(dossier, step)

    def inspect(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        findings: Iterable[Finding | RevocationReason | str] = (),
        checked: Iterable[Aspect | str] | None = None,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> tuple[RevocationReason, ...]:
        """Record an inspection of a certified product (section 4.8); its state does not change.

        ``checked`` says what was inspected (every :class:`Aspect` by default: quality,
        labelling, food safety, use of the OCOP mark, production still running); ``findings``
        are the revocation grounds found (a ground, or a ``Finding(ground, note)``; empty when
        clean). Those that are grounds of the regime of the day are returned, and under a regime
        with a revocation limit (26/2026, section 6: 15 days, unconfirmed) the history records
        the day by which the revocation is due (see ``portfolio.revocations_due``).
        """
        found = findings_of(findings)
        aspects = aspects_of(checked)
        with _locked(dossier):
            details: dict[str, Any] = {
                "checked": [a.value for a in aspects],
                "findings": [{"ground": f.ground.value, "note": f.note} for f in found],
            }
            step = self._checked(
                dossier, Event.INSPECT, on, ActionName.INSPECT, actor, note, details
            )
            certificate = dossier.certificate
            assert certificate is not None  # a state the event leaves always carries one
            if not certificate.valid_on(step.on):
                raise TransitionNotAllowed(
                    f"cannot inspect: certificate {certificate.number!r} expired on "
                    f"{certificate.expires_on} (got on={step.on})"
                )
            rules = step.regime.rules
            grounds = tuple(
                dict.fromkeys(f.ground for f in found if f.ground in rules.revocation_reasons)
            )
            days = rules.deadlines.revocation_days
            details["grounds"] = [g.value for g in grounds]
            details["revoke_by"] = (
                add_days(step.on, days, "revoke_by").isoformat() if grounds and days else None
            )
            self._commit(dossier, step)
        return grounds

    def notify_expiry(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> bool:
        """Record that the issuing level notified the holder of the certificate's expiry.

        Section 4.6: at least ``Validity.notice_days`` (30) before the expiry, by the terms of
        the regime that issued it; a later notice is recorded as late. None is possible once the
        certificate has expired. Returns whether the notice was on time.
        """
        with _locked(dossier):
            details: dict[str, Any] = {}
            step = self._checked(
                dossier, Event.NOTIFY_EXPIRY, on, ActionName.NOTIFY_EXPIRY, actor, note, details
            )
            certificate = dossier.certificate
            assert certificate is not None  # a state the event leaves always carries one
            if step.on >= certificate.expires_on:
                raise TransitionNotAllowed(
                    f"cannot notify expiry: certificate {certificate.number!r} expired on "
                    f"{certificate.expires_on} (got on={step.on})"
                )
            notice_by = self.notice_due(dossier)
            assert notice_by is not None
            on_time = step.on <= notice_by
            details.update(
                expires_on=certificate.expires_on.isoformat(),
                notice_by=notice_by.isoformat(),
                late=not on_time,
            )
            self._commit(dossier, step)
        return on_time

    def knock_out(
        self,
        dossier: Dossier,
        *,
        ground: KnockOut | str,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> None:
        """Reject a dossier in process outright on a knock-out ground (Decision 26/2026, section
        6: forged documents, no valid food-safety certificate); it ends ``REJECTED``."""
        ground = member(KnockOut, ground, "ground")
        with _locked(dossier):
            details: dict[str, Any] = {"ground": ground.value}
            step = self._checked(
                dossier, Event.KNOCK_OUT, on, ActionName.KNOCK_OUT, actor, note, details
            )
            rules = step.regime.rules
            if not rules.knockouts:
                raise TransitionNotAllowed(f"cannot knock out: {rules.code} provides no knock-outs")
            if ground not in rules.knockouts:
                allowed = ", ".join(sorted(k.value for k in rules.knockouts))
                raise InvalidInput(
                    f"'ground' {ground.value!r} is not a knock-out under {rules.code} "
                    f"(knock-outs: {allowed})"
                )
            self._commit(dossier, step)

    def withdraw(
        self,
        dossier: Dossier,
        *,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> None:
        """The producer withdraws a dossier still in process; one holding a certificate while
        forwarded (Decision 1048, section 8) leaves the top level's evaluation and is
        ``CERTIFIED`` with the certificate it holds."""
        details: dict[str, Any] = {}
        with _locked(dossier):
            self._step(dossier, Event.WITHDRAW, ActionName.WITHDRAW, on, actor, note, details)

    def extend(
        self,
        dossier: Dossier,
        *,
        until: DateLike,
        on: DateLike,
        actor: str | Actor | None = None,
        note: str | None = None,
    ) -> Certificate:
        """Extend a certificate whose re-evaluation window was missed (Decision 26/2026).

        Facts page section 6: up to the rule set's ``deadlines.extension_days`` (180) past the
        certificate's original expiry, to a date after ``on``. A certificate already marked
        expired can be extended within that limit too, and is certified again. Only regimes that
        provide for it allow it, and only once the filing window has closed (120 days before the
        original expiry under 26/2026); whether a re-evaluation was nevertheless filed elsewhere
        is for the caller to judge. Returns the new certificate.
        """
        new_end = to_date(until, "until")
        with _locked(dossier):
            details: dict[str, Any] = {"until": new_end.isoformat()}
            step = self._checked(dossier, Event.EXTEND, on, ActionName.EXTEND, actor, note, details)
            rules = step.regime.rules
            latest = self._extension_limit(dossier, rules)
            if latest is None:
                raise TransitionNotAllowed(
                    f"cannot extend: {rules.code} provides no certificate extension"
                )
            certificate = dossier.certificate
            assert certificate is not None  # a state the event leaves always carries one
            if step.on >= latest:
                raise TransitionNotAllowed(
                    f"cannot extend: extensions of certificate {certificate.number!r} ended on "
                    f"{latest} (got on={step.on})"
                )
            opens = self._extension_opens(dossier, rules)
            if opens is not None and step.on < opens:
                raise TransitionNotAllowed(
                    f"cannot extend: certificate {certificate.number!r} may still be re-evaluated "
                    f"(its filing window closes the day before {opens}; got on={step.on})"
                )
            earliest = max(certificate.expires_on, step.on)
            if not earliest < new_end <= latest:
                raise InvalidInput(
                    f"'until' must be after {earliest} and no later than {latest}, "
                    f"{rules.deadlines.extension_days} days past the original expiry "
                    f"(got {new_end})"
                )
            extended = attrs.evolve(certificate, expires_on=new_end)
            self._commit(dossier, step)
            dossier.certificate = extended
            return extended

    # -- queries ---------------------------------------------------------------------------

    def available_actions(
        self, dossier: Dossier, on: DateLike | None = None, *, actor: Actor | None = None
    ) -> tuple[Action, ...]:
        """What may happen next to ``dossier``, with no side effect.

        Given ``on``, date rules are applied too (a certificate cannot expire before its date,
        nothing may be dated before the latest step, no certificate whose expiry would leave the
        calendar). Given ``actor`` (with an access policy), only what that actor may do. Every
        action offered succeeds when performed with valid arguments (by that actor).
        """
        _require_dossier(dossier)
        day = None if on is None else to_date(on)
        with _locked(dossier):
            actions = self._available(dossier, day)
            if actor is None:
                return actions
            if self._policy is None:
                raise InvalidInput(
                    f"'actor' needs a workflow with an access policy (got {shown(actor)})"
                )
            return self._policy.offered(self, dossier, actions, day, actor)

    def _available(self, dossier: Dossier, day: dt.date | None) -> tuple[Action, ...]:
        if day is not None and day < dossier.last_step_on:
            return ()
        when = dossier.last_step_on if day is None else day
        regime = self._timeline.at(when)
        rules = regime.rules
        late = deadlines.overdue(dossier, rules, day) is not None
        route = self._pending_route(dossier, rules)
        certificate = dossier.certificate
        actions: list[Action] = []
        for event in regime.machine.events_from(dossier.state):
            action = OFFERED.get(event)
            if action is None:
                continue
            name = action.name
            if late and deadlines.blocks(dossier, name):
                offered = False
            elif name is ActionName.SCORE:
                offered = dossier.state is DossierState.COMMUNE_REVIEWED or (
                    route is not None
                    and route.kind is RouteKind.FORWARD
                    and route.level is action.level
                )
            elif name is ActionName.CERTIFY:
                issue = self._issue(dossier, rules)
                offered = (
                    issue is not None and issue.event is event and _within_calendar(rules, when)
                )
            elif name is ActionName.EXPIRE:
                offered = day is None or (certificate is not None and day >= certificate.expires_on)
            elif name is ActionName.EXTEND:
                latest = _quietly(lambda: self._extension_limit(dossier, rules))
                opens = _quietly(lambda: self._extension_opens(dossier, rules))
                offered = (
                    latest is not None
                    and certificate is not None
                    and max(certificate.expires_on, when) < latest
                    and when < latest
                    and (opens is None or when >= opens)
                )
            elif name is ActionName.KNOCK_OUT:
                offered = bool(rules.knockouts)
            elif name is ActionName.REVOKE:
                offered = bool(grounds_on(dossier, rules, day))
            elif name is ActionName.INSPECT or name is ActionName.NOTIFY_EXPIRY:
                offered = day is None or (certificate is not None and day < certificate.expires_on)
            else:
                offered = True
            if offered:
                actions.append(action)
        return tuple(actions)

    def evaluation_due(self, dossier: Dossier) -> dt.date | None:
        """The day by which a re-evaluation still in process must have been evaluated: its filing
        date plus the registering regime's ``deadlines.evaluation_days`` (Decision 26/2026,
        section 6: 45 days). ``None`` for other dossiers, regimes without the limit, or once the
        evaluation is over. The limit binds the councils, so it is reported, never enforced."""
        _require_dossier(dossier)
        if (
            dossier.kind is not DossierKind.REEVALUATION
            or dossier.state not in deadlines.IN_PROCESS
        ):
            return None
        days = self._timeline.at(dossier.submitted_on).rules.deadlines.evaluation_days
        return None if days is None else add_days(dossier.submitted_on, days, "evaluation_due")

    def notice_due(self, dossier: Dossier) -> dt.date | None:
        """The last day for the expiry notice of a certified dossier's certificate: its expiry
        less the issuing regime's ``validity.notice_days`` (section 4.6: 30 days). ``None`` for a
        dossier without a certificate in force."""
        _require_dossier(dossier)
        certificate = dossier.certificate
        if certificate is None or dossier.state not in HOLDING_STATES:
            return None
        days = self._timeline.at(certificate.issued_on).rules.validity.notice_days
        return add_days(certificate.expires_on, -days, "notice_by")

    def deadline(self, dossier: Dossier) -> dt.date | None:
        """The date by which a dossier in flight from an earlier regime must finish, if any.

        Decision 26/2026's transitional rule (facts page section 6): first-time and upgrade
        dossiers within 60 days of its start, re-evaluations within 30 (its rule set's
        ``deadlines``). ``None`` for dossiers registered under the current regime or finished.
        """
        _require_dossier(dossier)
        return deadlines.transitional_deadline(dossier, self._timeline.latest)

    # -- replay ----------------------------------------------------------------------------

    def replay(
        self,
        history: Iterable[HistoryRecord],
        *,
        sheets: Mapping[int, ScoringSheet] | None = None,
    ) -> Dossier:
        """Rebuild a dossier by running its recorded operations again, each record checked.

        Every record must be what the live operation records: the register record through every
        rule of :meth:`register` (the regime in force that day, no unknown detail), each later
        one from the state the one before ended in, under the regime of its date, with the same
        details. A score that kept its members' answers is evaluated again on its sheet (from
        ``sheets``, a mapping of sheet number to sheet, else the shipped sheet of that number)
        and must give the recorded total and star cap. Other dossiers are not touched: a certify
        record does not supersede the renewed dossier again. A refusal is an
        :class:`InvalidInput` naming the record (index, action, date) and the field.
        """
        from ocop_workflow.workflow.replay import replay

        return replay(self, history, sheets)

    # -- machinery -------------------------------------------------------------------------

    def _step(
        self,
        dossier: Dossier,
        event: Event,
        action: ActionName,
        on: DateLike,
        actor: str | Actor | None,
        note: str | None,
        details: dict[str, Any],
    ) -> None:
        self._commit(dossier, self._checked(dossier, event, on, action, actor, note, details))

    @staticmethod
    def _commit(dossier: Dossier, step: Step) -> None:
        record = step.record(dossier.state)
        step.regime.machine.fire(dossier, step.event)
        dossier.history.append(record)

    def _checked(
        self,
        dossier: Dossier,
        event: Event,
        on: DateLike,
        action: ActionName,
        actor: str | Actor | None,
        note: str | None,
        details: dict[str, Any],
        level: Level | None = None,
        regime: Regime | None = None,
    ) -> Step:
        """The step of an operation, once the event is allowed on its date and the date is not
        before the previous step nor past a transitional deadline; ``regime``, when the caller
        has it, is the one of ``on``. (The hot path: messages are only built on failure.)"""
        _require_dossier(dossier)
        day = to_date(on)
        if self._policy is not None and action is not ActionName.SUPERSEDE:
            # Who may, refused before anything changes (a supersession follows the renewal's
            # certification, whose actor was checked).
            actor, details["actor"] = self._policy.permit(self, dossier, action, day, actor, level)
        elif actor is not None and type(actor) is not str:
            actor = optional_text(actor, "actor")
        if note is not None and type(note) is not str:
            optional_text(note, "note")
        last = dossier.last_step_on
        if day < last:
            raise InvalidInput(f"'on' must not be before the previous step on {last} (got {day})")
        if regime is None:
            regime = self._timeline.at(day)
        if not regime.machine.allows(dossier.state, event):
            raise TransitionNotAllowed(
                f"cannot {_what(action, level)}: dossier is {dossier.state.value!r} "
                f"(allowed: {_listed(self._available(dossier, day))})"
            )
        if dossier.regime != regime.rules.code and deadlines.blocks(dossier, action):
            deadline = deadlines.overdue(dossier, regime.rules, day)
            if deadline is not None:
                raise TransitionNotAllowed(
                    f"cannot {_what(action, level)}: a dossier registered under "
                    f"{dossier.regime} had to finish under {regime.rules.code} by {deadline} "
                    f"(got on={day}); it can be withdrawn"
                )
        # tuple.__new__: a NamedTuple's own constructor costs four times as much (hot path).
        return _new_step(Step, (day, regime, event, action, actor, note, details))

    def _pending_route(self, dossier: Dossier, rules: RuleSet) -> Route | None:
        """Where the latest score leads under ``rules``, while the dossier waits in a scored
        state (or holds a certificate while forwarded); else None.

        A score given at a level ``rules`` no longer has (the district after July 2025) is judged
        as it was given: if it was forwarded, the next level that still exists scores the dossier;
        if it was to be recognised, the level that now recognises its stars certifies it. A
        forwarded score whose certificate is held stays forwarded, to the top level.
        """
        waiting = _waiting(dossier)
        if waiting is None:
            return None
        if dossier.state is DossierState.CERTIFIED_FORWARDED:
            top = rules.scoring_levels[-1]
            if waiting.level is not top:
                return Route(RouteKind.FORWARD, waiting.stars, top)
        if waiting.level in rules.scoring_levels:
            return rules.route(waiting.level, waiting.value, waiting.stars)
        then = self._timeline.at(waiting.on).rules
        route = then.route(waiting.level, waiting.value, waiting.stars)
        if route.kind is RouteKind.FORWARD:
            above = next(lv for lv in rules.scoring_levels if lv.rank > waiting.level.rank)
            return Route(RouteKind.FORWARD, route.stars, above)
        return Route(route.kind, route.stars, rules.recognising_level(route.stars))

    def _issue(self, dossier: Dossier, rules: RuleSet) -> Issue | None:
        """The certificate a dossier would be issued now under ``rules`` (its event, stars and
        issuing level), or None: the level that recognises the pending score's stars, or, for a
        score forwarded by a level that certifies what it forwards, that level at its highest
        stars (section 8)."""
        route = self._pending_route(dossier, rules)
        if route is None:
            return None
        if route.kind is RouteKind.RECOGNISE:
            assert route.level is not None  # a recognition names its level
            return Issue(Event.CERTIFY, route.stars, route.level)
        held = rules.held_level
        if (
            route.kind is RouteKind.FORWARD
            and held is not None
            and dossier.state is SCORED_STATE[held]
        ):
            stars = rules.rule_for(held).held_stars
            assert stars is not None  # the held level certifies what it forwards
            return Issue(Event.CERTIFY_FORWARDED, stars, held)
        return None

    def _check_renewal(self, kind: DossierKind, renews: Dossier, on: dt.date) -> str:
        rules = self._timeline.at(on, "submitted_on").rules
        certificate = renews.certificate
        assert certificate is not None  # checked by register
        if renews.state not in HOLDING_STATES and renews.state is not DossierState.EXPIRED:
            raise TransitionNotAllowed(
                f"certificate {certificate.number!r} cannot be renewed: its dossier is "
                f"{renews.state.value!r}"
            )
        window = rules.deadlines.reevaluation_window
        if kind is DossierKind.REEVALUATION and window is not None:
            # Decision 26/2026 (section 6): filed 180 to 120 days before the expiry.
            opens = add_days(certificate.expires_on, -window[0], "submitted_on")
            closes = add_days(certificate.expires_on, -window[1], "submitted_on")
            if not opens <= on <= closes:
                raise InvalidInput(
                    f"'submitted_on' of a re-evaluation must fall between {opens} and {closes} "
                    f"under {rules.code}, {window[0]} to {window[1]} days before certificate "
                    f"{certificate.number!r} expires on {certificate.expires_on} (got {on})"
                )
        return certificate.number

    def _extension_opens(self, dossier: Dossier, rules: RuleSet) -> dt.date | None:
        certificate = dossier.certificate
        if certificate is None:
            return None
        issuing = self._timeline.at(certificate.issued_on).rules
        return deadlines.extension_opens(dossier, rules, issuing)

    def _extension_limit(self, dossier: Dossier, rules: RuleSet) -> dt.date | None:
        certificate = dossier.certificate
        if certificate is None:
            return None
        issuing = self._timeline.at(certificate.issued_on).rules
        return deadlines.extension_limit(dossier, rules, issuing)

    def _renewed_dossier(
        self, dossier: Dossier, renewed: Dossier | None, step: Step, held: int | None = None
    ) -> Dossier | None:
        """The dossier ``step``'s certificate supersedes: ``renewed``, checked to be the one
        ``dossier`` renews; None if there is none, or nothing left to replace, or (``held``: the
        stars of a certificate held while forwarded) it would be downgraded."""
        if dossier.renews is None:
            if renewed is not None:
                raise InvalidInput(
                    f"'renewed' must be None: this dossier renews nothing (got {shown(renewed)})"
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
        if not step.regime.machine.allows(renewed.state, Event.SUPERSEDE):
            # Revoked or already superseded while this dossier was evaluated: there is nothing
            # left to replace, and the new evaluation stands on its own.
            return None
        if held is not None and renewed.certificate and renewed.certificate.stars > held:
            # A held certificate must not downgrade the one renewed (a five-star product
            # re-evaluated, section 8): the top level's certificate will supersede it.
            return None
        if step.on < renewed.last_step_on:
            raise InvalidInput(
                f"'on' must not be before the renewed dossier's last step {renewed.last_step_on} "
                f"(got {step.on})"
            )
        return renewed


def _waiting(dossier: Dossier) -> Score | None:
    """The score a dossier in a scored state waits on (holding a certificate while forwarded: the
    latest score, of the highest level), else None."""
    for level, state in SCORED_STATE.items():
        if dossier.state is state:
            return dossier.scores[level]
    if dossier.state is DossierState.CERTIFIED_FORWARDED:
        return max(dossier.scores.values(), key=lambda score: score.level.rank, default=None)
    return None


def _within_calendar(rules: RuleSet, day: dt.date) -> bool:
    """Whether a certificate issued on ``day`` would expire within the calendar."""
    return _quietly(lambda: rules.validity.expires_on(day)) is not None


def _quietly(compute: Any) -> Any:
    """``compute()``, or None where its dates leave the calendar."""
    try:
        return compute()
    except InvalidInput:
        return None


def _require_dossier(dossier: object) -> None:
    if not isinstance(dossier, Dossier):
        raise InvalidInput(f"'dossier' must be a Dossier (got {type(dossier).__name__})")


def _what(action: ActionName, level: Level | None) -> str:
    return action.value if level is None else f"{action.value} at {level.value!r}"


def _listed(actions: tuple[Action, ...]) -> str:
    return ", ".join(str(a) for a in actions) or "nothing"
