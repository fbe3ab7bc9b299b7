"""A Sơn La coffee dossier through every stage under Decision 148, then its history as a table.

Run it with ``python examples/lifecycle.py``.
"""

from __future__ import annotations

import datetime as dt

from ocop_workflow import Dossier, DossierKind, Level, Workflow, rulesets


def run() -> tuple[Dossier, Dossier]:
    """Certify a coffee product under 148, then re-evaluate it under 26/2026.

    Returns the first dossier (superseded in the end) and its re-evaluation.
    """
    wf = Workflow(rulesets.QD148_2023)  # follows the regimes in force on each date
    coffee = wf.register(
        product="Cà phê bột nguyên chất",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province="Sơn La",
        district="Mai Sơn",
        commune="Chiềng Ban",
        submitted_on=dt.date(2024, 3, 1),
        actor="HTX Cà phê Chiềng Ban",
    )
    wf.review_at_commune(
        coffee,
        passed=False,
        on="2024-03-12",
        actor="UBND xã Chiềng Ban",
        note="Thiếu 5 mẫu sản phẩm",
    )
    wf.resubmit(coffee, on="2024-03-20", actor="HTX Cà phê Chiềng Ban")
    wf.review_at_commune(coffee, passed=True, on="2024-03-28", actor="UBND xã Chiềng Ban")
    # District round 1 before 15 June 2024 (seed plan); 70 or more goes on to the province.
    wf.score(coffee, Level.DISTRICT, 75.5, on="2024-06-10", actor="Hội đồng huyện Mai Sơn")
    # Province round 1 before 10 July 2024; the province recognises 4 stars.
    wf.score(coffee, Level.PROVINCE, 78.0, on="2024-07-05", actor="Hội đồng tỉnh Sơn La")
    wf.certify(coffee, on="2024-07-20", number="SL-2024-017", actor="UBND tỉnh Sơn La")

    # In 2027 Decision 26/2026 applies: no district level any more, and a re-evaluation is filed
    # 180 to 120 days before the certificate expires (20 July 2027).
    renewal = wf.register(
        product="Cà phê bột nguyên chất",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province="Sơn La",
        commune="Chiềng Ban",
        submitted_on=dt.date(2027, 2, 1),
        kind=DossierKind.REEVALUATION,
        renews=coffee,
    )
    wf.review_at_commune(renewal, passed=True, on="2027-02-20", actor="UBND xã Chiềng Ban")
    wf.score(renewal, Level.PROVINCE, 83.0, on="2027-03-10", actor="Hội đồng tỉnh Sơn La")
    wf.certify(
        renewal, on="2027-03-15", number="SL-2027-044", renewed=coffee, actor="UBND tỉnh Sơn La"
    )
    return coffee, renewal


def history_table(dossier: Dossier) -> str:
    """The dossier's history as a fixed-width text table."""
    rows = [("date", "regime", "action", "from", "to", "actor", "details")]
    for r in dossier.history:
        details = ", ".join(f"{k}={v}" for k, v in r.details.items() if v is not None)
        rows.append(
            (
                r.on.isoformat(),
                r.regime,
                r.action,
                r.from_state.en if r.from_state else "",
                r.to_state.en,
                r.actor or "",
                details[:60],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    coffee, renewal = run()
    for dossier in (coffee, renewal):
        cert = dossier.certificate
        assert cert is not None
        print(f"{dossier.product} ({dossier.kind.value}): {dossier.state.en} / {dossier.state.vi}")
        print(
            f"certificate {cert.number}: {cert.stars} stars by the {cert.level.value}, "
            f"{cert.issued_on} to {cert.expires_on}\n"
        )
        print(history_table(dossier), end="\n\n")


if __name__ == "__main__":
    main()
