"""A Sơn La coffee dossier through every stage under Decision 148, then its history as a table.

Run it with ``python examples/lifecycle.py``.
"""

from __future__ import annotations

import datetime as dt

from ocop_workflow import Dossier, DossierKind, Level, Workflow, rulesets


def run() -> tuple[Dossier, Dossier]:
    """Certify a coffee product, let it expire, re-evaluate it; return the old and new dossiers."""
    wf = Workflow(rulesets.QD148_2023)
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
    assert coffee.certificate is not None
    wf.expire(coffee, on=coffee.certificate.expires_on)

    renewal = wf.register(
        product="Cà phê bột nguyên chất",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province="Sơn La",
        district="Mai Sơn",
        commune="Chiềng Ban",
        submitted_on=dt.date(2027, 8, 1),
        kind=DossierKind.REEVALUATION,
        renews=coffee,
    )
    wf.review_at_commune(renewal, passed=True, on="2027-08-15")
    wf.score(renewal, Level.DISTRICT, 81.25, on="2027-09-20")
    wf.score(renewal, Level.PROVINCE, 83.0, on="2027-10-25")
    wf.certify(renewal, on="2027-11-05", number="SL-2027-044", renewed=coffee)
    return coffee, renewal


def history_table(dossier: Dossier) -> str:
    """The dossier's history as a fixed-width text table."""
    rows = [("date", "action", "from", "to", "actor", "details")]
    for r in dossier.history:
        details = ", ".join(f"{k}={v}" for k, v in r.details.items() if v is not None)
        rows.append(
            (
                r.on.isoformat(),
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
