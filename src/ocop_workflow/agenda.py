"""One agenda of everything due: what an OCOP office reads every Monday morning.

Every dated obligation a portfolio implies within a window, each with its date, its dossier, what
is due and the level responsible: expiry notices not yet sent (facts page section 4.6: at least
30 days before expiry), expiries, re-evaluation filing windows opening and closing (section 6:
180 to 120 days before expiry under 26/2026), evaluation limits (45 days) and commune checks
(15 working days), transitional deadlines, revocations due after an inspection's finding (15
days), and the cut-offs and sessions of round schedules. Plain rows; a pandas DataFrame with the
``sim`` extra and an iCalendar file with the ``calendar`` extra. Nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

import attrs

from ocop_workflow.calendar import commune_check_deadline
from ocop_workflow.dates import add_days
from ocop_workflow.dossier import Dossier
from ocop_workflow.errors import InvalidInput
from ocop_workflow.labels import Labelled
from ocop_workflow.rounds import RoundSchedule
from ocop_workflow.rules import Level
from ocop_workflow.states import HOLDING_STATES, DossierState
from ocop_workflow.workflow import Workflow
from ocop_workflow.workflow.deadlines import IN_PROCESS
from ocop_workflow.workflow.inspections import notice_sent, open_finding

if TYPE_CHECKING:
    import pandas

__all__ = ["Agenda", "AgendaRow", "Due", "agenda_rows"]


class Due(Labelled, enum.Enum):
    """What falls due on an agenda row, in the order rows of one day are listed."""

    REVOCATION = "revocation"
    TRANSITIONAL_DEADLINE = "transitional_deadline"
    EVALUATION = "evaluation"
    COMMUNE_CHECK = "commune_check"
    NOTICE = "notice"
    EXPIRY = "expiry"
    REEVALUATION_OPENS = "reevaluation_opens"
    REEVALUATION_CLOSES = "reevaluation_closes"
    ROUND_CUTOFF = "round_cutoff"
    ROUND = "round"


_ORDER = {due: index for index, due in enumerate(Due)}


@attrs.frozen
class AgendaRow:
    """One obligation: on ``on``, ``what`` is due for ``dossier`` (``None`` for a round), the
    ``level`` responsible, and a short ``detail`` (a certificate number, a round)."""

    on: dt.date
    what: Due
    level: Level
    dossier: Dossier | None = attrs.field(eq=attrs.cmp_using(eq=operator.is_), hash=False)
    detail: str = ""


def _uid_key(row: AgendaRow) -> str:
    d = row.dossier
    if d is None:
        return row.detail
    if d.certificate is not None:
        return d.certificate.number
    return d.reference or f"{d.product}-{d.submitted_on:%Y%m%d}"


@attrs.frozen
class Agenda(Sequence[AgendaRow]):
    """The rows from ``start`` to ``end`` (both included), by date."""

    start: dt.date
    end: dt.date
    rows: tuple[AgendaRow, ...]

    @overload
    def __getitem__(self, index: int) -> AgendaRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[AgendaRow]: ...

    def __getitem__(self, index: int | slice) -> AgendaRow | Sequence[AgendaRow]:
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[AgendaRow]:
        return iter(self.rows)

    def __str__(self) -> str:
        table = [("date", "due", "level", "dossier", "detail")]
        for r in self.rows:
            product = "" if r.dossier is None else r.dossier.product
            table.append((r.on.isoformat(), r.what.en, r.level.value, product, r.detail))
        widths = [max(len(row[i]) for row in table) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def to_frame(self) -> pandas.DataFrame:
        """The rows as a DataFrame (``sim`` extra): on, what, label, level, product, producer,
        province, commune, certificate, detail."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "agenda DataFrames need the 'sim' extra: pip install \"ocop-workflow[sim]\""
            ) from None
        columns = ("on", "what", "label", "level", "product", "producer", "province", "commune")
        records = []
        for r in self.rows:
            d = r.dossier
            records.append(
                {
                    "on": pandas.Timestamp(r.on),
                    "what": r.what.value,
                    "label": r.what.en,
                    "level": r.level.value,
                    "product": None if d is None else d.product,
                    "producer": None if d is None else d.producer,
                    "province": None if d is None else d.province,
                    "commune": None if d is None else d.commune,
                    "certificate": None
                    if d is None or d.certificate is None
                    else d.certificate.number,
                    "detail": r.detail,
                }
            )
        return pandas.DataFrame.from_records(records, columns=[*columns, "certificate", "detail"])

    def to_ical(self, path: str | Path | None = None, *, name: str = "OCOP") -> bytes:
        """The rows as all-day events of an iCalendar file (``calendar`` extra), written to
        ``path`` when given; the bytes are returned either way."""
        try:
            import icalendar
        except ImportError:
            raise ImportError(
                "iCalendar export needs the 'calendar' extra: "
                'pip install "ocop-workflow[calendar]"'
            ) from None
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//ocop-workflow//agenda//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", f"{name} {self.start} - {self.end}")
        stamp = dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC)
        seen: set[str] = set()
        for r in self.rows:
            uid = f"{name}-{r.what.value}-{r.on:%Y%m%d}-{_uid_key(r)}"
            while uid in seen:
                uid += "+"
            seen.add(uid)
            event = icalendar.Event()
            event.add("uid", f"{uid}@ocop")
            product = "" if r.dossier is None else f" {r.dossier.product}"
            event.add("summary", f"{name}: {r.what.en}{product} ({r.level.value})")
            if r.detail:
                event.add("description", r.detail)
            event.add("dtstart", r.on)
            event.add("dtend", r.on + dt.timedelta(days=1))
            event.add("dtstamp", stamp)
            calendar.add_component(event)
        data: bytes = calendar.to_ical()
        if path is not None:
            Path(path).write_bytes(data)
        return data


