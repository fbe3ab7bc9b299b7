"""The store, on a SQLite file and (with OCOP_TEST_POSTGRES_URL) on PostgreSQL."""

import datetime as dt
import io
import json
import re
import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_workflow import (
    DossierKind,
    DossierState,
    InvalidInput,
    Level,
    OcopError,
    Workflow,
    portfolio,
)
from ocop_workflow import rulesets as rs
from ocop_workflow.access import Actor, Role, jurisdiction
from ocop_workflow.cli import main
from ocop_workflow.store import (
    SCHEMA_VERSION,
    ConcurrentUpdate,
    CorruptDossier,
    SchemaError,
    Store,
    metadata,
)
from ocop_workflow.testing import (
    certified_dossier,
    held_dossier,
    registered_dossier,
    scored_dossier,
)
from tests.store_support import BACKENDS, database
from tests.strategies import jurisdiction_actors, located_portfolios, portfolios

WF = Workflow(rs.QD148_2023)


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with database(request.param, tmp_path) as address:
        yield address


@pytest.fixture
def store(url):
    with Store(url) as opened:
        yield opened


def feed(store):
    return [(c.position, c.dossier_id, c.sequence, c.record) for c in store.changes(limit=10_000)]


# -- identity, get, save ---------------------------------------------------------------------


def test_add_returns_a_string_id_and_get_gives_the_dossier_back(store):
    d = certified_dossier(WF, 78.0, number="SL-2024-017")
    key = store.add(d)
    assert isinstance(key, str)
    loaded = store.get(key)
    assert loaded == d
    assert loaded is not d
    assert store.key_of(loaded) == key


@pytest.mark.parametrize("key", ["999", "abc", "", "１", "01", "-1", "1" * 30])
def test_an_unknown_id_is_an_error_naming_it(store, key):
    store.add(registered_dossier(WF))
    with pytest.raises(InvalidInput, match=f"'key' must name a stored dossier \\(got '{key}'\\)"):
        store.get(key)


def test_a_non_string_id_is_refused(store):
    with pytest.raises(InvalidInput, match=r"'key' must be a dossier id string \(got 1\)"):
        store.get(1)


def test_save_writes_the_new_records_and_the_snapshot(store, url):
    key = store.add(registered_dossier(WF))
    d = store.get(key)
    WF.review_at_commune(d, passed=True, on=dt.date(2024, 3, 8))
    WF.score(d, "district", 75.5, on=dt.date(2024, 6, 10))
    store.save(d)
    with Store(url) as other:  # another connection, as another process would read it
        again = other.get(key)
    assert again == d
    assert again.state is DossierState.DISTRICT_SCORED
    assert [(p, s) for p, _, s, _ in feed(store)] == [(1, 0), (2, 1), (3, 2)]
    WF.score(d, "province", 78.0, on=dt.date(2024, 7, 5))
    store.save(d)  # the same object saves again: the store moved its version on
    assert store.get(key) == d


def test_a_later_save_of_an_older_copy_is_a_concurrent_update_and_writes_nothing(store):
    key = store.add(certified_dossier(WF, 75.0))
    district, province = store.get(key), store.get(key)
    WF.revoke(district, reason="breach_of_rules", on=dt.date(2025, 1, 10))
    store.save(district)
    before = feed(store)
    WF.expire(province, on=dt.date(2027, 7, 20))
    with pytest.raises(ConcurrentUpdate, match=f"dossier '{key}' was saved by someone else"):
        store.save(province)
    assert feed(store) == before
    assert store.get(key).state is DossierState.REVOKED  # the revocation is not lost
    retry = store.get(key)
    assert retry.state is DossierState.REVOKED


def test_a_concurrent_update_is_an_ocop_error():
    assert issubclass(ConcurrentUpdate, OcopError)


def _renewal(old):
    """A re-evaluation of ``old`` scored by the province in 2027, ready to be certified."""
    new = WF.register(
        product="Cà phê bột nguyên chất",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province="Sơn La",
        commune="Chiềng Ban",
        submitted_on=dt.date(2027, 2, 1),
        kind=DossierKind.REEVALUATION,
        renews=old,
    )
    WF.review_at_commune(new, passed=True, on=dt.date(2027, 2, 20))
    WF.score(new, "province", 83.0, on=dt.date(2027, 3, 10))
    return new


