"""The store against raw database access, measured in one run (ratios; absolute times drift).

(a) ``add_all`` of 100,000 dossiers with five history records each into a SQLite file, against
    a raw ``sqlite3`` ``executemany`` of the same rows into the same tables (goal: at most 2.0);
(b) loading them all back (``list(store)``: history replayed and checked) against a raw select
    plus ``json.loads`` of the same rows (goal: at most 2.0), and against raw rows turned into
    dossiers with the same check (``Dossier.from_dict(..., workflow=)``), to show the store's own
    overhead apart from the replay;
(c) one get-operate-save round trip on SQLite and on PostgreSQL;
(d) 4 processes doing round trips on shared dossiers on PostgreSQL: throughput and conflict rate;
(e) the query plan of ``expiring_within`` over 1,000,000 dossiers, showing its index.

Run ``python benchmarks/bench_store.py`` (PostgreSQL parts need ``OCOP_TEST_POSTGRES_URL``);
``--quick`` runs every part at a tiny size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ocop_workflow import Dossier, DossierState, Level, Location, Workflow, rulesets, units
from ocop_workflow.serialization import SCHEMA_VERSION as SCHEMA_VERSION_OF_DOCUMENTS
from ocop_workflow.states import Event
from ocop_workflow.store import ConcurrentUpdate, Store, metadata
from ocop_workflow.store._store import expiring_conditions
from ocop_workflow.store.schema import dossiers
from ocop_workflow.testing import certified_dossier, registered_dossier

WF = Workflow(rulesets.QD148_2023)


def places() -> list[dict[str, str]]:
    """Sơn La's 12 districts of 2024, each with its first commune, by their official names (read
    from the units package, as a portal checking units stores them)."""
    before = units.divisions(dt.date(2024, 1, 1))
    province = before.province("Sơn La")
    return [
        {"district": d.name, "commune": before.communes_of(d)[0].name}
        for d in before.districts_of(province)
    ]


def portfolio(n: int) -> list[Dossier]:
    """``n`` certified dossiers, five history records each (commune, district, province,
    certificate), certified from July 2023 to 2024 under Decision 148 in Sơn La's districts."""
    where = places()
    batch = [
        certified_dossier(
            WF,
            70.0 + i % 20,
            on=dt.date(2023, 7, 1) + dt.timedelta(days=i % 540),
            number=f"SL-{i}",
            province="Tỉnh Sơn La",
            actor=f"htx-{i % 50}",
            **where[i % len(where)],
        )
        for i in range(n)
    ]
    assert all(len(d.history) == 5 for d in batch)
    return batch


def _timed(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


# -- (a) and (b) ------------------------------------------------------------------------------

_SNAPSHOT = (
    "id, version, records, product, producer, sheet, province, district, commune, kind, regime, "
    "submitted_on, reference, renews, state, scores, stars, certificate_number, "
    "certificate_level, issued_on, expires_on, owner, province_code, district_code, "
    "commune_code, current_province_code, current_commune_code"
)
_HISTORY = (
    "dossier_id, sequence, position, on_date, action, from_state, to_state, regime, actor, note, "
    "details"
)


def _raw_codes(location: dict[str, Any], day: str) -> tuple[str | None, ...]:
    """The unit codes an application would look up for a location: registered and current."""
    place = units.divisions(dt.date.fromisoformat(day)).locate(Location(**location))
    after = units.successor(place)
    return (
        place.province.code,
        None if place.district is None else place.district.code,
        place.commune.code,
        after.province.code,
        None if after.commune is None else after.commune.code,
    )


def _raw_insert(path: Path, batch: list[Dossier]) -> None:
    """What an application would write by hand: the rows from ``to_dict`` (the unit codes
    looked up once per place), one executemany."""
    snapshots = []
    records = []
    position = 1
    codes: dict[tuple[Any, ...], tuple[str | None, ...]] = {}
    for key, d in enumerate(batch, start=1):
        doc = d.to_dict()
        cert = doc["certificate"]
        location = doc["location"]
        place = (*location.values(), doc["submitted_on"] >= "2025-07-01")
        if place not in codes:
            codes[place] = _raw_codes(location, doc["submitted_on"])
        snapshots.append(
            (
                key,
                1,
                len(doc["history"]),
                doc["product"],
                doc["producer"],
                doc["sheet"],
                location["province"],
                location["district"],
                location["commune"],
                doc["kind"],
                doc["regime"],
                doc["submitted_on"],
                doc["reference"],
                doc["renews"],
                doc["state"],
                json.dumps(doc["scores"]),
                cert and cert["stars"],
                cert and cert["number"],
                cert and cert["level"],
                cert and cert["issued_on"],
                cert and cert["expires_on"],
                doc["history"][0]["actor"],
                *codes[place],
            )
        )
        for sequence, r in enumerate(doc["history"]):
            records.append(
                (
                    key,
                    sequence,
                    position,
                    r["on"],
                    r["action"],
                    r["from_state"],
                    r["to_state"],
                    r["regime"],
                    r["actor"],
                    r["note"],
                    json.dumps(r["details"]),
                )
            )
            position += 1
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            f"INSERT INTO ocop_dossier ({_SNAPSHOT}) VALUES ({', '.join('?' * 27)})", snapshots
        )
        conn.executemany(
            f"INSERT INTO ocop_history ({_HISTORY}) VALUES ({', '.join('?' * 11)})", records
        )
    conn.close()


