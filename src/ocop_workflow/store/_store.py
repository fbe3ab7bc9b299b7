"""The :class:`Store`: dossiers in SQLite or PostgreSQL, with no lost update and a change feed."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from ocop_workflow import rulesets, units
from ocop_workflow._files import atomic_target, path_argument
from ocop_workflow.access import Actor, Scope, jurisdiction
from ocop_workflow.dates import DateLike, to_date, up_to
from ocop_workflow.dossier import SHEET_NUMBERS, Dossier, HistoryRecord
from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.portfolio import filing_window
from ocop_workflow.rules import RuleSet, enum_member
from ocop_workflow.states import HOLDING_STATES, DossierState
from ocop_workflow.store import _rows
from ocop_workflow.store.schema import (
    SCHEMA_VERSION,
    counters,
    dossiers,
    history,
    metadata,
    schema_version,
)
from ocop_workflow.validators import instances, whole
from ocop_workflow.workflow import Workflow

__all__ = ["Change", "ConcurrentUpdate", "CorruptDossier", "SchemaError", "Store", "StoreError"]

BUSY_SECONDS = 60.0
"""How long a SQLite writer waits for another's transaction to end before giving up."""

_PAGE = 500
"""Dossiers read per query when streaming, and ids per ``IN (...)`` list."""

_POSITION = "position"
_DOSSIER = "dossier"


class StoreError(OcopError):
    """The database could not do what was asked (unreachable, locked too long, ...)."""


class ConcurrentUpdate(StoreError):
    """Another save of the dossier came first: nothing was written; reload it and retry."""


class CorruptDossier(StoreError):
    """A stored dossier does not check (its rows were edited by hand or damaged); names its id."""


class SchemaError(StoreError):
    """The database holds tables of a schema version this library does not know."""


@attrs.frozen
class Change:
    """One committed history record as the change feed gives it.

    ``position`` orders the feed in commit order; keep the last one seen as the cursor for the
    next :meth:`Store.changes` call.
    """

    position: int
    dossier_id: str
    sequence: int
    record: HistoryRecord


@attrs.define
class _Seen:
    """What the store knows of a dossier object it gave out or stored: the version it read."""

    ref: weakref.ref[Dossier]
    key: int
    version: int
    records: int
    last: HistoryRecord