def test_a_renewal_is_saved_with_its_old_dossier_in_one_transaction(store):
    old = certified_dossier(WF, 75.0, on=dt.date(2024, 7, 20), number="SL-1")
    old_key = store.add(old)
    new = _renewal(old)
    new_key = store.add(new)
    WF.certify(new, on=dt.date(2027, 3, 15), number="SL-2", renewed=old)
    store.save(new, old)
    assert store.get(old_key).state is DossierState.SUPERSEDED
    assert store.get(new_key).certificate.number == "SL-2"
    last = feed(store)[-2:]
    assert [(key, r.action) for _, key, _, r in last] == [
        (new_key, "certify"),
        (old_key, "supersede"),
    ]


def test_a_renewal_whose_old_dossier_changed_meanwhile_writes_neither(store):
    old = certified_dossier(WF, 75.0, on=dt.date(2024, 7, 20), number="SL-1")
    new = _renewal(old)
    new_key = store.add(new)  # the renewal's row comes first: it is updated before the old one's
    old_key = store.add(old)
    rival = store.get(old_key)
    WF.revoke(rival, reason="no_longer_meets_criteria", on=dt.date(2027, 3, 14))
    store.save(rival)
    WF.certify(new, on=dt.date(2027, 3, 15), number="SL-2", renewed=old)
    before = feed(store)
    with pytest.raises(ConcurrentUpdate, match=f"dossier '{old_key}'"):
        store.save(new, old)
    assert feed(store) == before  # the renewal's certificate is not half saved
    assert store.get(new_key).state is DossierState.PROVINCE_SCORED
    # Reloaded, the revoked certificate is left as it is and the renewal is certified.
    new, old = store.get(new_key), store.get(old_key)
    WF.certify(new, on=dt.date(2027, 3, 15), number="SL-2", renewed=old)
    store.save(new, old)
    assert store.get(old_key).state is DossierState.REVOKED
    assert store.get(new_key).state is DossierState.CERTIFIED


def test_a_dossier_unknown_to_the_store_cannot_be_saved(store):
    with pytest.raises(InvalidInput, match=r"'dossiers\[0\]' was not loaded from or added"):
        store.save(registered_dossier(WF))
    with pytest.raises(InvalidInput, match=r"'dossiers\[0\]' must be a Dossier \(got dict\)"):
        store.save({})


def test_saving_an_unchanged_dossier_writes_nothing(store):
    d = registered_dossier(WF)
    store.add(d)
    store.save(d)
    assert len(feed(store)) == 1


def test_a_dossier_added_twice_is_refused(store):
    d = registered_dossier(WF)
    key = store.add(d)
    with pytest.raises(InvalidInput, match=f"already stored as dossier '{key}'"):
        store.add(d)


def test_a_history_tampered_with_in_memory_is_refused_on_save(store):
    d = scored_dossier(WF, 75.0)
    key = store.add(d)
    d.history.pop()
    with pytest.raises(InvalidInput, match="has lost history records"):
        store.save(d)
    assert store.get(key).state is DossierState.PROVINCE_SCORED


# -- certificate numbers -----------------------------------------------------------------------


def test_a_duplicate_certificate_number_is_refused_naming_it(store):
    store.add(certified_dossier(WF, number="SL-2024-017"))
    with pytest.raises(InvalidInput, match="certificate number 'SL-2024-017' is already held by"):
        store.add_all([registered_dossier(WF), certified_dossier(WF, number="SL-2024-017")])
    assert len(store) == 1  # the batch is not half stored
    with pytest.raises(InvalidInput, match=r"'SL-9' is held by dossiers\[0\] and dossiers\[2\]"):
        store.add_all([certified_dossier(WF, number=n) for n in ("SL-9", "SL-8", "SL-9")])
    assert len(store) == 1


def test_certifying_with_a_number_already_held_is_refused_and_writes_nothing(store):
    store.add(certified_dossier(WF, number="SL-1"))
    key = store.add(scored_dossier(WF, 75.0, submitted_on=dt.date(2024, 1, 1)))
    d = store.get(key)
    WF.certify(d, on=dt.date(2024, 7, 1), number="SL-1")
    before = feed(store)
    with pytest.raises(InvalidInput, match="certificate number 'SL-1' is already held"):
        store.save(d)
    assert feed(store) == before
    assert store.get(key).certificate is None


