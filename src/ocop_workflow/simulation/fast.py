"""The fast engine: the process of :mod:`.model`, vectorised with numpy over runs and products.

It re-states the rule set's decisions as array arithmetic (bands with their rounding policy, the
forwarding thresholds, the recognising levels), reading every number from the plan's
:class:`~ocop_workflow.rules.RuleSet`; the reference engine runs the workflow itself. A property
test checks that both give identical counters for generated plans and seeds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ocop_workflow.rules import Rounding, StarBands
from ocop_workflow.simulation.model import (
    BASELINE,
    LAPSED,
    Compiled,
    FloatArray,
    IntArray,
    draws,
    empty_metrics,
    star_level_table,
)

__all__ = ["run_fast"]

WAITING, PENDING, HOLDING, OUT = 0, 1, 2, 3


def _placed(bands: StarBands, score: FloatArray) -> FloatArray:
    """:meth:`StarBands.placed` over an array."""
    if bands.rounding is Rounding.HALF_UP:
        return np.floor(score + 0.5)
    if bands.rounding is Rounding.DOWN:
        return np.floor(score)
    return score


def _bands(bands: StarBands, score: FloatArray) -> IntArray:
    """:meth:`StarBands.stars` over an array of placed scores (the same comparisons)."""
    stars = np.ones(score.shape, dtype=np.int64)
    for threshold in bands.thresholds:
        stars += score >= threshold
    return stars


def run_fast(compiled: Compiled, seed: int, runs: range) -> dict[str, IntArray]:
    """Simulate ``runs`` of ``seed`` at once; the counters with a leading run axis."""
    plan = compiled.plan
    outcomes = plan.outcomes
    ruleset = plan.ruleset
    batch = draws(compiled, seed, runs)
    quality_z, u, council_z = batch.quality_z, batch.u, batch.council_z  # (R,P) (R,Y,P,4) (R,Y,P,L)
    n, products = len(runs), compiled.products
    metrics = empty_metrics(compiled, n)
    star_level = star_level_table(compiled)
    forwards = [rule.forwards_at for rule in ruleset.levels]
    held_stars = [rule.held_stars or 0 for rule in ruleset.levels]
    districts = len(plan.districts)
    run_rows = np.broadcast_to(np.arange(n)[:, None], (n, products))
    # Counting by (run, district): one bincount over run * districts + district.
    by_district = run_rows * districts + compiled.district

    def per_district(mask: npt.NDArray[np.bool_]) -> IntArray:
        return np.bincount(by_district[mask], minlength=n * districts).reshape(n, districts)

    kind = np.broadcast_to(compiled.kind, (n, products))
    status = np.where(kind == BASELINE, HOLDING, WAITING)
    expiry = np.broadcast_to(compiled.expiry, (n, products)).copy()
    stars = np.broadcast_to(compiled.stars, (n, products)).copy()
    ever = (kind == BASELINE) | (kind == LAPSED)
    quality = compiled.quality_mean + outcomes.score_sd * quality_z
    rounds0 = len(compiled.held[0][0])
    rounds_total = compiled.round_count

    for y in range(compiled.years):
        start, end = compiled.year_start[y], compiled.year_end[y]
        status[(status == WAITING) & (compiled.entry_year == y)] = PENDING
        holding = status == HOLDING
        status[holding & (expiry < start)] = OUT
        expiring = holding & (expiry >= start) & (expiry <= end)
        metrics["expiries"][:, y] = expiring.sum(axis=1)
        filed = u[:, y, :, 3] < outcomes.reevaluation_uptake
        status[expiring] = np.where(filed, PENDING, OUT)[expiring]

        pending = status == PENDING
        funnel = metrics["funnel"][:, y]
        funnel[:, 0] = pending.sum(axis=1)
        slot = np.searchsorted(np.array(compiled.readiness_edges), u[:, y, :, 0], side="right")
        passed = u[:, y, :, 1] < outcomes.commune_pass
        funnel[:, 1] = (pending & passed).sum(axis=1)
        slot = slot + ~passed + (u[:, y, :, 2] < outcomes.miss_round)
        active = pending & (slot < rounds0)
        funnel[:, 2] = active.sum(axis=1)
        round_index = np.where(active, slot, 0)
        # Dossiers holding a certificate while forwarded (section 8, 1048), and its round; None
        # when the level below holds none, so that no large array stays alive for nothing (an
        # extra live array made the national plan 8% slower: each new one page-faults).
        holders: tuple[npt.NDArray[np.bool_], IntArray] | None = None
        for li in range(len(compiled.levels)):
            score = np.clip(quality + outcomes.council_sd * council_z[:, y, :, li], 0.0, 100.0)
            placed = _placed(ruleset.bands, score)
            band = _bands(ruleset.bands, placed)
            not_recognised = active & (band < 3)
            recogniser = star_level[np.maximum(band, 0)]
            threshold = forwards[li]
            forward = active & ~not_recognised
            if threshold is None:  # the top level forwards nothing
                forward &= False
            else:
                forward &= (placed >= threshold) & (recogniser > li)
            recognised = active & ~not_recognised & ~forward
            certified, stars_now, kept = recognised, band, None
            if holders is not None:
                # A holder keeps its certificate unless this level recognises the stars itself;
                # it is counted once, in the round the held certificate was issued.
                kept = holders[0] & ~(recognised & (recogniser == li))
                not_recognised &= ~kept
                recognised &= ~kept
                stars_now = np.where(kept, held_stars[li - 1], band)
                certified = recognised | kept

            status[not_recognised] = OUT
            funnel[:, 4] += not_recognised.sum(axis=1)

            status[recognised] = HOLDING
            issued_round = np.where(recognised, round_index, 0)
            expiry[recognised] = compiled.expires[y][li][issued_round][recognised]
            stars[recognised] = band[recognised]
            ever |= certified
            funnel[:, 3] += certified.sum(axis=1)
            for star in (3, 4, 5):
                metrics["certified_by_stars"][:, y, star - 3] += (
                    certified & (stars_now == star)
                ).sum(axis=1)
            flat = run_rows * rounds_total + compiled.round_base[li] + issued_round
            if holders is not None and kept is not None:
                kept_flat = run_rows * rounds_total + compiled.round_base[li - 1] + holders[1]
                flat = np.where(kept, kept_flat, flat)
            metrics["certified_by_round"][:, y] += np.bincount(
                flat[certified], minlength=n * rounds_total
            ).reshape(n, rounds_total)
            metrics["certified_by_district"] += per_district(certified)

            holders = None
            if held_stars[li]:  # this level certifies what it forwards, before the next scores
                status[forward] = HOLDING
                expiry[forward] = compiled.expires[y][li][round_index][forward]
                stars[forward] = held_stars[li]
                holders = (forward, round_index)
            # A plan's schedule is validated: every forwarded dossier has a round to join.
            active = forward
            round_index = np.where(forward, compiled.next_round[li][round_index], 0)
        metrics["valid"][:, y] = (expiry > end).sum(axis=1)
        metrics["cumulative"][:, y] = ever.sum(axis=1)

    valid = expiry > compiled.year_end[-1]
    metrics["valid_by_district"] += per_district(valid)
    for star in (3, 4, 5):
        metrics["valid_by_stars"][:, star - 3] = (valid & (stars == star)).sum(axis=1)
    metrics["pending"][:, 0] = (status == PENDING).sum(axis=1)
    return metrics