def _raw_rows(path: Path) -> tuple[list[Any], list[Any]]:
    """A raw select of both tables, JSON parsed."""
    conn = sqlite3.connect(path)
    snapshots = [
        (*row[:15], json.loads(row[15]), *row[16:])
        for row in conn.execute(f"SELECT {_SNAPSHOT} FROM ocop_dossier ORDER BY id")
    ]
    records = [
        (*row[:-1], json.loads(row[-1]))
        for row in conn.execute(
            f"SELECT {_HISTORY} FROM ocop_history ORDER BY dossier_id, sequence"
        )
    ]
    conn.close()
    return snapshots, records


def _raw_dossiers(path: Path) -> list[Dossier]:
    """Raw rows made into dossiers with the store's check: documents through ``from_dict``."""
    snapshots, records = _raw_rows(path)
    grouped: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        grouped.setdefault(r[0], []).append(
            {
                "on": r[3],
                "action": r[4],
                "from_state": r[5],
                "to_state": r[6],
                "regime": r[7],
                "actor": r[8],
                "note": r[9],
                "details": r[10],
            }
        )
    loaded = []
    for s in snapshots:
        scores = {
            level: {"level": level, "value": v["value"], "stars": v["stars"], "on": v["on"]}
            for level, v in s[15].items()
        }
        doc = {
            "schema_version": SCHEMA_VERSION_OF_DOCUMENTS,
            "product": s[3],
            "producer": s[4],
            "sheet": s[5],
            "location": {"province": s[6], "district": s[7], "commune": s[8]},
            "kind": s[9],
            "submitted_on": s[11],
            "regime": s[10],
            "reference": s[12],
            "renews": s[13],
            "state": s[14],
            "scores": scores,
            "certificate": None
            if s[17] is None
            else {
                "number": s[17],
                "stars": s[16],
                "level": s[18],
                "issued_on": s[19],
                "expires_on": s[20],
            },
            "history": grouped[s[0]],
        }
        loaded.append(Dossier.from_dict(doc, workflow=WF))
    return loaded


def machine_events(batch: list[Dossier]) -> float:
    """Seconds for the state-machine events alone of every record after registration (each
    fired on the shared ``transitions`` machine, as replay fires it): the part of a checked
    load that no store can avoid while replay performs each record again."""
    regimes = [(WF._timeline.at(d.history[1].on), d.history[1:]) for d in batch]
    events = {
        "review_at_commune": Event.PASS_COMMUNE,
        "certify": Event.CERTIFY,
    }

    class Model:
        state = DossierState.REGISTERED

    def fire_all() -> None:
        for regime, records in regimes:
            model = Model()
            for r in records:
                if r.action == "score":
                    event = Event.score(Level(r.details["level"]))
                else:
                    event = events[r.action]
                regime.machine.fire(model, event)

    return _timed(fire_all)


def bulk_ratios(n: int, folder: Path) -> dict[str, float]:
    """(a) and (b): times in seconds and their ratios."""
    batch = portfolio(n)
    store_path, raw_path = folder / "store.db", folder / "raw.db"
    store = Store(f"sqlite:///{store_path}")
    Store(f"sqlite:///{raw_path}").close()  # the same tables and indexes for the raw writer
    add = _timed(lambda: store.add_all(batch))
    raw_add = _timed(lambda: _raw_insert(raw_path, batch))
    events = machine_events(batch)
    batch.clear()  # free the originals: the load builds its own
    loaded: list[Dossier] = []
    first_raw = _timed(lambda: _raw_rows(raw_path))
    load = _timed(lambda: loaded.extend(store))
    assert len(loaded) == n
    raw_load = min(first_raw, _timed(lambda: _raw_rows(raw_path)))  # before and after: the faster
    loaded.clear()
    checked = _timed(lambda: _raw_dossiers(raw_path))
    store.close()
    return {
        "add": add,
        "raw_add": raw_add,
        "add_ratio": add / raw_add,
        "load": load,
        "raw_load": raw_load,
        "load_ratio": load / raw_load,
        "raw_checked_load": checked,
        "checked_load_ratio": load / checked,
        "events": events,
        "events_ratio": events / raw_load,
    }