def test_dossiers_saved_together_may_pass_a_number_between_them_but_not_share_one(store):
    # Section 8 (1048): the ministry's certificate replaces a held one on the same dossier, and
    # the province may reissue the number it held to another dossier saved with it.
    wf = Workflow(rs.QD1048_2019)
    first = store.get(store.add(scored_dossier(wf, 75.0, submitted_on=dt.date(2021, 1, 4))))
    held = store.get(store.add(held_dossier(wf, 95.0, on=dt.date(2021, 3, 10), number="SL-H")))
    wf.score(held, Level.CENTRAL, 96.0, on=dt.date(2021, 6, 1))
    wf.certify(held, on=dt.date(2021, 7, 1), number="BNN-5")
    wf.certify(first, on=dt.date(2021, 7, 1), number="SL-H")
    store.save(first, held)
    assert store.get(store.key_of(first)).certificate.number == "SL-H"
    assert store.get(store.key_of(held)).certificate.number == "BNN-5"
    a = store.get(store.add(scored_dossier(WF, 75.0, submitted_on=dt.date(2024, 1, 1))))
    b = store.get(store.add(scored_dossier(WF, 75.0, submitted_on=dt.date(2024, 1, 1))))
    for d in (a, b):
        WF.certify(d, on=dt.date(2024, 7, 1), number="SL-2")
    before = feed(store)
    with pytest.raises(InvalidInput, match=r"'SL-2' is held by dossiers\[0\] and dossiers\[1\]"):
        store.save(a, b)
    assert feed(store) == before


# -- schema ------------------------------------------------------------------------------------


def test_opening_an_empty_database_creates_the_schema(url):
    with Store(url) as store:
        names = set(sa.inspect(store.engine).get_table_names())
        assert set(metadata.tables) <= names
        with store.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version FROM ocop_schema")).scalar_one()
            assert version == SCHEMA_VERSION == 2
    with Store(url) as again:  # and opening it again keeps it
        assert len(again) == 0


def test_a_database_of_an_unknown_schema_version_is_refused(url):
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE ocop_schema SET version = 99"))
    with pytest.raises(
        SchemaError, match=rf"version is \[99\]; this library knows version {SCHEMA_VERSION}"
    ):
        Store(url)


def test_a_version_1_database_is_refused_saying_how_to_move_its_dossiers(url):
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE ocop_schema SET version = 1"))
    with pytest.raises(SchemaError, match="version 1 lacks the jurisdiction columns: export"):
        Store(url)


def test_store_tables_without_a_version_table_are_refused(url):
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE ocop_schema"))
    with pytest.raises(SchemaError, match="no 'ocop_schema' table"):
        Store(url)


def test_a_bad_url_is_refused():
    with pytest.raises(InvalidInput, match="'url' must be a database URL"):
        Store("not a url")
    with pytest.raises(InvalidInput, match="'url' must be a sqlite:// or postgresql://"):
        Store("mysql://localhost/ocop")


def test_an_in_memory_store_is_one_database_for_every_thread():
    store = Store("sqlite://")
    key = store.add(registered_dossier(WF))
    found = []
    thread = threading.Thread(target=lambda: found.append(store.get(key)))
    thread.start()
    thread.join()
    assert found == [store.get(key)]


# -- change feed, iteration --------------------------------------------------------------------


def test_the_change_feed_pages_in_commit_order(store):
    keys = store.add_all([certified_dossier(WF, number=f"N{i}") for i in range(3)])
    d = store.get(keys[1])
    WF.expire(d, on=dt.date(2027, 7, 20))
    store.save(d)
    changes = store.changes(after=0, limit=10_000)
    assert [c.position for c in changes] == list(range(1, 17))
    assert changes[-1].dossier_id == keys[1]
    assert changes[-1].record == d.history[-1]
    pages = store.changes(after=0, limit=7) + store.changes(after=7, limit=7)
    assert pages + store.changes(after=14) == changes
    assert store.changes(after=16) == []
    with pytest.raises(
        InvalidInput, match=r"'limit' must be a whole number of at least 1 \(got 0\)"
    ):
        store.changes(limit=0)
    with pytest.raises(InvalidInput, match="'after'"):
        store.changes(after=-1)


def test_iteration_streams_every_dossier_in_the_order_added(store):
    batch = [registered_dossier(WF, product=f"P{i}") for i in range(1_203)]
    keys = store.add_all(batch)
    assert [store.key_of(d) for d in store] == keys
    assert list(store) == batch
    assert len(store) == 1_203


