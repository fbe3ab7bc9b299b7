"""Queries over a portfolio: any iterable of dossiers, as an app loads them from its database.

Who must be told that a certificate expires (facts page section 4.6: at least 30 days before;
:func:`notices_due` for notices not yet sent), which revocations an inspection made due
(:func:`revocations_due`), one :func:`agenda` of every dated obligation,
who may file a re-evaluation now (section 6), which certificates have lapsed without being marked,
the cohorts by recognition year (the seed's 2019 and 2020 products), and counts in the shape of
the seed plan's appendix. All functions take ``as_of`` explicitly; nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

import attrs

from ocop_workflow import rulesets
from ocop_workflow.agenda import Agenda, AgendaRow, Due, agenda_rows
from ocop_workflow.dates import DateLike, to_date, up_to
from ocop_workflow.dossier import Dossier
from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.rounds import RoundSchedule
from ocop_workflow.rules import RevocationReason, RuleSet
from ocop_workflow.states import HOLDING_STATES, DossierState
from ocop_workflow.validators import instances, whole
from ocop_workflow.workflow import Workflow
from ocop_workflow.workflow.inspections import notice_sent, open_finding

__all__ = [
    "Agenda",
    "AgendaRow",
    "Due",
    "ExpiryReport",
    "NoticeDue",
    "RevocationDue",
    "agenda",
    "by_district",
    "by_stars",
    "by_state",
    "cohorts",
    "evaluations_overdue",
    "expire_due",
    "expiring_within",
    "filing_window",
    "in_reevaluation_window",
    "notices_due",
    "past_expiry",
    "revocations_due",
]


def _dossiers(dossiers: Iterable[Dossier]) -> list[Dossier]:
    """``dossiers`` as a list, each checked: a query over something else names what it got."""
    return instances(dossiers, Dossier, "dossiers")


def _workflow(workflow: Workflow | None, as_of: dt.date) -> Workflow:
    """The given workflow, or that of the regime in force on ``as_of``."""
    if workflow is not None:
        if not isinstance(workflow, Workflow):
            raise InvalidInput(f"'workflow' must be a Workflow or None (got {workflow!r})")
        return workflow
    first = rulesets.ALL[0]
    if as_of < first.effective_from:
        raise InvalidInput(rulesets.before_first_regime("as_of", as_of, first))
    return Workflow.for_date(as_of)


def _certified(dossiers: Iterable[Dossier]) -> list[Dossier]:
    """The dossiers holding a certificate: certified, or certified while forwarded (section 8)."""
    return [d for d in _dossiers(dossiers) if d.state in HOLDING_STATES and d.certificate]


def _expiry(dossier: Dossier) -> dt.date:
    assert dossier.certificate is not None
    return dossier.certificate.expires_on


def expiring_within(dossiers: Iterable[Dossier], days: int, as_of: DateLike) -> list[Dossier]:
    """Certified dossiers whose certificate expires within ``days`` after ``as_of``, soonest
    first: with ``days=30``, the list of holders to notify (section 4.6)."""
    days = whole(days, "days", 0)
    day = to_date(as_of, "as_of")
    until = up_to(day, days)
    return sorted((d for d in _certified(dossiers) if day < _expiry(d) <= until), key=_expiry)


def past_expiry(dossiers: Iterable[Dossier], as_of: DateLike) -> list[Dossier]:
    """Certificates past their expiry on ``as_of`` whose dossier is not yet marked expired."""
    day = to_date(as_of, "as_of")
    return sorted((d for d in _certified(dossiers) if _expiry(d) <= day), key=_expiry)


def filing_window(on: dt.date, rules: RuleSet | None = None) -> tuple[int, int]:
    """The re-evaluation filing window of ``rules`` (default: the regime in force ``on``), in days
    before expiry (26/2026: 180 to 120); :class:`InvalidInput` if the regime has none."""
    if rules is not None and not isinstance(rules, RuleSet):
        raise InvalidInput(f"'rules' must be a RuleSet or None (got {rules!r})")
    rules = rules or rulesets.in_force(on)
    window = rules.deadlines.reevaluation_window
    if window is None:
        raise InvalidInput(f"'rules' {rules.code} sets no re-evaluation filing window")
    return window


def in_reevaluation_window(
    dossiers: Iterable[Dossier], as_of: DateLike, rules: RuleSet | None = None
) -> list[Dossier]:
    """Certified dossiers that may file their re-evaluation on ``as_of``.

    The window is that of ``rules`` (default: the regime in force on ``as_of``); Decision 26/2026
    sets 180 to 120 days before expiry. :class:`InvalidInput` if the regime has no window.
    """
    day = to_date(as_of, "as_of")
    earliest, latest = filing_window(day, rules)
    return sorted(
        (
            d
            for d in _certified(dossiers)
            if _expiry(d) - dt.timedelta(days=earliest)
            <= day
            <= _expiry(d) - dt.timedelta(days=latest)
        ),
        key=_expiry,
    )


def evaluations_overdue(
    dossiers: Iterable[Dossier], as_of: DateLike, workflow: Workflow | None = None
) -> list[Dossier]:
    """Re-evaluations still in process on ``as_of`` past their evaluation limit (Decision
    26/2026, section 6: 45 days from filing; :meth:`Workflow.evaluation_due`), longest overdue
    first: the councils' to-do list."""
    day = to_date(as_of, "as_of")
    workflow = _workflow(workflow, day)
    due = [(workflow.evaluation_due(d), d) for d in _dossiers(dossiers)]
    late = [(when, d) for when, d in due if when is not None and when < day]
    return [d for _, d in sorted(late, key=lambda pair: pair[0])]


