"""Sơn La's 2024 OCOP plan: its round calendar and its appendix of dossiers, routed to rounds.

The seed plan (Sơn La province, 2024) lists the dossiers each district expects (60 new and 19
re-evaluations of 2019 and 2020 products) and two district and two province rounds. This script
files them, lets each join the district round its readiness allows, and prints a per-district
table. The readiness dates are made up (spread over April to October), the rest is the seed.
Run it with ``python examples/son_la_2024.py``.
"""

from __future__ import annotations

import datetime as dt

from ocop_workflow import Dossier, DossierKind, Level, Workflow, rulesets
from ocop_workflow.rounds import SON_LA_2024, RoundSchedule
from ocop_workflow.testing import certified_dossier

APPENDIX: dict[str, tuple[int, int]] = {
    # Seed appendix: district -> (new, re-evaluation) dossiers expected in 2024.
    "Thành phố Sơn La": (5, 1),
    "Mai Sơn": (5, 0),
    "Yên Châu": (4, 0),
    "Sốp Cộp": (3, 0),
    "Mộc Châu": (7, 11),
    "Sông Mã": (8, 0),
    "Thuận Châu": (6, 2),
    "Quỳnh Nhai": (5, 1),
    "Mường La": (7, 4),
    "Bắc Yên": (2, 0),
    "Vân Hồ": (4, 0),
    "Phù Yên": (4, 0),
}


def ready_on(index: int) -> dt.date:
    """A made-up but fixed readiness date between 1 April and 27 October 2024."""
    return dt.date(2024, 4, 1) + dt.timedelta(days=(index * 37) % 210)


def file_dossiers(wf: Workflow) -> list[tuple[Dossier, dt.date]]:
    """Every dossier of the appendix, registered and checked by its commune, with its ready date."""
    filed: list[tuple[Dossier, dt.date]] = []
    index = 0
    for district, (new, reevaluations) in APPENDIX.items():
        for n in range(new + reevaluations):
            index += 1
            renews = None
            if n >= new:  # a 2019/2020 product whose certificate has expired
                renews = certified_dossier(
                    wf,
                    72.0,
                    on=dt.date(2020, 9, 1),
                    number=f"SL-2020-{index:03d}",
                    district=district,
                )
                assert renews.certificate is not None
                wf.expire(renews, on=renews.certificate.expires_on)
            ready = ready_on(index)
            dossier = wf.register(
                product=f"{district} product {n + 1}",
                sheet=1 + index % 26,
                producer=f"Producer {index}",
                province="Sơn La",
                district=district,
                commune=f"{district} commune",
                submitted_on=ready - dt.timedelta(days=21),
                kind=DossierKind.REEVALUATION if renews else DossierKind.FIRST_TIME,
                renews=renews,
            )
            wf.review_at_commune(dossier, passed=True, on=ready)
            filed.append((dossier, ready))
    return filed


def district_table(filed: list[tuple[Dossier, dt.date]], schedule: RoundSchedule) -> str:
    """Per district: dossiers by kind and the district round each joins."""
    rounds = schedule.at(Level.DISTRICT)
    header = [
        "district",
        "new",
        "re-eval",
        *[f"round {r.number} ({r.held_by:%d/%m})" for r in rounds],
        "too late",
    ]
    rows = []
    totals = [0] * (len(header) - 1)
    for district in APPENDIX:
        mine = [(d, ready) for d, ready in filed if d.district == district]
        counts = [
            sum(d.kind is DossierKind.FIRST_TIME for d, _ in mine),
            sum(d.kind is DossierKind.REEVALUATION for d, _ in mine),
        ]
        joined = [schedule.next_round(Level.DISTRICT, ready) for _, ready in mine]
        counts += [sum(j is r for j in joined) for r in rounds]
        counts.append(sum(j is None for j in joined))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append([district, *map(str, counts)])
    rows.append(["total", *map(str, totals)])
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def main() -> None:
    wf = Workflow(rulesets.QD148_2023)
    print("Sơn La 2024 rounds (seed plan; cut-offs assumed):")
    for r in SON_LA_2024.rounds:
        fed = SON_LA_2024.feeds(r)
        print(f"  {r}" + (f" -> {fed.level.value} round {fed.number}" if fed else ""))
    filed = file_dossiers(wf)
    print()
    print(district_table(filed, SON_LA_2024))


if __name__ == "__main__":
    main()