# -- queries -----------------------------------------------------------------------------------


def _same(store_result, memory_result):
    assert store_result == memory_result


@settings(max_examples=20)
@given(
    dossiers=portfolios(),
    as_of=st.dates(dt.date(2020, 6, 1), dt.date(2029, 12, 31)),
    days=st.integers(0, 400),
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_queries_in_sql_agree_with_the_portfolio_functions(
    backend, tmp_path_factory, dossiers, as_of, days
):
    with database(backend, tmp_path_factory.getbasetemp()) as address, Store(address) as store:
        store.add_all(dossiers)
        _same(
            store.expiring_within(days=days, as_of=as_of),
            portfolio.expiring_within(dossiers, days, as_of),
        )
        _same(store.past_expiry(as_of=as_of), portfolio.past_expiry(dossiers, as_of))
        try:
            expected = portfolio.in_reevaluation_window(dossiers, as_of)
        except InvalidInput as error:
            with pytest.raises(InvalidInput, match=str(error)):
                store.in_reevaluation_window(as_of=as_of)
        else:
            _same(store.in_reevaluation_window(as_of=as_of), expected)
        _same(store.by_district(), portfolio.by_district(dossiers))
        _same(store.by_state(), portfolio.by_state(dossiers))
        _same(store.by_stars(), portfolio.by_stars(dossiers))
        _same(store.cohorts(), portfolio.cohorts(dossiers))
        for state in (DossierState.CERTIFIED, "registered", DossierState.EXPIRED):
            wanted = DossierState(state)
            _same(store.find(state=state), [d for d in dossiers if d.state is wanted])
        _same(
            store.find(district="Mai Sơn", sheet=13),
            [d for d in dossiers if d.district == "Mai Sơn" and d.sheet == 13],
        )
        _same(
            store.find(province="Sơn La", commune="Chiềng Ban"),
            [d for d in dossiers if d.province == "Sơn La" and d.commune == "Chiềng Ban"],
        )


def test_the_contract_query_example(store):
    store.add_all(
        [
            certified_dossier(WF, 75.0, on=dt.date(2024, 6, 20), number="SL-2024-1"),
            certified_dossier(WF, 75.0, on=dt.date(2024, 7, 20), number="SL-2024-2"),
        ]
    )
    found = store.expiring_within(days=30, as_of=dt.date(2027, 6, 1))
    assert [d.certificate.number for d in found] == ["SL-2024-1"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (lambda s: s.expiring_within(days=-1, as_of="2027-06-01"), "'days'"),
        (lambda s: s.past_expiry(as_of="June"), "'as_of'"),
        (lambda s: s.in_reevaluation_window(as_of="2027-01-01", rules="QD26"), "'rules'"),
        (lambda s: s.find(state="lost"), "'state' must be one of registered"),
        (lambda s: s.find(sheet="13"), "'sheet'"),
        (lambda s: s.find(province=1), "'province'"),
    ],
)
def test_bad_query_arguments_are_named(store, query, message):
    with pytest.raises(InvalidInput, match=message):
        query(store)


# -- jurisdiction ------------------------------------------------------------------------------

JURISDICTION_DAYS = st.one_of(
    st.sampled_from([None, dt.date(2025, 6, 30), dt.date(2025, 7, 1)]),
    st.dates(dt.date(2020, 1, 1), dt.date(2029, 12, 31)),
)


