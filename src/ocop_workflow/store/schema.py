"""The store's relational schema, as SQLAlchemy ``MetaData`` for an application's migrations.

Five tables, all prefixed ``ocop_`` so that they sit beside an application's own (see
``docs/store.md``):

- ``ocop_dossier``: one row per dossier, its current snapshot (what the queries read) and its
  ``version`` (the number of saves, for optimistic concurrency);
- ``ocop_history``: append-only, one row per history record, keyed by dossier and sequence number,
  with a global ``position`` in commit order for the change feed;
- ``ocop_counter``: the counters of dossier ids and feed positions, one row each; a writer updates
  (and so locks) a counter row inside its transaction, which makes positions follow commit order;
- ``ocop_schema``: the schema version, one row.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "SCHEMA_VERSION",
    "counters",
    "dossiers",
    "history",
    "metadata",
    "schema_version",
]

SCHEMA_VERSION = 2
"""The version of these tables; a store refuses a database of another version (version 2 added
the owner and the official unit codes that filter by jurisdiction)."""

metadata = sa.MetaData()

dossiers = sa.Table(
    "ocop_dossier",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("product", sa.Text, nullable=False),
    sa.Column("producer", sa.Text, nullable=False),
    sa.Column("sheet", sa.Integer, nullable=False),
    sa.Column("province", sa.Text, nullable=False),
    sa.Column("district", sa.Text),
    sa.Column("commune", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("regime", sa.Text, nullable=False),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("reference", sa.Text),
    sa.Column("renews", sa.Text),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("stars", sa.Integer),
    sa.Column("certificate_number", sa.Text, unique=True),
    sa.Column("certificate_level", sa.Text),
    sa.Column("issued_on", sa.Date),
    sa.Column("expires_on", sa.Date),
    # Jurisdiction (issue 11, item 5): the registering actor, and the official codes of the
    # units the dossier was registered in and of those that took their place in the 2025 reform
    # (null where the location is not official units, or the old commune was divided).
    sa.Column("owner", sa.Text),
    sa.Column("province_code", sa.Text),
    sa.Column("district_code", sa.Text),
    sa.Column("commune_code", sa.Text),
    sa.Column("current_province_code", sa.Text),
    sa.Column("current_commune_code", sa.Text),
    # expiring_within, past_expiry, in_reevaluation_window: certified dossiers by expiry.
    sa.Index("ocop_dossier_state_expiry", "state", "expires_on"),
    sa.Index("ocop_dossier_place", "province", "district", "commune"),
    sa.Index("ocop_dossier_issued", "issued_on"),
    sa.Index("ocop_dossier_owner", "owner"),
    sa.Index("ocop_dossier_province_code", "province_code"),
    sa.Index("ocop_dossier_district_code", "district_code"),
    sa.Index("ocop_dossier_commune_code", "commune_code"),
    sa.Index("ocop_dossier_current_province", "current_province_code"),
    sa.Index("ocop_dossier_current_commune", "current_commune_code"),
)

history = sa.Table(
    "ocop_history",
    metadata,
    sa.Column(
        "dossier_id",
        sa.BigInteger,
        sa.ForeignKey("ocop_dossier.id"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("from_state", sa.Text),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("regime", sa.Text, nullable=False),
    sa.Column("actor", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("details", sa.JSON, nullable=False),
)

counters = sa.Table(
    "ocop_counter",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

schema_version = sa.Table(
    "ocop_schema",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)
