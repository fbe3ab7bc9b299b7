"""A provincial portal's day on a SQLite store: intake, two officials on one dossier, a renewal,
and the notices the change feed says to send.

Run it with ``python examples/portal.py`` (the ``store`` extra). The store is a file in a
temporary folder, as a portal's would be on its server.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from ocop_workflow import Dossier, DossierKind, Level, Workflow, rulesets
from ocop_workflow.store import Change, ConcurrentUpdate, Store
from ocop_workflow.testing import certified_dossier

WF = Workflow(rulesets.QD148_2023)

NOTICES = {
    "certify": "certificate {number} issued: send it to the producer",
    "revoke": "certificate {number} revoked: tell the producer and the district",
    "supersede": "certificate {number} superseded by its re-evaluation",
    "expire": "certificate {number} expired",
    "withdraw": "dossier withdrawn at the producer's request: close its file",
}


def intake(store: Store) -> list[str]:
    """The commune files a tea and a dried-plum dossier; a coffee certified in 2024 is kept."""
    old = certified_dossier(WF, 78.0, on=dt.date(2024, 7, 20), number="SL-2024-017")
    keys = [store.add(old)]
    for product, commune in (("Chè Shan tuyết", "Tà Xùa"), ("Mận hậu sấy", "Chiềng Hặc")):
        dossier = WF.register(
            product=product,
            sheet=13 if product.startswith("Chè") else 2,
            producer=f"HTX {commune}",
            province="Sơn La",
            district="Mộc Châu",
            commune=commune,
            submitted_on=dt.date(2024, 3, 1),
        )
        WF.review_at_commune(dossier, passed=True, on=dt.date(2024, 3, 12))
        keys.append(store.add(dossier))
    return keys


def two_officials(store: Store, key: str) -> str:
    """The district's council scores a dossier while the province, from a copy it loaded at the
    same time, records the producer's withdrawal letter.

    The district saves first; the province's save is refused (its copy is stale), so it reloads
    the dossier, sees the district's score, and records the withdrawal again on the fresh copy.
    """
    district = store.get(key)
    province = store.get(key)
    WF.score(district, Level.DISTRICT, 75.5, on=dt.date(2024, 6, 10), actor="Huyện Mộc Châu")
    store.save(district)

    def letter(dossier: Dossier) -> None:
        WF.withdraw(dossier, on=dt.date(2024, 6, 11), actor="Sở NN&PTNT", note="HTX xin rút")

    letter(province)
    try:
        store.save(province)
    except ConcurrentUpdate as error:
        print(f"province: {error}")
        province = store.get(key)
        print(f"province: reloaded, the dossier is now {province.state.value}")
        letter(province)
        store.save(province)
    return store.get(key).state.value


def renewal(store: Store, old_key: str) -> str:
    """A re-evaluation in 2027 certifies a new certificate and supersedes the old one, together."""
    old = store.get(old_key)
    new = WF.register(
        product=old.product,
        sheet=old.sheet,
        producer=old.producer,
        province=old.province,
        commune=old.commune,
        submitted_on=dt.date(2027, 2, 1),
        kind=DossierKind.REEVALUATION,
        renews=old,
    )
    key = store.add(new)
    WF.review_at_commune(new, passed=True, on=dt.date(2027, 2, 20))
    WF.score(new, Level.PROVINCE, 83.0, on=dt.date(2027, 3, 10))
    WF.certify(new, on=dt.date(2027, 3, 15), number="SL-2027-044", renewed=old)
    store.save(new, old)  # both or neither
    return key


def notices(store: Store, after: int) -> tuple[list[str], int]:
    """The notices to send for the records committed after ``after``, and the new cursor."""
    lines = []
    changes: list[Change] = store.changes(after=after)
    for change in changes:
        template = NOTICES.get(change.record.action)
        if template is None:
            continue
        number = change.record.details.get("number")
        if number is None:  # the record does not repeat it: the dossier has it
            certificate = store.get(change.dossier_id).certificate
            number = certificate.number if certificate else "-"
        notice = template.format(number=number)
        lines.append(f"#{change.position} dossier {change.dossier_id}: {notice}")
    return lines, changes[-1].position if changes else after


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        Store(f"sqlite:///{Path(folder) / 'ocop.db'}") as store,
    ):
        old_key, tea, _ = intake(store)
        cursor = 0
        _, cursor = notices(store, cursor)  # the portal's notifier starts here
        print(f"intake: {len(store)} dossiers")
        print(f"two officials on dossier {tea}: it ends {two_officials(store, tea)}")
        new_key = renewal(store, old_key)
        print(f"renewal {new_key}: dossier {old_key} is {store.get(old_key).state.value}")
        lines, cursor = notices(store, cursor)
        print("\n".join(lines))
        print(f"feed cursor: {cursor}")
        soon = store.expiring_within(days=30, as_of=dt.date(2030, 2, 20))
        numbers = [d.certificate.number for d in soon if d.certificate]
        print(f"30-day expiry notices on 2030-02-20: {numbers}")


if __name__ == "__main__":
    main()