@settings(max_examples=20, deadline=None)
@given(dossiers=located_portfolios(), as_of=JURISDICTION_DAYS, days=st.integers(0, 1200))
@pytest.mark.parametrize("backend", BACKENDS)
def test_queries_filtered_by_jurisdiction_equal_the_policy_filter(
    backend, tmp_path_factory, dossiers, as_of, days
):
    """Every query with ``visible_to`` gives its unfiltered answer filtered in Python by
    ``access.jurisdiction(...).covers``, the matching the access policy enforces; for actors
    of every role, of either structure, on a day before or after the reform."""
    with database(backend, tmp_path_factory.getbasetemp()) as address, Store(address) as store:
        store.add_all(dossiers)
        day = dt.date(2025, 7, 1) if as_of is None else as_of
        everything = store.find()
        by_key = {store.key_of(d): d for d in everything}
        feed = store.changes(limit=10_000)
        expiring, past, cohorts = (
            store.expiring_within(days, day),
            store.past_expiry(day),
            store.cohorts(),
        )
        for actor in jurisdiction_actors():
            try:
                held = jurisdiction(actor, as_of=day)
            except InvalidInput as error:  # the actor's units are not those of that day
                for query in (
                    lambda actor=actor: store.find(visible_to=actor, as_of=as_of),
                    lambda actor=actor: store.changes(visible_to=actor, as_of=as_of),
                    lambda actor=actor: store.by_state(visible_to=actor, as_of=as_of),
                    lambda actor=actor: store.past_expiry(as_of=day, visible_to=actor),
                ):
                    with pytest.raises(InvalidInput, match=re.escape(str(error))):
                        query()
                continue
            mine = held.covers
            visible = [d for d in everything if mine(d)]
            assert store.find(visible_to=actor, as_of=as_of) == visible
            assert store.find(state="certified", visible_to=actor, as_of=as_of) == [
                d for d in visible if d.state is DossierState.CERTIFIED
            ]
            assert store.expiring_within(days, day, visible_to=actor) == [
                d for d in expiring if mine(d)
            ]
            assert store.past_expiry(day, visible_to=actor) == [d for d in past if mine(d)]
            assert store.cohorts(visible_to=actor, as_of=as_of) == {
                year: [d for d in group if mine(d)]
                for year, group in cohorts.items()
                if any(mine(d) for d in group)
            }
            assert store.by_state(visible_to=actor, as_of=as_of) == portfolio.by_state(visible)
            assert store.by_stars(visible_to=actor, as_of=as_of) == portfolio.by_stars(visible)
            assert store.by_district(visible_to=actor, as_of=as_of) == portfolio.by_district(
                visible
            )
            wanted = [c for c in feed if mine(by_key[c.dossier_id])]
            assert store.changes(limit=10_000, visible_to=actor, as_of=as_of) == wanted
            pages, cursor = [], 0
            while page := store.changes(after=cursor, limit=4, visible_to=actor, as_of=as_of):
                pages += page
                cursor = page[-1].position
            assert pages == wanted


def _located(wf, number=None, on=None, **place):
    if number is None:
        return registered_dossier(wf, submitted_on=on or dt.date(2024, 3, 1), **place)
    return certified_dossier(wf, 75.0, on=on or dt.date(2024, 7, 20), number=number, **place)