@attrs.frozen
class ExpiryReport:
    """What :func:`expire_due` did: the dossiers it expired and those it could not, with why."""

    as_of: dt.date
    expired: tuple[Dossier, ...]
    failed: tuple[tuple[Dossier, str], ...]

    def __str__(self) -> str:
        lines = [f"{len(self.expired)} certificates expired as of {self.as_of}"]
        lines += [
            f"  {d.certificate.number if d.certificate else '?'}: {why}" for d, why in self.failed
        ]
        return "\n".join(lines)


def expire_due(
    dossiers: Iterable[Dossier], as_of: DateLike, workflow: Workflow | None = None
) -> ExpiryReport:
    """Mark expired every certificate past its expiry on ``as_of``, each dated on its expiry day.

    A dossier the workflow refuses is left unchanged and reported with the reason.
    """
    day = to_date(as_of, "as_of")
    workflow = _workflow(workflow, day)
    expired: list[Dossier] = []
    failed: list[tuple[Dossier, str]] = []
    for dossier in past_expiry(dossiers, day):
        try:
            workflow.expire(dossier, on=max(_expiry(dossier), dossier.last_step_on), note="bulk")
        except OcopError as error:
            failed.append((dossier, str(error)))
        else:
            expired.append(dossier)
    return ExpiryReport(day, tuple(expired), tuple(failed))


def cohorts(dossiers: Iterable[Dossier]) -> dict[int, list[Dossier]]:
    """Dossiers with a certificate, by the year it was recognised, years in order."""
    groups: dict[int, list[Dossier]] = {}
    for d in _dossiers(dossiers):
        if d.certificate is not None:
            groups.setdefault(d.certificate.issued_on.year, []).append(d)
    return dict(sorted(groups.items()))


def by_district(dossiers: Iterable[Dossier]) -> Counter[tuple[str | None, str]]:
    """Counts by (district, dossier kind): the shape of the seed's appendix (new / re-evaluation
    per district)."""
    return Counter((d.district, d.kind.value) for d in _dossiers(dossiers))


def by_state(dossiers: Iterable[Dossier]) -> Counter[DossierState]:
    """Counts by current state."""
    return Counter(d.state for d in _dossiers(dossiers))


def by_stars(dossiers: Iterable[Dossier]) -> Counter[int]:
    """Certificates held (state ``CERTIFIED`` or ``CERTIFIED_FORWARDED``), by stars. No date is
    checked: run :func:`expire_due` first to leave out certificates past their expiry."""
    return Counter(d.certificate.stars for d in _certified(dossiers) if d.certificate)