# -- (c) and (d) ------------------------------------------------------------------------------


def _operate(d: Dossier) -> None:
    day = d.last_step_on + dt.timedelta(days=1)
    if d.state is DossierState.REGISTERED:
        WF.review_at_commune(d, passed=False, on=day)
    else:
        WF.resubmit(d, on=day)


def operation_alone(n: int) -> float:
    """Seconds per operation on a dossier in memory, the work inside each round trip."""
    d = registered_dossier(WF, submitted_on=dt.date(2020, 1, 1))

    def operations() -> None:
        for _ in range(n):
            _operate(d)

    return _timed(operations) / n


def round_trip(url: str, n: int) -> float:
    """Seconds per get-operate-save round trip (one dossier, ``n`` times)."""
    with Store(url) as store:
        key = store.add(registered_dossier(WF, submitted_on=dt.date(2020, 1, 1)))

        def trips() -> None:
            for _ in range(n):
                d = store.get(key)
                _operate(d)
                store.save(d)

        return _timed(trips) / n


def _worker(url: str, keys: list[str], seconds: float, seed: int) -> tuple[int, int]:
    import random

    rng = random.Random(seed)
    saves = conflicts = 0
    with Store(url) as store:
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            key = rng.choice(keys)
            while True:
                d = store.get(key)
                _operate(d)
                try:
                    store.save(d)
                except ConcurrentUpdate:
                    conflicts += 1
                    continue
                saves += 1
                break
    return saves, conflicts


def _counted(queue: Any, url: str, keys: list[str], seconds: float, seed: int) -> None:
    queue.put(_worker(url, keys, seconds, seed))


def concurrent(url: str, processes: int, dossier_count: int, seconds: float) -> dict[str, float]:
    """(d): saves per second of ``processes`` writers on ``dossier_count`` shared dossiers."""
    with Store(url) as store:
        keys = store.add_all(
            [registered_dossier(WF, submitted_on=dt.date(2020, 1, 1)) for _ in range(dossier_count)]
        )
    # Forked processes (this script runs alone), each putting its counts on a queue.
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    children = [
        context.Process(target=_counted, args=(queue, url, keys, seconds, i))
        for i in range(processes)
    ]
    start = time.perf_counter()
    for child in children:
        child.start()
    results = [queue.get() for _ in children]
    elapsed = time.perf_counter() - start
    for child in children:
        child.join()
    saves = sum(s for s, _ in results)
    conflicts = sum(c for _, c in results)
    return {
        "saves_per_second": saves / elapsed,
        "conflict_rate": conflicts / (saves + conflicts),
        "saves": saves,
        "conflicts": conflicts,
    }


# -- (e) ---------------------------------------------------------------------------------------