class Store:
    """Dossiers kept in a database given by its SQLAlchemy URL (``docs/store.md``).

    ``Store("sqlite:///ocop.db")`` keeps a file (created with the schema if empty),
    ``Store("sqlite://")`` an in-memory database, ``Store("postgresql+psycopg://...")`` a
    PostgreSQL one. Loaded dossiers are replayed by ``workflow`` (default: the shipped timeline of
    regimes) and must agree with their snapshot. The store remembers the version of every dossier
    it returns, outside the dossier, so that :meth:`save` writes only if no one saved it since.
    """

    def __init__(self, url: str, *, workflow: Workflow | None = None) -> None:
        if not isinstance(url, str):
            raise InvalidInput(f"'url' must be a database URL string (got {url!r})")
        if workflow is not None and not isinstance(workflow, Workflow):
            raise InvalidInput(f"'workflow' must be a Workflow or None (got {workflow!r})")
        self.workflow = workflow or Workflow(rulesets.QD148_2023)
        self._seen: dict[int, _Seen] = {}
        self._lock = threading.Lock()
        self.engine = _engine(url)
        try:
            with _database_errors():
                self._open()
        except BaseException:
            self.engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------

    def _open(self) -> None:
        """Create the schema in an empty database; refuse one of an unknown version."""
        with self._writing() as conn:
            if conn.dialect.name == "postgresql":  # two processes opening an empty database
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(27100010)"))
            present = set(sa.inspect(conn).get_table_names()) & set(metadata.tables)
            if not present:
                metadata.create_all(conn)
                conn.execute(schema_version.insert(), {"version": SCHEMA_VERSION})
                conn.execute(
                    counters.insert(),
                    [{"name": _DOSSIER, "value": 0}, {"name": _POSITION, "value": 0}],
                )
                return
            missing = sorted(set(metadata.tables) - present)
            if schema_version.name in missing:
                raise SchemaError(
                    f"the database holds store tables {sorted(present)} but no "
                    f"'{schema_version.name}' table: not a store of this library"
                )
            found = conn.execute(sa.select(schema_version.c.version)).scalars().all()
            if found != [SCHEMA_VERSION]:
                hint = (
                    "; version 1 lacks the jurisdiction columns: export its dossiers with the "
                    "library that wrote it ('ocop-workflow store export') and import them into "
                    "a new store"
                    if found == [1]
                    else ""
                )
                raise SchemaError(
                    f"the database's store schema version is {found!r}; this library knows "
                    f"version {SCHEMA_VERSION} only{hint}"
                )
            if missing:
                raise SchemaError(f"the database's store schema lacks the tables {missing}")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` on SQLite (see :func:`_engine`)."""
        with self.engine.connect() as conn:
            conn.execution_options(ocop_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """A read transaction seeing one committed state: snapshots and history agree.

        SQLite's transactions are snapshots already; PostgreSQL reads at REPEATABLE READ (its
        writes stay at READ COMMITTED, where a stale version matches no row instead of failing).
        """
        with _database_errors(), self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    # -- identity --------------------------------------------------------------------------

    def _track(self, dossier: Dossier, key: int, version: int) -> None:
        entry = self._seen.get(id(dossier))
        if entry is not None and entry.ref() is dossier:
            entry.version, entry.records, entry.last = (
                version,
                len(dossier.history),
                dossier.history[-1],
            )
            return
        seen = self._seen
        ident = id(dossier)

        def forget(ref: weakref.ref[Dossier]) -> None:
            current = seen.get(ident)
            if current is not None and current.ref is ref:
                del seen[ident]

        seen[ident] = _Seen(
            weakref.ref(dossier, forget), key, version, len(dossier.history), dossier.history[-1]
        )

    def _entry(self, dossier: object, field: str) -> _Seen | None:
        if not isinstance(dossier, Dossier):
            raise InvalidInput(f"{field!r} must be a Dossier (got {type(dossier).__name__})")
        entry = self._seen.get(id(dossier))
        return entry if entry is not None and entry.ref() is dossier else None

    def key_of(self, dossier: Dossier) -> str:
        """The id of a dossier this store returned or stored; :class:`InvalidInput` otherwise."""
        entry = self._entry(dossier, "dossier")
        if entry is None:
            raise InvalidInput("'dossier' was not loaded from or added to this store")
        return str(entry.key)

    # -- writing ---------------------------------------------------------------------------

    def add(self, dossier: Dossier) -> str:
        """Store a new dossier; returns its id."""
        return self.add_all([dossier])[0]

    def add_all(self, batch: Iterable[Dossier]) -> list[str]:
        """Store new dossiers in one transaction, all or none; returns their ids in order.

        Certificate numbers must be new to the store (:class:`InvalidInput` naming the number).
        """
        items = instances(batch, Dossier, "dossiers")
        with self._lock:
            for index, d in enumerate(items):
                field = f"dossiers[{index}]"
                entry = self._entry(d, field)
                if entry is not None:
                    raise InvalidInput(f"{field!r} is already stored as dossier '{entry.key}'")
                _rows.check_chain(d, 1, field)
            numbers = _distinct_numbers(items)
            if len({id(d) for d in items}) != len(items):
                raise InvalidInput("'dossiers' holds the same dossier object twice")
            if not items:
                return []
            snapshots = []
            records = []
            try:
                with _database_errors(), self._writing() as conn:
                    first = _reserve(conn, _DOSSIER, len(items))
                    position = _reserve(conn, _POSITION, sum(len(d.history) for d in items))
                    for offset, d in enumerate(items):
                        key = first + offset
                        snapshots.append({"id": key, "version": 1, **_rows.snapshot(d)})
                        for sequence, r in enumerate(d.history):
                            records.append(_rows.history_row(key, sequence, position, r))
                            position += 1
                    conn.execute(dossiers.insert(), snapshots)
                    conn.execute(history.insert(), records)
            except sa.exc.IntegrityError:
                self._refuse_duplicates(numbers)
                raise
            for offset, d in enumerate(items):
                self._track(d, first + offset, 1)
        return [str(first + offset) for offset in range(len(items))]

    def save(self, *changed: Dossier) -> None:
        """Write the records added to ``changed`` since they were loaded, in one transaction.

        Each dossier is written only if its stored version is still the one it was loaded at;
        otherwise :class:`ConcurrentUpdate` is raised and nothing at all is written. Pass a
        renewal with the dossier it supersedes (``save(new, old)``) to save both or neither.
        A dossier without new records is left as it is.
        """
        with self._lock:
            plans: list[tuple[Dossier, _Seen]] = []
            for index, d in enumerate(changed):
                field = f"dossiers[{index}]"
                entry = self._entry(d, field)
                if entry is None:
                    raise InvalidInput(
                        f"{field!r} was not loaded from or added to this store: use add()"
                    )
                if any(p[1] is entry for p in plans):
                    raise InvalidInput(f"{field!r} is given twice")
                records = d.history
                if len(records) < entry.records or records[entry.records - 1] is not entry.last:
                    raise InvalidInput(
                        f"{field!r} has lost history records since it was loaded: only the "
                        "workflow may change a dossier"
                    )
                if len(records) > entry.records:
                    _rows.check_chain(d, entry.records, field)
                    plans.append((d, entry))
            if not plans:
                return
            _distinct_numbers(changed)
            numbers = [d.certificate.number for d, _ in plans if d.certificate is not None]
            try:
                with _database_errors(), self._writing() as conn:
                    # Rows are locked in the order of their ids, so two savers never deadlock;
                    # the records go to the feed in the order the dossiers were given. Saved
                    # together, dossiers may pass a number between them (a held certificate's,
                    # section 8): their numbers are written once every row is locked.
                    together = len(plans) > 1
                    for d, entry in sorted(plans, key=lambda plan: plan[1].key):
                        row = _rows.snapshot(d)
                        if together:
                            row["certificate_number"] = None
                        updated = conn.execute(
                            dossiers.update()
                            .where(dossiers.c.id == entry.key, dossiers.c.version == entry.version)
                            .values(version=entry.version + 1, **row)
                        )
                        if updated.rowcount != 1:
                            raise ConcurrentUpdate(
                                f"dossier '{entry.key}' was saved by someone else after it was "
                                f"loaded at version {entry.version}: nothing was written; reload "
                                "it and apply the operation again"
                            )
                    for d, entry in sorted(plans, key=lambda plan: plan[1].key) if together else ():
                        if d.certificate is not None:
                            conn.execute(
                                dossiers.update()
                                .where(dossiers.c.id == entry.key)
                                .values(certificate_number=d.certificate.number)
                            )
                    # Positions are taken last, under the counter row's lock, held to the commit:
                    # the feed's order is the commit order (docs/store.md).
                    count = sum(len(d.history) - entry.records for d, entry in plans)
                    position = _reserve(conn, _POSITION, count)
                    rows = []
                    for d, entry in plans:
                        for sequence in range(entry.records, len(d.history)):
                            rows.append(
                                _rows.history_row(
                                    entry.key, sequence, position, d.history[sequence]
                                )
                            )
                            position += 1
                    conn.execute(history.insert(), rows)
            except sa.exc.IntegrityError:
                self._refuse_duplicates(numbers, exclude=[entry.key for _, entry in plans])
                raise
            for d, entry in plans:
                self._track(d, entry.key, entry.version + 1)

    def _refuse_duplicates(self, numbers: Sequence[str], exclude: Sequence[int] = ()) -> None:
        """After an integrity error: the certificate number already held, as an InvalidInput."""
        with self._reading() as conn:
            for chunk in _chunks(numbers):
                found = conn.execute(
                    sa.select(dossiers.c.certificate_number, dossiers.c.id)
                    .where(dossiers.c.certificate_number.in_(chunk))
                    .where(dossiers.c.id.not_in(exclude) if exclude else sa.true())
                    .order_by(dossiers.c.id)
                ).first()
                if found is not None:
                    raise InvalidInput(
                        f"certificate number {found[0]!r} is already held by stored dossier "
                        f"'{found[1]}': numbers are unique within a store"
                    ) from None

    # -- reading ---------------------------------------------------------------------------

    def get(self, key: str) -> Dossier:
        """The stored dossier ``key``, its history checked; :class:`InvalidInput` if unknown."""
        number = _key(key)
        found = self._load_keys([number]) if number is not None else []
        if not found:
            raise InvalidInput(f"'key' must name a stored dossier (got {key!r})")
        return found[0]

    def __iter__(self) -> Iterator[Dossier]:
        """Every stored dossier in the order they were added, read a page at a time."""
        after = 0
        while True:
            with self._reading() as conn:
                page = conn.execute(
                    _snapshot_select()
                    .where(dossiers.c.id > after)
                    .order_by(dossiers.c.id)
                    .limit(_PAGE)
                ).all()
                if not page:
                    return
                rows = conn.execute(
                    _history_select()
                    .where(history.c.dossier_id.between(page[0].id, page[-1].id))
                    .order_by(history.c.dossier_id, history.c.sequence)
                ).all()
            yield from self._build(page, rows)
            after = page[-1].id

    def __len__(self) -> int:
        with self._reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one())

    def _load_keys(self, keys: Sequence[int]) -> list[Dossier]:
        """The dossiers of ``keys``, in that order (unknown keys are left out)."""
        loaded: dict[int, Dossier] = {}
        for chunk in _chunks(keys):
            with self._reading() as conn:
                page = conn.execute(
                    _snapshot_select().where(dossiers.c.id.in_(chunk)).order_by(dossiers.c.id)
                ).all()
                rows = conn.execute(
                    _history_select()
                    .where(history.c.dossier_id.in_(chunk))
                    .order_by(history.c.dossier_id, history.c.sequence)
                ).all()
            for row, dossier in zip(page, self._build(page, rows), strict=True):
                loaded[row.id] = dossier
        return [loaded[k] for k in keys if k in loaded]

    def _build(self, page: Sequence[Any], rows: Sequence[Any]) -> Iterator[Dossier]:
        # Rows are read by position (the selects list the tables' columns in order): a row's
        # attribute access costs ten times more, several times per record.
        grouped: dict[int, list[Any]] = {row[0]: [] for row in page}  # id
        for r in rows:
            group = grouped.get(r[0])  # dossier_id
            if group is not None:
                group.append(r)
        for row in page:
            key = row[0]
            try:
                dossier = _rows.load(self.workflow, row, grouped[key])
            except InvalidInput as error:
                raise CorruptDossier(f"stored dossier '{key}' does not check: {error}") from None
            with self._lock:
                self._track(dossier, key, row[1])  # version
            yield dossier

    # -- change feed -----------------------------------------------------------------------

    def changes(
        self,
        after: int = 0,
        limit: int = 1000,
        *,
        visible_to: Actor | None = None,
        as_of: DateLike | None = None,
    ) -> list[Change]:
        """Committed history records with a position after ``after``, in commit order.

        At most ``limit`` of them: call again with the last one's position to read on. Positions
        have no gaps and grow with the commit order, so a cursor never skips a record. With
        ``visible_to`` an :class:`~ocop_workflow.access.Actor`, only the records of dossiers in
        its jurisdiction on ``as_of`` (default: the current units; see :meth:`find`); the
        positions are the feed's, so the cursor of a filtered feed works the same way.
        """
        after, limit = whole(after, "after", 0), whole(limit, "limit", 1)
        query = _history_select().where(history.c.position > after)
        if visible_to is not None:
            visible = _visible(visible_to, _jurisdiction_day(as_of))
            query = query.where(history.c.dossier_id.in_(sa.select(dossiers.c.id).where(visible)))
        with self._reading() as conn:
            rows = conn.execute(query.order_by(history.c.position).limit(limit)).all()
        changes = []
        for r in rows:
            try:
                record = _rows.record(r)
            except (ValueError, TypeError) as error:
                raise CorruptDossier(
                    f"stored dossier '{r.dossier_id}' has a malformed history record at "
                    f"position {r.position}: {error}"
                ) from None
            changes.append(Change(r.position, str(r.dossier_id), r.sequence, record))
        return changes

    # -- queries ---------------------------------------------------------------------------

    def _where(self, *conditions: sa.ColumnElement[bool]) -> list[Dossier]:
        return self._load_keys(self._keys(*conditions))

    def _keys(self, *conditions: sa.ColumnElement[bool], by_expiry: bool = False) -> list[int]:
        order = (dossiers.c.expires_on, dossiers.c.id) if by_expiry else (dossiers.c.id,)
        with self._reading() as conn:
            return list(
                conn.execute(sa.select(dossiers.c.id).where(*conditions).order_by(*order)).scalars()
            )

    def expiring_within(
        self, days: int, as_of: DateLike, *, visible_to: Actor | None = None
    ) -> list[Dossier]:
        """As :func:`ocop_workflow.portfolio.expiring_within`, in SQL (soonest first); with
        ``visible_to``, those in the actor's jurisdiction on ``as_of`` (see :meth:`find`)."""
        days = whole(days, "days", 0)
        day = to_date(as_of, "as_of")
        return self._load_keys(
            self._keys(
                *expiring_conditions(day, days), *_visibility(visible_to, day), by_expiry=True
            )
        )

    def past_expiry(self, as_of: DateLike, *, visible_to: Actor | None = None) -> list[Dossier]:
        """As :func:`ocop_workflow.portfolio.past_expiry`: certified, expiry on or before; with
        ``visible_to``, those in the actor's jurisdiction on ``as_of``."""
        day = to_date(as_of, "as_of")
        return self._load_keys(
            self._keys(
                _certified(),
                dossiers.c.expires_on <= day,
                *_visibility(visible_to, day),
                by_expiry=True,
            )
        )

    def in_reevaluation_window(
        self, as_of: DateLike, rules: RuleSet | None = None, *, visible_to: Actor | None = None
    ) -> list[Dossier]:
        """As :func:`ocop_workflow.portfolio.in_reevaluation_window`, in SQL; with
        ``visible_to``, those in the actor's jurisdiction on ``as_of``."""
        day = to_date(as_of, "as_of")
        earliest, latest = filing_window(day, rules)
        # expiry - earliest <= day <= expiry - latest, solved for the expiry.
        return self._load_keys(
            self._keys(
                _certified(),
                dossiers.c.expires_on >= up_to(day, latest),
                dossiers.c.expires_on <= up_to(day, earliest),
                *_visibility(visible_to, day),
                by_expiry=True,
            )
        )

    def find(
        self,
        *,
        state: DossierState | str | None = None,
        province: str | None = None,
        district: str | None = None,
        commune: str | None = None,
        sheet: int | None = None,
        visible_to: Actor | None = None,
        as_of: DateLike | None = None,
    ) -> list[Dossier]:
        """The dossiers matching every criterion given, in the order they were added.

        ``province``, ``district`` and ``commune`` match the names as stored. ``visible_to`` an
        :class:`~ocop_workflow.access.Actor` keeps the dossiers in its jurisdiction
        (:func:`ocop_workflow.access.jurisdiction`): a commune officer's commune, a district
        body's district, a province body's province, the producer's own, everything for the
        central council and the ministry, matched on official codes. It is judged on the units
        of ``as_of``: by default the current ones (from 1 July 2025), in which the dossiers of
        the old divisions belong to the province and commune that took their place; pass a day
        before the reform to see a district's dossiers.
        """
        conditions: list[sa.ColumnElement[bool]] = list(
            _visibility(visible_to, None if visible_to is None else _jurisdiction_day(as_of))
        )
        if state is not None:
            conditions.append(dossiers.c.state == enum_member(DossierState, state, "state").value)
        for name, value in (("province", province), ("district", district), ("commune", commune)):
            if value is not None:
                if not isinstance(value, str):
                    raise InvalidInput(f"{name!r} must be a string or None (got {value!r})")
                conditions.append(dossiers.c[name] == value)
        if sheet is not None:
            sheet = whole(sheet, "sheet", SHEET_NUMBERS[0], SHEET_NUMBERS[-1])
            conditions.append(dossiers.c.sheet == sheet)
        return self._where(*conditions)

    def cohorts(
        self, *, visible_to: Actor | None = None, as_of: DateLike | None = None
    ) -> dict[int, list[Dossier]]:
        """As :func:`ocop_workflow.portfolio.cohorts`: dossiers with a certificate by the year
        it was recognised, years in order; ``visible_to`` and ``as_of`` as in :meth:`find`."""
        visible = _visibility(visible_to, None if visible_to is None else _jurisdiction_day(as_of))
        with self._reading() as conn:
            issued = conn.execute(
                sa.select(dossiers.c.id, sa.type_coerce(dossiers.c.issued_on, sa.Text))
                .where(dossiers.c.certificate_number.is_not(None), *visible)
                .order_by(dossiers.c.id)
            ).all()
        loaded = self._load_keys([key for key, _ in issued])
        groups: dict[int, list[Dossier]] = {}
        for (_, on), dossier in zip(issued, loaded, strict=True):
            groups.setdefault(_rows.stored_date(on).year, []).append(dossier)
        return dict(sorted(groups.items()))

    def _counts(
        self,
        *columns: sa.ColumnElement[Any],
        where: tuple[sa.ColumnElement[bool], ...] = (),
        visible_to: Actor | None,
        as_of: DateLike | None,
    ) -> list[Any]:
        visible = _visibility(visible_to, None if visible_to is None else _jurisdiction_day(as_of))
        query = sa.select(*columns, sa.func.count()).group_by(*columns)
        if where or visible:
            query = query.where(*where, *visible)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def by_district(
        self, *, visible_to: Actor | None = None, as_of: DateLike | None = None
    ) -> Counter[tuple[str | None, str]]:
        """As :func:`ocop_workflow.portfolio.by_district`: counts by (district, kind);
        ``visible_to`` and ``as_of`` as in :meth:`find`."""
        rows = self._counts(
            dossiers.c.district, dossiers.c.kind, visible_to=visible_to, as_of=as_of
        )
        return Counter({(district, kind): count for district, kind, count in rows})

    def by_state(
        self, *, visible_to: Actor | None = None, as_of: DateLike | None = None
    ) -> Counter[DossierState]:
        """As :func:`ocop_workflow.portfolio.by_state`: counts by current state;
        ``visible_to`` and ``as_of`` as in :meth:`find`."""
        rows = self._counts(dossiers.c.state, visible_to=visible_to, as_of=as_of)
        return Counter({DossierState(state): n for state, n in rows})

    def by_stars(
        self, *, visible_to: Actor | None = None, as_of: DateLike | None = None
    ) -> Counter[int]:
        """As :func:`ocop_workflow.portfolio.by_stars`: certified dossiers by stars;
        ``visible_to`` and ``as_of`` as in :meth:`find`."""
        rows = self._counts(
            dossiers.c.stars, where=(_certified(),), visible_to=visible_to, as_of=as_of
        )
        return Counter(dict(rows))

    # -- exchange --------------------------------------------------------------------------

    def export_jsonl(self, target: str | os.PathLike[str] | IO[str]) -> int:
        """Write every dossier as one JSON line (its :meth:`Dossier.to_dict` document) to a
        path or text stream; returns the number written.

        A path is written atomically: to a temporary file beside it, renamed over it once every
        line is written, so that an export that fails or is interrupted (a damaged dossier,
        Ctrl-C, a full disk) leaves the old file, or none, and no partial one.
        """
        if isinstance(target, str | bytes | os.PathLike):
            path = path_argument(target, "target")
            try:
                with (
                    atomic_target(path) as temporary,
                    temporary.open("w", encoding="utf-8", newline="") as handle,
                ):
                    return self.export_jsonl(handle)
            except OSError as error:
                raise InvalidInput(
                    f"'target' cannot be written: {error.strerror or error} (got {target!r})"
                ) from None
        count = 0
        for dossier in self:
            target.write(json.dumps(dossier.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count

    def import_jsonl(self, source: str | os.PathLike[str] | IO[str]) -> list[str]:
        """Add the dossiers of a JSON lines path or stream, all or none; returns their ids.

        Each line must be a :meth:`Dossier.to_dict` document whose history replays to it: a bad
        line is an :class:`InvalidInput` naming its line number, and nothing is stored.
        """
        if isinstance(source, str | os.PathLike):
            try:
                with open(source, encoding="utf-8") as handle:
                    return self.import_jsonl(handle)
            except OSError as error:
                raise InvalidInput(
                    f"'source' cannot be read: {error.strerror} (got {source!r})"
                ) from None
        loaded = []
        for number, line in enumerate(source, start=1):
            try:
                loaded.append(Dossier.from_dict(json.loads(line), workflow=self.workflow))
            except (ValueError, OcopError) as error:  # json errors are ValueErrors
                raise InvalidInput(f"line {number}: {error}") from None
        return self.add_all(loaded)


# -- SQL pieces ------------------------------------------------------------------------------


def _jurisdiction_day(as_of: DateLike | None) -> dt.date:
    """The day whose units judge jurisdiction: ``as_of``, or by default the current units (in
    force from the reform of 1 July 2025, the latest the units know)."""
    return units.REFORM if as_of is None else to_date(as_of, "as_of")


def _visibility(actor: object, day: dt.date | None) -> tuple[sa.ColumnElement[bool], ...]:
    """The SQL condition of :func:`_visible`, or none without an actor."""
    if actor is None:
        return ()
    assert day is not None
    return (_visible(actor, day),)


_UNIT_COLUMN = {
    (Scope.PROVINCE, False): "province_code",
    (Scope.DISTRICT, False): "district_code",
    (Scope.COMMUNE, False): "commune_code",
    (Scope.PROVINCE, True): "current_province_code",
    (Scope.COMMUNE, True): "current_commune_code",
}
"""The snapshot column holding a dossier's unit at a scope, before (False) and from (True) the
reform (:func:`ocop_workflow.store._rows.unit_codes`)."""


def _visible(actor: object, day: dt.date) -> sa.ColumnElement[bool]:
    """The dossiers in ``actor``'s jurisdiction on ``day`` (issue 11, item 5), in SQL: the same
    matching as :meth:`ocop_workflow.access.Jurisdiction.covers`, on the indexed code columns."""
    if not isinstance(actor, Actor):
        raise InvalidInput(
            f"'visible_to' must be an Actor or None (got {type(actor).__name__}: {actor!r})"
        )
    held = jurisdiction(actor, as_of=day)
    if held.scope is Scope.NATIONAL:
        return sa.true()
    if held.scope is Scope.OWNER:
        return dossiers.c.owner == held.owner
    assert held.unit is not None  # every unit scope names its unit
    # A district's jurisdiction exists only before the reform (jurisdiction() refuses it after).
    return dossiers.c[_UNIT_COLUMN[held.scope, held.current]] == held.unit.code


def _distinct_numbers(items: Sequence[Dossier]) -> list[str]:
    """The certificate numbers of ``items``; :class:`InvalidInput` naming two that share one."""
    holders: dict[str, int] = {}
    for index, d in enumerate(items):
        if d.certificate is not None:
            number = d.certificate.number
            if number in holders:
                raise InvalidInput(
                    f"certificate number {number!r} is held by dossiers[{holders[number]}] "
                    f"and dossiers[{index}]: numbers are unique within a store"
                )
            holders[number] = index
    return list(holders)


def _certified() -> sa.ColumnElement[bool]:
    return sa.and_(
        dossiers.c.state.in_(sorted(state.value for state in HOLDING_STATES)),
        dossiers.c.certificate_number.is_not(None),
    )


def expiring_conditions(day: dt.date, days: int) -> tuple[sa.ColumnElement[bool], ...]:
    """The SQL of :meth:`Store.expiring_within` (the benchmark shows its plan)."""
    return (
        _certified(),
        dossiers.c.expires_on > day,
        dossiers.c.expires_on <= up_to(day, days),
    )


def _text(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """Dates and JSON read as stored (parsed by :mod:`._rows`, so bad text names its dossier)."""
    return sa.type_coerce(column, sa.Text).label(column.name)


def _snapshot_select() -> sa.Select[Any]:
    """Every ``ocop_dossier`` column, in the table's order (``_rows.load`` reads by position)."""
    columns = [_text(c) if isinstance(c.type, sa.Date | sa.JSON) else c for c in dossiers.columns]
    return sa.select(*columns)


def _history_select() -> sa.Select[Any]:
    """Every ``ocop_history`` column, in the table's order (``_rows.record`` reads by position)."""
    columns = [_text(c) if isinstance(c.type, sa.Date | sa.JSON) else c for c in history.columns]
    return sa.select(*columns)


def _reserve(conn: sa.Connection, name: str, count: int) -> int:
    """Take ``count`` values of counter ``name``; returns the first. The row stays locked to the
    end of the transaction, so blocks are taken in commit order."""
    conn.execute(
        counters.update().where(counters.c.name == name).values(value=counters.c.value + count)
    )
    last = conn.execute(sa.select(counters.c.value).where(counters.c.name == name)).scalar_one()
    return int(last) - count + 1


def _key(key: object) -> int | None:
    if not isinstance(key, str):
        raise InvalidInput(f"'key' must be a dossier id string (got {key!r})")
    if not (key.isascii() and key.isdigit() and len(key) < 19) or key != str(int(key)):
        return None  # ids are written without leading zeros: "01" names no dossier
    return int(key)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _PAGE):
        yield values[start : start + _PAGE]


@contextlib.contextmanager
def _database_errors() -> Iterator[None]:
    """Database failures as :class:`StoreError` (integrity errors are the caller's to name)."""
    try:
        yield
    except sa.exc.IntegrityError:
        raise
    except sa.exc.SQLAlchemyError as error:
        detail = getattr(error, "orig", None) or error
        raise StoreError(f"database error: {str(detail).strip()}") from error


def _engine(url: str) -> sa.Engine:
    """An engine for ``url``: SQLite with real transactions and a busy timeout, or any other."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise InvalidInput(f"'url' must be a database URL (got {url!r})") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InvalidInput(f"'url' must be a sqlite:// or postgresql:// URL (got {url!r})")
    try:
        if backend == "postgresql":
            return sa.create_engine(parsed)
        memory = parsed.database in (None, "", ":memory:")
        if memory:  # one shared connection, or each thread would see its own empty database
            engine = sa.create_engine(
                parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_SECONDS})
    except (sa.exc.ArgumentError, ImportError) as error:
        raise InvalidInput(f"'url' cannot be opened: {error} (got {url!r})") from None

    @sa.event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN, not the driver (SQLAlchemy's pysqlite notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def begin(conn: sa.Connection) -> None:
        # A writer takes the write lock at once, so its version checks and counters see the
        # latest commit and no two writers interleave.
        write = conn.get_execution_options().get("ocop_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
