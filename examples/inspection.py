"""After the certificate: an inspection finds a breach, the revocation follows within its limit,
the year's expiry notices go out, and the agenda of a month is printed as a table.

Run it with ``python examples/inspection.py``.
"""

from __future__ import annotations

import datetime as dt

from ocop_workflow import Dossier, Workflow, rulesets
from ocop_workflow.portfolio import Agenda, agenda, notices_due, revocations_due
from ocop_workflow.rounds import national_2026
from ocop_workflow.testing import certified_dossier
from ocop_workflow.workflow.inspections import Finding

WF = Workflow(rulesets.QD148_2023)  # follows the regimes in force on each date


def portfolio() -> list[Dossier]:
    """Five Sơn La products certified in 2024 under Decision 148."""
    return [
        certified_dossier(WF, 78.0, on=dt.date(2024, 6, 20), number="SL-2024-011"),
        certified_dossier(WF, 65.0, on=dt.date(2024, 7, 5), number="SL-2024-012"),
        certified_dossier(WF, 82.0, on=dt.date(2024, 7, 20), number="SL-2024-017"),
        certified_dossier(
            WF, 75.0, on=dt.date(2024, 12, 10), number="SL-2024-031", product="Chè Shan tuyết"
        ),
        certified_dossier(
            WF, 60.0, on=dt.date(2024, 12, 28), number="SL-2024-040", product="Mận hậu"
        ),
    ]


def run() -> tuple[list[Dossier], Agenda]:
    """Inspect and revoke one product in 2026, send the notices of 2027, and return the
    portfolio with its agenda for June 2027."""
    dossiers = portfolio()
    plums = dossiers[4]
    # 26/2026 (in force from 21 July 2026): misuse of the mark is a ground, revoked within 15 days.
    grounds = WF.inspect(
        plums,
        on=dt.date(2026, 9, 1),
        findings=[Finding("misuse_of_mark", "OCOP label on an uncertified product line")],
        actor="Sở NN&MT Sơn La",
    )
    assert [g.value for g in grounds] == ["misuse_of_mark"]
    due = revocations_due(dossiers, as_of=dt.date(2026, 9, 10))
    for r in due:
        number = r.dossier.certificate.number if r.dossier.certificate else "?"
        print(f"revocation of {number} due by {r.revoke_by} (inspection of {r.inspected_on})")
    WF.revoke(
        plums,
        reason="misuse_of_mark",
        on=dt.date(2026, 9, 12),
        inspection=dt.date(2026, 9, 1),
        actor="UBND tỉnh Sơn La",
    )
    assert revocations_due(dossiers, as_of=dt.date(2026, 9, 12)) == []
    # Another product is inspected and found clean.
    assert WF.inspect(dossiers[3], on=dt.date(2026, 10, 5), findings=[]) == ()

    # The expiry notices of 2027 (at least 30 days before each expiry), sent ten days ahead of
    # their last day; one goes out late (recorded and reported), one is still to be sent.
    for notice in notices_due(dossiers, as_of=dt.date(2027, 1, 1), days=364):
        cert = notice.dossier.certificate
        assert cert is not None
        if cert.number == "SL-2024-017":
            continue  # not sent yet: the agenda lists it
        late = cert.number == "SL-2024-012"
        on = notice.notice_by + dt.timedelta(days=5 if late else -10)
        on_time = WF.notify_expiry(notice.dossier, on=on, actor="UBND tỉnh Sơn La")
        print(
            f"notice for {cert.number} (expires {cert.expires_on}) sent {on}, "
            f"{'on time' if on_time else 'late'}"
        )
    month = agenda(
        dossiers,
        start=dt.date(2027, 6, 1),
        end=dt.date(2027, 6, 30),
        schedule=national_2026(2027),
    )
    return dossiers, month


def main() -> None:
    _, month = run()
    print()
    print("Agenda, June 2027")
    print(month)


if __name__ == "__main__":
    main()
