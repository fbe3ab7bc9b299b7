"""The reference engine: every run goes through the real :class:`~ocop_workflow.Workflow`.

Dossier by dossier and round by round, the library's own operations decide what happens (the
routing, the issuing level, the certificate's dates), so the simulation cannot disagree with the
rules. It is slow; :mod:`.fast` must give the same numbers (a property test checks it).
"""

from __future__ import annotations

import datetime as dt

import attrs

from ocop_workflow.dossier import Dossier, DossierKind
from ocop_workflow.rules import Deadlines, Level, RouteKind
from ocop_workflow.simulation.model import (
    BASELINE,
    LAPSED,
    Compiled,
    Draws,
    IntArray,
    draws,
    empty_metrics,
    readiness_slot,
)
from ocop_workflow.states import DossierState
from ocop_workflow.workflow import ActionName, Workflow

__all__ = ["run_reference"]


@attrs.define
class _Product:
    """One product during a run: the dossier holding its certificate, and its status."""

    holder: Dossier | None
    status: str  # "waiting", "pending", "holding" or "out"
    ever: bool


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(int(ordinal))


def _key(compiled: Compiled, p: int) -> tuple[int, int, int]:
    return (int(compiled.district[p]), int(compiled.stars[p]), int(compiled.recognised[p]))


def _templates(compiled: Compiled, wf: Workflow) -> dict[tuple[int, int, int], Dossier]:
    """One certified dossier per (district, stars, recognition date) of the starting certificates.

    Each is scored just above the lowest score of its stars at every level the rule set needs,
    and certified on its recognition date.
    """
    plan = compiled.plan
    made: dict[tuple[int, int, int], Dossier] = {}
    for p in range(compiled.products):
        key = _key(compiled, p)
        if key in made or key[1] == 0:
            continue
        district = plan.districts[key[0]]
        recognised = _day(key[2])
        d = wf.register(
            product=f"{district} baseline",
            sheet=1,
            producer="(baseline)",
            province=plan.province,
            district=district,
            commune=district,
            submitted_on=recognised,
        )
        wf.review_at_commune(d, passed=True, on=recognised)
        score = plan.ruleset.bands.lowest_score(key[1]) + 0.5
        for level in compiled.levels:
            wf.score(d, level, score, on=recognised)
            if plan.ruleset.route(level, score).kind is not RouteKind.FORWARD:
                break
        wf.certify(d, on=recognised, number=f"baseline-{key[0]}-{key[1]}-{key[2]}")
        made[key] = d
    return made


def _workflow(compiled: Compiled) -> Workflow:
    """A workflow pinned to the plan's rule set on every date, its time limits left out.

    The plan's rules apply over its whole horizon (and to the baseline's past recognitions); the
    process of :mod:`.model` does not model filing windows and transitional deadlines.
    """
    rules = attrs.evolve(compiled.plan.ruleset, deadlines=Deadlines())
    return Workflow(rules, timeline=(rules,))


def _copy(template: Dossier) -> Dossier:
    """A fresh dossier equal to ``template``, sharing only its frozen parts."""
    return attrs.evolve(template, scores=dict(template.scores), history=list(template.history))


def run_reference(compiled: Compiled, seed: int, run: int) -> dict[str, IntArray]:
    """Simulate run ``run`` of ``seed`` through the workflow; the counters of that run."""
    plan = compiled.plan
    wf = _workflow(compiled)
    outcomes = plan.outcomes
    stacked = draws(compiled, seed, range(run, run + 1))
    draw = Draws(stacked.quality_z[0], stacked.u[0], stacked.council_z[0])
    metrics = {name: array[0] for name, array in empty_metrics(compiled, 1).items()}
    templates = _templates(compiled, wf)
    products: list[_Product] = []
    for p in range(compiled.products):
        holder = None
        if compiled.stars[p]:
            holder = _copy(templates[_key(compiled, p)])
        status = "holding" if compiled.kind[p] == BASELINE else "waiting"
        products.append(_Product(holder, status, compiled.kind[p] in (BASELINE, LAPSED)))
    quality = compiled.quality_mean + outcomes.score_sd * draw.quality_z
    levels = compiled.levels
    rounds0 = len(compiled.held[0][0])
    for y, year in enumerate(plan.years):
        start, end = int(compiled.year_start[y]), int(compiled.year_end[y])
        for p, product in enumerate(products):
            if product.status == "waiting" and compiled.entry_year[p] == y:
                product.status = "pending"
            holder = product.holder
            if product.status == "holding" and holder is not None and holder.certificate:
                expires = holder.certificate.expires_on.toordinal()
                if expires < start and holder.state is DossierState.CERTIFIED:
                    wf.expire(holder, on=holder.certificate.expires_on)
                    product.status = "out"  # lapsed before the plan began
                elif start <= expires <= end:
                    metrics["expiries"][y] += 1
                    filed = draw.u[y, p, 3] < outcomes.reevaluation_uptake
                    product.status = "pending" if filed else "out"
        for p, product in enumerate(products):
            if product.status != "pending":
                continue
            _file(
                compiled,
                wf,
                metrics,
                product,
                p,
                y,
                year,
                quality[p],
                draw.council_z[y, p],
                draw.u[y, p],
                rounds0,
                levels,
                run,
            )
        for product in products:
            holder = product.holder
            if holder is None or holder.certificate is None:
                continue
            expires_on = holder.certificate.expires_on
            if holder.state is DossierState.CERTIFIED and expires_on.toordinal() <= end:
                wf.expire(holder, on=expires_on)  # (none is still held while forwarded)
            if expires_on.toordinal() > end:
                metrics["valid"][y] += 1
        metrics["cumulative"][y] = sum(product.ever for product in products)
    for product in products:
        holder = product.holder
        if (
            holder is not None
            and holder.certificate is not None
            and holder.state is DossierState.CERTIFIED
        ):
            district = plan.districts.index(holder.district or "")
            metrics["valid_by_district"][district] += 1
            metrics["valid_by_stars"][holder.certificate.stars - 3] += 1
        metrics["pending"][0] += product.status == "pending"
    return metrics