@attrs.frozen
class NoticeDue:
    """A certificate whose expiry notice is due and not sent: the last day for it
    (``notice_by``), the expiry, and whether the day has passed on the query's date."""

    dossier: Dossier = attrs.field(eq=False)
    notice_by: dt.date
    expires_on: dt.date
    overdue: bool


def notices_due(
    dossiers: Iterable[Dossier],
    as_of: DateLike,
    *,
    days: int = 0,
    workflow: Workflow | None = None,
) -> list[NoticeDue]:
    """Certified dossiers whose expiry notice (section 4.6: at least 30 days before expiry,
    :meth:`Workflow.notice_due`) falls due on or before ``as_of`` plus ``days`` and has not been
    sent (:meth:`Workflow.notify_expiry`), while the certificate is still valid; soonest first."""
    days = whole(days, "days", 0)
    day = to_date(as_of, "as_of")
    workflow = _workflow(workflow, day)
    until = up_to(day, days)
    due = []
    for d in _certified(dossiers):
        notice_by = workflow.notice_due(d)
        end = _expiry(d)
        if notice_by is not None and notice_by <= until and day < end and notice_sent(d) is None:
            due.append(NoticeDue(d, notice_by, end, day > notice_by))
    return sorted(due, key=lambda n: n.notice_by)


@attrs.frozen
class RevocationDue:
    """A certificate an inspection found a revocation ground against, not yet revoked: the
    inspection's date, the grounds, the end of the limit (``None`` where the regime sets none)
    and whether it has passed on the query's date."""

    dossier: Dossier = attrs.field(eq=False)
    inspected_on: dt.date
    grounds: tuple[RevocationReason, ...]
    revoke_by: dt.date | None
    overdue: bool


def revocations_due(dossiers: Iterable[Dossier], as_of: DateLike) -> list[RevocationDue]:
    """Certified dossiers with an inspection finding on or before ``as_of`` that is a revocation
    ground (section 4.8; :meth:`Workflow.inspect`), most pressing first: overdue and dated limits
    (26/2026, section 6: 15 days from the finding) by their end, then those without a limit."""
    day = to_date(as_of, "as_of")
    due = []
    for d in _certified(dossiers):
        finding = open_finding(d)
        if finding is not None and finding.inspected_on <= day:
            by = finding.revoke_by
            due.append(
                RevocationDue(
                    d, finding.inspected_on, finding.grounds, by, by is not None and day > by
                )
            )
    return sorted(
        due, key=lambda r: (r.revoke_by is None, r.revoke_by or dt.date.max, r.inspected_on)
    )


def agenda(
    dossiers: Iterable[Dossier],
    *,
    start: DateLike,
    end: DateLike,
    schedule: RoundSchedule | Iterable[RoundSchedule] | None = None,
    workflow: Workflow | None = None,
) -> Agenda:
    """Every dated obligation from ``start`` to ``end`` (both included), by date: expiry notices
    not yet sent, expiries, re-evaluation windows opening and closing, evaluation, commune-check
    and transitional deadlines, revocations due, and the cut-offs and rounds of ``schedule`` (one
    :class:`RoundSchedule` or several). Rows have ``.on``, ``.dossier``, ``.what`` (a
    :class:`Due`), ``.level`` (who is responsible) and ``.detail``; ``.to_frame()`` and
    ``.to_ical()`` give a DataFrame (``sim`` extra) and an iCalendar file (``calendar``)."""
    first, last = to_date(start, "start"), to_date(end, "end")
    if last < first:
        raise InvalidInput(f"'end' must not be before 'start' {first} (got {last})")
    if schedule is None:
        schedules: list[RoundSchedule] = []
    elif isinstance(schedule, RoundSchedule):
        schedules = [schedule]
    else:
        schedules = instances(schedule, RoundSchedule, "schedule")
    chosen = _workflow(workflow, max(first, rulesets.ALL[0].effective_from))
    return agenda_rows(chosen, _dossiers(dossiers), schedules, first, last)
