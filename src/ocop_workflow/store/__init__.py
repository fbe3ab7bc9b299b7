"""Dossiers in a real database: SQLite by default, PostgreSQL in production (the ``store`` extra).

::

    from ocop_workflow.store import ConcurrentUpdate, Store
    store = Store("sqlite:///ocop.db")
    key = store.add(dossier)          # its id, a string
    d = store.get(key)                # history replayed and checked against the snapshot
    workflow.score(d, "province", 78.0, on=date(2024, 7, 5))
    store.save(d)                     # ConcurrentUpdate if another save came first

The schema (:mod:`ocop_workflow.store.schema`, SQLAlchemy ``MetaData``) and the guarantees are
described in ``docs/store.md``. This is an adapter: the domain modules import nothing from it.
"""

try:
    import sqlalchemy  # noqa: F401  (only to say which extra is missing)
except ImportError as missing:  # pragma: no cover - the test extra installs it
    raise ImportError(
        "the store needs the 'store' extra: pip install \"ocop-workflow[store]\""
    ) from missing

from ocop_workflow.store._store import (
    Change,
    ConcurrentUpdate,
    CorruptDossier,
    SchemaError,
    Store,
    StoreError,
)
from ocop_workflow.store.schema import SCHEMA_VERSION, metadata

__all__ = [
    "SCHEMA_VERSION",
    "Change",
    "ConcurrentUpdate",
    "CorruptDossier",
    "SchemaError",
    "Store",
    "StoreError",
    "metadata",
]