def test_a_district_sees_its_dossiers_and_the_province_all_of_its_own(store):
    wf = store.workflow
    keys = store.add_all(
        [
            _located(wf, "A", actor="htx-1"),  # Chiềng Ban, Mai Sơn, Sơn La (the sample)
            _located(wf, "B", on=dt.date(2024, 3, 20), district="Mộc Châu", commune="Đông Sang"),
            _located(wf, province="Hà Giang", district="Thành phố Hà Giang", commune="Quang Trung"),
            _located(wf, on=dt.date(2026, 9, 1), district=None, commune="Chiềng Mai"),
            _located(wf, province="Hà Nội", district="Ba Đình", commune="Cống Vị"),
            _located(wf, province="Atlantis", district="Nowhere", commune="None"),
        ]
    )

    def ids(found):
        return [keys.index(store.key_of(d)) for d in found]

    before = dt.date(2025, 6, 1)
    mai_son = Actor("d", Role.DISTRICT_COUNCIL, province="Sơn La", district="huyện mai sơn")
    assert ids(store.find(visible_to=mai_son, as_of=before)) == [0]
    son_la = Actor("p", Role.PROVINCE_COMMITTEE, province="Sơn La")
    assert ids(store.find(visible_to=son_la, as_of=before)) == [0, 1, 3]
    assert ids(store.find(visible_to=son_la)) == [0, 1, 3]  # the current units
    assert ids(store.expiring_within(days=60, as_of="2027-06-01", visible_to=son_la)) == [0]
    assert store.by_stars(visible_to=son_la) == Counter({4: 2})
    assert store.by_stars(visible_to=mai_son, as_of=before) == Counter({4: 1})
    # Hà Giang was merged into Tuyên Quang: the new province has the old one's dossiers.
    tuyen_quang = Actor("t", Role.PROVINCE_COUNCIL, province="Tuyên Quang")
    assert ids(store.find(visible_to=tuyen_quang)) == [2]
    assert ids(store.find(visible_to=tuyen_quang, as_of=before)) == []
    # Chiềng Ban became part of Chiềng Mai: its commune officer now sees both dossiers.
    chieng_mai = Actor("c", Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Mai")
    assert ids(store.find(visible_to=chieng_mai)) == [0, 3]
    # A divided commune lies in no one commune, but in its province.
    ngoc_ha = Actor("c", Role.COMMUNE_OFFICER, province="Hà Nội", commune="Ngọc Hà")
    assert ids(store.find(visible_to=ngoc_ha)) == []
    hanoi = Actor("p", Role.PROVINCE_COUNCIL, province="Hà Nội")
    assert ids(store.find(visible_to=hanoi)) == [4]
    # Free text is nobody's unit; the producer sees their own; the ministry everything.
    assert ids(store.find(visible_to=Actor("htx-1", Role.PRODUCER))) == [0]
    assert ids(store.find(visible_to=Actor("m", Role.MINISTRY))) == list(range(6))
    assert [c.dossier_id for c in store.changes(visible_to=mai_son, as_of=before)] == [keys[0]] * 5


def test_jurisdiction_arguments_are_checked(store):
    store.add(registered_dossier(WF))
    mai_son = Actor("d", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn")
    with pytest.raises(InvalidInput, match=r"'actor.district' must be None from 2025-07-01"):
        store.find(visible_to=mai_son)  # no district after the reform
    with pytest.raises(InvalidInput, match=r"'actor.province' 'Atlantis' is not a"):
        store.changes(visible_to=Actor("p", Role.PROVINCE_COUNCIL, province="Atlantis"))
    with pytest.raises(InvalidInput, match="'visible_to' must be an Actor or None"):
        store.find(visible_to="u-17")
    with pytest.raises(InvalidInput, match="'as_of'"):
        store.by_state(visible_to=mai_son, as_of="June")


def test_the_jurisdiction_query_uses_its_index_on_sqlite(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ocop.db'}")
    store.add(registered_dossier(WF))
    from ocop_workflow.store._store import _visible

    actor = Actor("p", Role.PROVINCE_COUNCIL, province="Sơn La")
    query = sa.select(dossiers_table().c.id).where(_visible(actor, dt.date(2026, 1, 1)))
    compiled = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "USING INDEX ocop_dossier_current_province" in plan or "COVERING INDEX" in plan


def dossiers_table():
    from ocop_workflow.store.schema import dossiers

    return dossiers


# -- hand-edited rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            "UPDATE ocop_dossier SET state = 'expired' WHERE id = :key",
            "its snapshot disagrees with its history: "
            "state 'expired' (its history gives 'certified')",
        ),
        ("UPDATE ocop_dossier SET expires_on = '2030-01-01' WHERE id = :key", "expires_on"),
        ("UPDATE ocop_dossier SET records = 3 WHERE id = :key", "counts 3 history records"),
        (
            "DELETE FROM ocop_history WHERE sequence = 1 AND dossier_id = :key",
            "sequence numbers [0, 2, 3, 4]",
        ),
        (
            "UPDATE ocop_history SET to_state = 'lost' WHERE sequence = 4 AND dossier_id = :key",
            "'lost' is not a valid DossierState",
        ),
        (
            'UPDATE ocop_history SET details = \'{"level": "district", "score": 40.0}\' '
            "WHERE sequence = 2 AND dossier_id = :key",
            "its history does not replay",
        ),
    ],
)
def test_a_hand_edited_row_is_reported_with_the_dossier_id(store, edit, message):
    good = store.add(certified_dossier(WF, number="A"))
    key = store.add(certified_dossier(WF, number="B"))
    with store.engine.begin() as conn:
        conn.execute(sa.text(edit), {"key": int(key)})
    with pytest.raises(CorruptDossier) as raised:
        store.get(key)
    assert str(raised.value).startswith(f"stored dossier '{key}' does not check: ")
    assert message in str(raised.value)
    with pytest.raises(CorruptDossier, match=f"'{key}'"):
        list(store)
    assert store.get(good).certificate.number == "A"


def test_a_malformed_feed_record_is_reported_with_its_dossier(store):
    key = store.add(registered_dossier(WF))
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE ocop_history SET from_state = 'nowhere'"))
    with pytest.raises(
        CorruptDossier, match=f"dossier '{key}' has a malformed history record at position 1"
    ):
        store.changes()