def _acting_level(workflow: Workflow, dossier: Dossier) -> Level:
    """The level that acts next on a dossier in process."""
    if dossier.state in (DossierState.REGISTERED, DossierState.RETURNED):
        return Level.COMMUNE
    rules = workflow.rules_on(dossier.last_step_on)
    route = workflow._pending_route(dossier, rules)  # same package: the workflow's own routing
    if route is None or route.level is None:
        return rules.scoring_levels[0]
    return route.level


def _issuer(workflow: Workflow, day: dt.date, stars: int) -> Level:
    """The level that recognises ``stars`` on ``day`` (section 4.6: it notifies and revokes)."""
    return workflow.rules_on(day).recognising_level(stars)


def _filed_on(dossier: Dossier) -> dt.date:
    """The day the dossier was last filed with the commune (registered or resubmitted)."""
    for record in reversed(dossier.history):
        if record.action in ("register", "resubmit"):
            return record.on
    return dossier.submitted_on


def _dossier_rows(workflow: Workflow, dossier: Dossier) -> Iterator[AgendaRow]:
    certificate = dossier.certificate
    if dossier.state in HOLDING_STATES and certificate is not None:
        number, stars, end = certificate.number, certificate.stars, certificate.expires_on
        notice_by = workflow.notice_due(dossier)
        if notice_by is not None and notice_sent(dossier) is None:
            yield AgendaRow(
                notice_by, Due.NOTICE, _issuer(workflow, notice_by, stars), dossier, number
            )
        yield AgendaRow(end, Due.EXPIRY, _issuer(workflow, end, stars), dossier, number)
        # Section 6: the filing window of each regime with one, where it is in force that day.
        for rules in workflow.timeline:
            window = rules.deadlines.reevaluation_window
            if window is None:
                continue
            for days, what in zip(
                window, (Due.REEVALUATION_OPENS, Due.REEVALUATION_CLOSES), strict=True
            ):
                day = add_days(end, -days, "on")
                if _in_force(workflow, day) is rules:
                    # Section 8: since 1489 the commune receives the dossier.
                    yield AgendaRow(day, what, Level.COMMUNE, dossier, number)
        if dossier.state is DossierState.CERTIFIED_FORWARDED:  # the centre still evaluates it
            deadline = workflow.deadline(dossier)
            if deadline is not None:
                acting = _acting_level(workflow, dossier)
                yield AgendaRow(
                    deadline, Due.TRANSITIONAL_DEADLINE, acting, dossier, dossier.regime
                )
        finding = open_finding(dossier)
        if finding is not None and finding.revoke_by is not None:
            grounds = ", ".join(g.value for g in finding.grounds)
            yield AgendaRow(
                finding.revoke_by,
                Due.REVOCATION,
                _issuer(workflow, finding.inspected_on, stars),
                dossier,
                f"{number}: {grounds} (inspection of {finding.inspected_on})",
            )
    elif dossier.state in IN_PROCESS:
        acting = _acting_level(workflow, dossier)
        due = workflow.evaluation_due(dossier)
        if due is not None:
            yield AgendaRow(due, Due.EVALUATION, acting, dossier, dossier.renews or "")
        deadline = workflow.deadline(dossier)
        if deadline is not None:
            yield AgendaRow(deadline, Due.TRANSITIONAL_DEADLINE, acting, dossier, dossier.regime)
        if dossier.state is DossierState.REGISTERED:
            filed = _filed_on(dossier)
            check = _quiet_check(workflow, filed)
            if check is not None:
                yield AgendaRow(check, Due.COMMUNE_CHECK, Level.COMMUNE, dossier, f"filed {filed}")


def _in_force(workflow: Workflow, day: dt.date) -> object:
    try:
        return workflow.rules_on(day)
    except InvalidInput:  # before the first regime
        return None


def _quiet_check(workflow: Workflow, filed: dt.date) -> dt.date | None:
    rules = workflow.rules_on(filed)
    return commune_check_deadline(filed, rules)


def _schedule_rows(schedules: Iterable[RoundSchedule]) -> Iterator[AgendaRow]:
    for schedule in schedules:
        for r in schedule.rounds:
            label = f"{r.level.value} round {r.number} of {schedule.year}"
            yield AgendaRow(r.cutoff, Due.ROUND_CUTOFF, r.level, None, label)
            yield AgendaRow(r.held_by, Due.ROUND, r.level, None, label)


def agenda_rows(
    workflow: Workflow,
    dossiers: Sequence[Dossier],
    schedules: Sequence[RoundSchedule],
    start: dt.date,
    end: dt.date,
) -> Agenda:
    """The agenda of checked arguments (see :func:`ocop_workflow.portfolio.agenda`)."""
    position = {id(d): index for index, d in enumerate(dossiers)}
    found: dict[tuple[object, ...], AgendaRow] = {}
    rows = [row for d in dossiers for row in _dossier_rows(workflow, d)]
    rows += list(_schedule_rows(schedules))
    for row in rows:
        if start <= row.on <= end:
            key = (row.on, row.what, row.level, id(row.dossier), row.detail)
            found.setdefault(key, row)
    ordered = sorted(
        found.values(),
        key=lambda r: (
            r.on,
            _ORDER[r.what],
            r.level.rank,
            -1 if r.dossier is None else position[id(r.dossier)],
            r.detail,
        ),
    )
    return Agenda(start, end, tuple(ordered))