def expiring_plan(url: str, n: int) -> list[str]:
    """(e): the plan of ``expiring_within``'s query over ``n`` generated snapshot rows."""
    with Store(url) as store:
        engine = store.engine
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        if sqlite:
            conn.exec_driver_sql(
                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?) "
                "INSERT INTO ocop_dossier (id, version, records, product, producer, sheet, "
                "province, district, commune, kind, regime, submitted_on, state, scores, stars, "
                "certificate_number, certificate_level, issued_on, expires_on) "
                "SELECT i, 1, 5, 'p', 'h', 13, 'Sơn La', 'D' || (i % 12), 'c', 'first_time', "
                "'QD148_2023', '2020-01-01', CASE WHEN i % 4 = 0 THEN 'expired' ELSE 'certified' "
                "END, '{}', 4, 'N' || i, 'province', date('2020-01-01', '+' || (i % 1800) || "
                "' days'), date('2023-01-01', '+' || (i % 1800) || ' days') FROM k",
                (n,),
            )
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.execute(
                sa.text(
                    "INSERT INTO ocop_dossier (id, version, records, product, producer, sheet, "
                    "province, district, commune, kind, regime, submitted_on, state, scores, "
                    "stars, certificate_number, certificate_level, issued_on, expires_on) "
                    "SELECT i, 1, 5, 'p', 'h', 13, 'Sơn La', 'D' || (i % 12), 'c', 'first_time', "
                    "'QD148_2023', DATE '2020-01-01', CASE WHEN i % 4 = 0 THEN 'expired' ELSE "
                    "'certified' END, '{}', 4, 'N' || i, 'province', DATE '2020-01-01' + "
                    "(i % 1800), DATE '2023-01-01' + (i % 1800) FROM generate_series(1, :n) i"
                ),
                {"n": n},
            )
        query = sa.select(dossiers.c.id).where(*expiring_conditions(dt.date(2027, 6, 1), 30))
        query = query.order_by(dossiers.c.expires_on, dossiers.c.id)
        compiled = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    if not sqlite:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE ocop_dossier"
            )
    with engine.connect() as conn:
        if sqlite:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
            return [str(row[-1]) for row in rows]
        return [str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {compiled}").all()]


# -- the run ---------------------------------------------------------------------------------


def _postgres_schema(base: str, name: str) -> str:
    """A fresh schema of the PostgreSQL database ``base`` and the URL reaching it."""
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False)


def _drop_schema(base: str, name: str) -> None:
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    admin.dispose()


def main(quick: bool = False) -> None:
    n, trips, explained, seconds = (
        (200, 20, 2_000, 0.5) if quick else (100_000, 300, 1_000_000, 5.0)
    )
    postgres = os.environ.get("OCOP_TEST_POSTGRES_URL")
    assert set(metadata.tables) >= {"ocop_dossier", "ocop_history"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bulk = bulk_ratios(n, folder)
        print(f"(a) add_all of {n:,} dossiers (5 records each), SQLite file:")
        print(
            f"    store {bulk['add']:.2f} s / raw sqlite3 executemany {bulk['raw_add']:.2f} s "
            f"= {bulk['add_ratio']:.2f} (goal at most 2.0)"
        )
        print("(b) loading them all back:")
        print(
            f"    store {bulk['load']:.2f} s / raw select + json.loads {bulk['raw_load']:.2f} s "
            f"= {bulk['load_ratio']:.2f} (goal at most 2.0)"
        )
        print(
            f"    store {bulk['load']:.2f} s / raw select + json.loads + from_dict(workflow=) "
            f"{bulk['raw_checked_load']:.2f} s = {bulk['checked_load_ratio']:.2f}"
        )
        print(
            f"    the state machine's events alone (four per dossier, as replay fires them): "
            f"{bulk['events']:.2f} s = {bulk['events_ratio']:.2f} x the raw select"
        )
        sqlite_trip = round_trip(f"sqlite:///{folder / 'trip.db'}", trips)
        operation = operation_alone(trips)
        print(f"(c) get-operate-save round trip, SQLite file: {sqlite_trip * 1e3:.2f} ms")
        print(f"    (the operation alone, in memory: {operation * 1e6:.0f} µs)")
        if postgres is None:
            print("    PostgreSQL parts skipped: OCOP_TEST_POSTGRES_URL is not set")
        else:
            url = _postgres_schema(postgres, "ocop_bench")
            try:
                pg_trip = round_trip(url, trips)
                print(
                    f"    PostgreSQL: {pg_trip * 1e3:.2f} ms ({pg_trip / sqlite_trip:.2f} x SQLite)"
                )
                result = concurrent(url, 4, 50, seconds)
                print(
                    f"(d) 4 processes on 50 shared dossiers, PostgreSQL, {seconds:.0f} s: "
                    f"{result['saves_per_second']:.0f} saves/s, conflict rate "
                    f"{result['conflict_rate']:.1%} ({result['conflicts']:.0f} conflicts, "
                    f"{result['saves']:.0f} saves); one process alone: {1 / pg_trip:.0f} saves/s"
                )
            finally:
                _drop_schema(postgres, "ocop_bench")
        print(f"(e) expiring_within(days=30) over {explained:,} dossiers, SQLite plan:")
        for line in expiring_plan(f"sqlite:///{folder / 'plan.db'}", explained):
            print(f"    {line}")
        if postgres is not None:
            url = _postgres_schema(postgres, "ocop_bench_plan")
            try:
                print("    PostgreSQL plan:")
                for line in expiring_plan(url, explained):
                    print(f"    {line}")
            finally:
                _drop_schema(postgres, "ocop_bench_plan")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    main(quick=parser.parse_args().quick)
