"""Databases for the store tests: a SQLite file, and PostgreSQL when OCOP_TEST_POSTGRES_URL is set.

Each PostgreSQL test gets a schema of its own (dropped afterwards), reached through the
connection's ``search_path``; no mock database anywhere. The writer functions run in child
processes (the concurrency and kill tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ocop_workflow import DossierState
from ocop_workflow.store import ConcurrentUpdate, Store
from ocop_workflow.testing import registered_dossier

POSTGRES = os.environ.get("OCOP_TEST_POSTGRES_URL")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES, reason="OCOP_TEST_POSTGRES_URL is not set: no PostgreSQL to test against"
        ),
    ),
]
"""Parametrise a store test with these: it runs on both databases."""


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh, empty database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'ocop-{uuid.uuid4().hex[:8]}.db'}"
        return
    assert POSTGRES is not None
    schema = f"ocop_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = sa.make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def operate(store: Store, dossier: object, token: str) -> None:
    """Apply the next operation of the return/resubmit loop to ``dossier``, noted ``token``."""
    from ocop_workflow import Dossier

    assert isinstance(dossier, Dossier)
    wf = store.workflow
    day = dossier.last_step_on + dt.timedelta(days=1)
    if dossier.state is DossierState.REGISTERED:
        wf.review_at_commune(dossier, passed=False, on=day, note=token)
    else:
        wf.resubmit(dossier, on=day, note=token)


def random_writer(
    url: str, keys: list[str], worker: int, operations: int
) -> tuple[list[tuple[str, tuple[str, ...]]], int]:
    """Random operations on shared dossiers, retried on ConcurrentUpdate (run in a child).

    Returns each successful save (its token and the dossiers it changed) and the conflicts met.
    """
    rng = random.Random(worker)
    saved: list[tuple[str, tuple[str, ...]]] = []
    conflicts = 0
    with Store(url) as store:
        for i in range(operations):
            token = f"w{worker}-{i}"
            chosen = tuple(sorted(rng.sample(keys, rng.choice((1, 1, 2)))))
            while True:
                loaded = [store.get(key) for key in chosen]
                for dossier in loaded:
                    operate(store, dossier, token)
                try:
                    store.save(*loaded)
                except ConcurrentUpdate:
                    conflicts += 1
                    continue
                break
            saved.append((token, chosen))
    return saved, conflicts


BATCH = 40
"""Dossiers per batch of :func:`batch_writer`."""


def batch_writer(url: str, ready: object) -> None:
    """Add batches of dossiers and save them all in one transaction, forever (until killed).

    Every dossier of a batch is named ``<pid>-<batch>-<n>``: after a kill, a batch must be there
    whole or not at all, and its dossiers all in one state.
    """
    store = Store(url)
    wf = store.workflow
    for number in range(1_000_000):
        batch = [
            registered_dossier(wf, product=f"{os.getpid()}-{number}-{n}") for n in range(BATCH)
        ]
        store.add_all(batch)
        ready.set()  # type: ignore[attr-defined]
        for dossier in batch:
            wf.review_at_commune(dossier, passed=True, on=dt.date(2024, 3, 10))
        store.save(*batch)