def test_text_that_is_not_a_date_or_json_is_reported_on_sqlite(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'ocop.db'}")
    key = store.add(certified_dossier(WF))
    for edit in (
        "UPDATE ocop_history SET on_date = 'soon'",
        "UPDATE ocop_history SET details = '{'",
    ):
        with store.engine.begin() as conn:
            conn.execute(sa.text(edit + " WHERE sequence = 3"))
        with pytest.raises(
            CorruptDossier, match=f"'{key}' does not check: a history record is malformed"
        ):
            store.get(key)


# -- exchange ----------------------------------------------------------------------------------


def test_json_lines_round_trip(store, tmp_path, url):
    batch = [certified_dossier(WF, number=f"N{i}") for i in range(3)] + [registered_dossier(WF)]
    store.add_all(batch)
    path = tmp_path / "dossiers.jsonl"
    assert store.export_jsonl(path) == 4
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [d.to_dict() for d in batch]
    with database("sqlite", tmp_path) as other_url, Store(other_url) as other:
        assert len(other.import_jsonl(path)) == 4
        assert list(other) == batch


def test_a_bad_line_is_refused_with_its_number_and_nothing_is_imported(store):
    good = json.dumps(registered_dossier(WF).to_dict())
    bad = registered_dossier(WF).to_dict()
    bad["state"] = "certified"
    text = "\n".join([good, good, json.dumps(bad), good]) + "\n"
    with pytest.raises(InvalidInput, match="line 3: malformed dossier"):
        store.import_jsonl(io.StringIO(text))
    with pytest.raises(InvalidInput, match="line 2: Expecting value"):
        store.import_jsonl(io.StringIO(good + "\nnot json\n"))
    assert len(store) == 0


def test_the_command_line_exports_and_imports(store, url, tmp_path, capsys):
    store.add_all([certified_dossier(WF, number=f"N{i}") for i in range(2)])
    path = tmp_path / "out.jsonl"
    assert main(["store", "export", url, str(path)]) == 0
    assert "2 dossiers exported" in capsys.readouterr().out
    with database("sqlite", tmp_path) as other:
        assert main(["store", "import", other, str(path)]) == 0
        assert "2 dossiers imported" in capsys.readouterr().out
        assert main(["store", "import", other, str(path)]) == 2  # the numbers are taken now
        assert "ocop-workflow: certificate number 'N0' is already held" in capsys.readouterr().err
        with Store(other) as copy:
            assert list(copy) == list(store)


def test_an_export_that_fails_midway_leaves_the_old_file_and_no_partial_one(store, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    batch = [registered_dossier(WF, product=f"P{i}") for i in range(601)]
    keys = store.add_all(batch)
    path = folder / "out.jsonl"
    path.write_text("the previous export\n", encoding="utf-8")
    # The last dossier is damaged: the first page of 500 has been written when loading it fails.
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ocop_dossier SET state = 'expired' WHERE id = :key"),
            {"key": int(keys[-1])},
        )
    with pytest.raises(CorruptDossier, match=f"'{keys[-1]}'"):
        store.export_jsonl(path)
    assert path.read_text(encoding="utf-8") == "the previous export\n"
    with pytest.raises(CorruptDossier):
        store.export_jsonl(folder / "fresh.jsonl")
    assert [p.name for p in folder.iterdir()] == ["out.jsonl"]  # no partial, no temporary


def test_an_interrupted_export_leaves_no_file(store, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    store.add_all([registered_dossier(WF, product=f"P{i}") for i in range(3)])
    written: list[object] = []

    def interrupted(document, **kwargs):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(document)
        return json.dumps(document, **kwargs)

    monkeypatch.setattr("ocop_workflow.store._store.json.dumps", interrupted)
    path = folder / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        store.export_jsonl(path)
    monkeypatch.undo()
    assert len(written) == 2  # two lines were written to the temporary file
    assert list(folder.iterdir()) == []
    assert store.export_jsonl(path) == 3
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3


def test_an_export_to_a_path_that_cannot_be_written_is_named(store, tmp_path):
    target = tmp_path / "missing" / "out.jsonl"
    with pytest.raises(InvalidInput, match="'target' cannot be written: No such file"):
        store.export_jsonl(target)
    with pytest.raises(InvalidInput, match="'target' must be a file path"):
        store.export_jsonl(b"out.jsonl")
