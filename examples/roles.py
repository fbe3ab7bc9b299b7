"""The Sơn La coffee dossier of ``lifecycle.py``, moved by the actors who really move it.

The workflow enforces an access policy on the official administrative units: the producer files,
the commune checks, the Mai Sơn district council and the province council score, the provincial
People's Committee certifies. A Mộc Châu district official's attempt to score it is refused. In
2027 the re-evaluation is filed in the commune Chiềng Ban became in the 2025 reform.

Run it with ``python examples/roles.py`` (needs the ``units`` extra).
"""

from __future__ import annotations

import datetime as dt

from ocop_workflow import Dossier, DossierKind, Level, Workflow, rulesets, units
from ocop_workflow.access import AccessPolicy, Actor, PermissionDenied, Role

PRODUCER = Actor("htx-chieng-ban", Role.PRODUCER)
COMMUNE = Actor("ubnd-chieng-ban", Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Ban")
DISTRICT = Actor("hd-mai-son", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn")
ELSEWHERE = Actor("hd-moc-chau", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mộc Châu")
PROVINCE = Actor("hd-son-la", Role.PROVINCE_COUNCIL, province="Sơn La")
COMMITTEE = Actor("ubnd-son-la", Role.PROVINCE_COMMITTEE, province="Sơn La")


def run() -> tuple[Dossier, Dossier, str]:
    """The certified dossier, its re-evaluation, and the message of the refused attempt."""
    wf = Workflow(rulesets.QD148_2023, policy=AccessPolicy.default())
    coffee = wf.register(
        product="Cà phê bột nguyên chất",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province="Sơn La",
        district="Mai Sơn",
        commune="Chiềng Ban",
        submitted_on=dt.date(2024, 3, 1),
        actor=PRODUCER,
    )
    wf.review_at_commune(coffee, passed=True, on="2024-03-28", actor=COMMUNE)
    try:
        wf.score(coffee, Level.DISTRICT, 75.5, on="2024-06-10", actor=ELSEWHERE)
        raise AssertionError("a Mộc Châu official scored a Mai Sơn dossier")
    except PermissionDenied as error:
        refused = str(error)
    wf.score(coffee, Level.DISTRICT, 75.5, on="2024-06-10", actor=DISTRICT)
    wf.score(coffee, Level.PROVINCE, 78.0, on="2024-07-05", actor=PROVINCE)
    wf.certify(coffee, on="2024-07-20", number="SL-2024-017", actor=COMMITTEE)

    # 2027: no districts; Chiềng Ban is now part of the commune of Chiềng Mai.
    now = units.successor(coffee)
    assert now.commune is not None
    officer = Actor("ubnd-chieng-mai", Role.COMMUNE_OFFICER, province="Sơn La",
                    commune=now.commune.name)  # fmt: skip
    renewal = wf.register(
        product="Cà phê bột nguyên chất",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province=now.province.name,
        commune=now.commune.name,
        submitted_on=dt.date(2027, 2, 1),
        kind=DossierKind.REEVALUATION,
        renews=coffee,
        actor=PRODUCER,
    )
    wf.review_at_commune(renewal, passed=True, on="2027-02-20", actor=officer)
    wf.score(renewal, Level.PROVINCE, 83.0, on="2027-03-10", actor=PROVINCE)
    wf.certify(renewal, on="2027-03-15", number="SL-2027-044", renewed=coffee, actor=COMMITTEE)
    return coffee, renewal, refused


def main() -> None:
    coffee, renewal, refused = run()
    print(f"Refused: {refused}\n")
    code = units.product_code(renewal, sequence="017", year=2027)
    print(f"{renewal.product}: {renewal.state.en}, product code {code}\n")
    for dossier in (coffee, renewal):
        for r in dossier.history:
            role = Role(r.details["actor"]["role"])
            print(f"{r.on}  {r.action:<18} {r.actor:<16} {role.vi}")
        print()


if __name__ == "__main__":
    main()
