"""The store under stress: concurrent writer processes, and writers killed mid-batch (SIGKILL).

Each runs on a SQLite file and (with OCOP_TEST_POSTGRES_URL) on PostgreSQL. Sizes are small so
that each test takes a few seconds; the checks are exact.
"""

import multiprocessing
import os
import random
import signal
import time
from collections import Counter

import pytest

from ocop_workflow import DossierState
from ocop_workflow.store import Store
from ocop_workflow.testing import registered_dossier
from tests.store_support import BACKENDS, BATCH, batch_writer, database, random_writer

# Children are forked from a clean server process, not from the test process (whose other
# tests may have left threads running, which a plain fork would copy in whatever state).
FORK = multiprocessing.get_context("forkserver")


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with database(request.param, tmp_path) as address:
        yield address


def check_feed(store):
    """The feed has every record once, positions 1..n without a gap, sequences 0..k each."""
    changes = store.changes(limit=1_000_000)
    assert [c.position for c in changes] == list(range(1, len(changes) + 1))
    sequences: dict[str, list[int]] = {}
    for change in changes:
        sequences.setdefault(change.dossier_id, []).append(change.sequence)
    dossiers = {store.key_of(d): d for d in store}  # every history replays to its snapshot
    assert {key: len(d.history) for key, d in dossiers.items()} == {
        key: len(numbers) for key, numbers in sequences.items()
    }
    for key, numbers in sequences.items():
        assert numbers == list(range(len(numbers))), key
        assert [c.record for c in changes if c.dossier_id == key] == dossiers[key].history
    return dossiers


def test_concurrent_writers_lose_no_update(url):
    with Store(url) as store:
        keys = store.add_all([registered_dossier(store.workflow) for _ in range(3)])
    workers, operations = 4, 25
    with FORK.Pool(workers) as pool:
        results = pool.starmap(random_writer, [(url, keys, w, operations) for w in range(workers)])
    with Store(url) as store:
        dossiers = check_feed(store)
    expected = Counter(
        (token, key) for saved, _ in results for token, keys in saved for key in keys
    )
    found = Counter((record.note, key) for key, d in dossiers.items() for record in d.history[1:])
    assert found == expected  # every successful save once, nothing else
    assert all(count == 1 for count in found.values())
    assert sum(len(saved) for saved, _ in results) == workers * operations


def test_a_writer_killed_mid_batch_leaves_whole_transactions(url):
    rng = random.Random(10)
    Store(url).close()  # the schema, before any child opens the database
    for _ in range(10):
        ready = FORK.Event()
        child = FORK.Process(target=batch_writer, args=(url, ready))
        child.start()
        assert ready.wait(60), "the writer did not commit its first batch"
        ready.clear()
        assert ready.wait(60), "the writer did not commit a second batch"
        time.sleep(rng.uniform(0.0, 0.05))  # somewhere in a later add_all or save
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        with Store(url) as store:
            dossiers = check_feed(store)
        batches: dict[str, list[DossierState]] = {}
        for d in dossiers.values():
            batches.setdefault(d.product.rsplit("-", 1)[0], []).append(d.state)
        for states in batches.values():
            assert len(states) == BATCH  # no batch half added
            assert len(set(states)) == 1  # and each saved whole or not at all
            assert states[0] in (DossierState.REGISTERED, DossierState.COMMUNE_REVIEWED)
    assert len(batches) >= 20  # two batches at least from each of the ten writers