def _file(
    compiled: Compiled,
    wf: Workflow,
    metrics: dict[str, IntArray],
    product: _Product,
    p: int,
    y: int,
    year: int,
    quality: float,
    council_z: object,
    u: object,
    rounds0: int,
    levels: tuple[Level, ...],
    run: int,
) -> None:
    """One year's dossier of one product, through the workflow."""
    plan = compiled.plan
    outcomes = plan.outcomes
    district = plan.districts[int(compiled.district[p])]
    renews = product.holder
    kind = DossierKind.FIRST_TIME if renews is None else DossierKind.REEVALUATION
    d = wf.register(
        product=f"{district} product {p}",
        sheet=1,
        producer=f"producer {p}",
        province=plan.province,
        district=district,
        commune=district,
        submitted_on=dt.date(year, 1, 1),
        kind=kind,
        renews=renews,
    )
    funnel = metrics["funnel"][y]
    funnel[0] += 1
    slot = readiness_slot(compiled.readiness_edges, float(u[0]))  # type: ignore[index]
    cutoffs = compiled.cutoff[y][0]
    withdraw_on = dt.date(year, 12, 31)
    if u[1] < outcomes.commune_pass:  # type: ignore[index]
        funnel[1] += 1
        wf.review_at_commune(d, passed=True, on=_day(cutoffs[min(slot, rounds0 - 1)]))
    else:
        wf.review_at_commune(d, passed=False, on=_day(cutoffs[min(slot, rounds0 - 1)]))
        slot += 1
        if slot >= rounds0:
            wf.withdraw(d, on=withdraw_on)
            return
        wf.resubmit(d, on=_day(cutoffs[slot]))
        wf.review_at_commune(d, passed=True, on=_day(cutoffs[slot]))
    if u[2] < outcomes.miss_round:  # type: ignore[index]
        slot += 1
    if slot >= rounds0:
        wf.withdraw(d, on=withdraw_on)
        return
    funnel[2] += 1
    level_index, round_index = 0, slot
    number = f"{run}-{p}-{year}"
    holder_round: tuple[int, int] | None = None  # (level, round) of a certificate held meanwhile
    while True:
        on = _day(compiled.held[y][level_index][round_index])
        score = min(max(quality + plan.outcomes.council_sd * council_z[level_index], 0.0), 100.0)  # type: ignore[index]
        wf.score(d, levels[level_index], score, on=on)
        if d.state is DossierState.NOT_RECOGNISED:
            funnel[4] += 1
            product.status = "out"
            return
        if d.state is DossierState.CERTIFIED:  # the top level fell short: the held one stands
            assert holder_round is not None
            level_index, round_index = holder_round
            break
        actions = wf.available_actions(d)
        if any(a.name is ActionName.CERTIFY for a in actions):
            level = levels[level_index]
            if (
                level is not plan.ruleset.held_level
                or plan.ruleset.route(level, score).kind is not RouteKind.FORWARD
            ):
                _certify(wf, product, d, renews, on, number)
                break
            # Section 8 (1048): this level certifies the score it forwards, held meanwhile.
            _certify(wf, product, d, renews, on, f"{number}-held")
            holder_round = (level_index, round_index)
        # A plan's schedule is validated: the round this one feeds exists (Plan.schedule).
        round_index = int(compiled.next_round[level_index][round_index])
        level_index += 1
    certificate = d.certificate
    assert certificate is not None
    product.status = "holding"
    product.ever = True
    funnel[3] += 1
    metrics["certified_by_stars"][y][certificate.stars - 3] += 1
    metrics["certified_by_round"][y][compiled.round_base[level_index] + round_index] += 1
    metrics["certified_by_district"][int(compiled.district[p])] += 1


def _certify(
    wf: Workflow, product: _Product, d: Dossier, old: Dossier | None, on: dt.date, number: str
) -> None:
    """Certify ``d`` on ``on``, replacing ``old``'s certificate (expired first if its date has
    passed); ``d`` becomes the product's holder."""
    if (
        old is not None
        and old.certificate is not None
        and old.state is DossierState.CERTIFIED
        and old.certificate.expires_on <= on
    ):
        wf.expire(old, on=old.certificate.expires_on)
    wf.certify(d, on=on, number=number, renewed=old)
    product.holder = d
