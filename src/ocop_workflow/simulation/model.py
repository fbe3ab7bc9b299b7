"""The compiled form of a plan and the random draw layout shared by both engines.

Both engines (:mod:`.reference` and :mod:`.fast`) read a :class:`Compiled` plan and take every
random number from :func:`draws`, so for the same plan and seed they make the same decisions.

**Draw layout.** Run ``r`` of seed ``s`` uses its own generator,
``numpy.random.default_rng([s, r])`` (so a run's numbers do not depend on how runs are batched or
spread over workers), and draws, in this order:

1. ``quality_z``: ``standard_normal(P)``, one per product;
2. ``u``: ``random((Y, P, 4))``: per year and product, the uniforms for the readiness round, the
   commune's check (passes when ``u < commune_pass``), missing the round (when ``u < miss_round``)
   and filing a re-evaluation when the certificate expires (when ``u < reevaluation_uptake``);
3. ``council_z``: ``standard_normal((Y, P, L))``: per year, product and scoring level.

A product's quality is ``mean(district) + score_sd * quality_z``; the council of level ``l`` in
year ``y`` scores ``min(max(quality + council_sd * council_z[y, p, l], 0), 100)``.

**Process per year** (facts page section 4; the rules themselves come from the plan's rule set):
products due to enter file; certificates expiring this year are counted, and their holders file a
re-evaluation or lapse; each filed dossier joins the first-level round its readiness draw picks, one
round later if its commune returns it, one more if it misses the round; a dossier that runs out of
rounds is withdrawn and filed again next year. Each level scores it in its round; a forwarded
dossier joins the round its round feeds, the next level's first round held after it (a plan's
schedule is validated so that one exists, ``Plan.schedule``);
the certificate is issued on the date of the round of the last score, valid for the rule set's
validity. Where a level certifies what it forwards (1048's province, facts page section 8), a
forwarded dossier holds that level's certificate from its round; the next level's certificate
replaces it when that level recognises the stars itself, otherwise the held one stands (counted
once, in the round it was issued). On 31 December, certificates whose expiry has passed are expired.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

import attrs
import numpy as np
import numpy.typing as npt

from ocop_workflow.rules import RECOGNISED_STARS, Level
from ocop_workflow.simulation.plan import Plan

__all__ = ["FUNNEL", "Compiled", "Draws", "compile_plan", "draws", "readiness_slot"]

FUNNEL = ("filed", "passed_commune", "joined_round", "certified", "not_recognised")
"""The funnel stages counted per year."""

# Product kinds.
BASELINE, NEW, LAPSED = 0, 1, 2

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@attrs.frozen(eq=False)
class Compiled:
    """Flat tables of a plan: products, rounds and dates as day ordinals."""

    plan: Plan
    district: IntArray
    """District index of each product."""
    kind: IntArray
    """BASELINE, NEW or LAPSED."""
    entry_year: IntArray
    """Year index in which the product files first (-1: holds a certificate from the start)."""
    recognised: IntArray
    """Ordinal of the recognition of the certificate held at the start (0: none)."""
    expiry: IntArray
    """Ordinal of the expiry of that certificate (0: none)."""
    stars: IntArray
    """Stars of that certificate (0: none)."""
    quality_mean: FloatArray
    """Mean score of the product's district."""
    levels: tuple[Level, ...]
    held: tuple[tuple[IntArray, ...], ...]
    """``held[y][l][k]``: ordinal of round ``k`` of level ``l`` in year ``y``."""
    cutoff: tuple[tuple[IntArray, ...], ...]
    """``cutoff[y][l][k]``: ordinal of the cut-off of that round."""
    expires: tuple[tuple[IntArray, ...], ...]
    """``expires[y][l][k]``: ordinal of the expiry of a certificate issued in that round."""
    next_round: tuple[IntArray, ...]
    """``next_round[l][k]``: the round of level ``l + 1`` that round ``k`` of level ``l`` feeds
    (-1 at the top level)."""
    round_base: tuple[int, ...]
    """Index of each level's first round in the flat list of rounds."""
    year_start: IntArray
    year_end: IntArray
    """Ordinals of 1 January and 31 December of each plan year."""
    readiness_edges: tuple[float, ...]
    """Cumulative readiness shares but the last: a draw's round is ``bisect_right(edges, u)``."""

    @property
    def products(self) -> int:
        return len(self.kind)

    @property
    def years(self) -> int:
        return len(self.plan.years)

    @property
    def round_count(self) -> int:
        return self.round_base[-1] + len(self.next_round[-1])


def readiness_slot(edges: tuple[float, ...], u: float) -> int:
    """The first-level round a dossier is ready for, from its readiness draw."""
    return bisect_right(edges, u)


def compile_plan(plan: Plan) -> Compiled:
    """Lay a plan out as arrays, products in a fixed documented order.

    Products: the baseline entries in file order (``count`` each), then each filing in file order,
    its re-evaluations before its new dossiers.
    """
    district_index = {name: i for i, name in enumerate(plan.districts)}
    validity = plan.ruleset.validity
    first_year = plan.years[0]
    district: list[int] = []
    kind: list[int] = []
    entry: list[int] = []
    recognised: list[int] = []
    expiry: list[int] = []
    stars: list[int] = []
    for base in plan.baseline:
        ends = validity.expires_on(base.recognised_on).toordinal()
        for _ in range(base.count):
            district.append(district_index[base.district])
            kind.append(BASELINE)
            entry.append(-1)
            recognised.append(base.recognised_on.toordinal())
            expiry.append(ends)
            stars.append(base.stars)
    lapsed_on = plan.reevaluation_recognised_on or dt.date(first_year - 4, 7, 1)
    lapsed_expiry = validity.expires_on(lapsed_on).toordinal()
    for filing in plan.filings:
        year_index = filing.year - first_year
        for product_kind, count in ((LAPSED, filing.reevaluation), (NEW, filing.new)):
            for _ in range(count):
                district.append(district_index[filing.district])
                kind.append(product_kind)
                entry.append(year_index)
                recognised.append(lapsed_on.toordinal() if product_kind == LAPSED else 0)
                expiry.append(lapsed_expiry if product_kind == LAPSED else 0)
                stars.append(3 if product_kind == LAPSED else 0)
    levels = plan.ruleset.scoring_levels
    per_level = [plan.rounds_at(level) for level in levels]
    held, cutoff, expires = [], [], []
    for year in plan.years:
        held.append(tuple(np.array([r.held_on(year).toordinal() for r in rs]) for rs in per_level))
        cutoff.append(
            tuple(np.array([r.cutoff_on(year).toordinal() for r in rs]) for rs in per_level)
        )
        expires.append(
            tuple(
                np.array([validity.expires_on(r.held_on(year)).toordinal() for r in rs])
                for rs in per_level
            )
        )
    # Where a forwarded dossier goes: the round its round feeds (rounds.RoundSchedule.feeds); the
    # order of rounds is the same every year, so the first year stands for all of them.
    schedule = plan.schedule(plan.years[0])
    next_round = []
    for level in levels:
        fed = [schedule.feeds(r) for r in schedule.at(level)]
        next_round.append(np.array([-1 if f is None else f.number - 1 for f in fed]))
    bases = [0]
    for rounds in per_level[:-1]:
        bases.append(bases[-1] + len(rounds))
    shares = plan.outcomes.readiness
    edges = tuple(float(x) for x in np.cumsum(shares)[:-1])
    outcomes = plan.outcomes
    return Compiled(
        plan=plan,
        district=np.array(district, dtype=np.int64),
        kind=np.array(kind, dtype=np.int64),
        entry_year=np.array(entry, dtype=np.int64),
        recognised=np.array(recognised, dtype=np.int64),
        expiry=np.array(expiry, dtype=np.int64),
        stars=np.array(stars, dtype=np.int64),
        quality_mean=np.array(
            [outcomes.mean_for(plan.districts[d]) for d in district], dtype=np.float64
        ),
        levels=levels,
        held=tuple(held),
        cutoff=tuple(cutoff),
        expires=tuple(expires),
        next_round=tuple(next_round),
        round_base=tuple(bases),
        year_start=np.array([dt.date(y, 1, 1).toordinal() for y in plan.years]),
        year_end=np.array([dt.date(y, 12, 31).toordinal() for y in plan.years]),
        readiness_edges=edges,
    )


@attrs.frozen(eq=False)
class Draws:
    """The random numbers of some runs, run first (see the module docstring for the layout)."""

    quality_z: FloatArray
    u: FloatArray
    council_z: FloatArray


def draws(compiled: Compiled, seed: int, runs: range) -> Draws:
    """The draws of ``runs`` under ``seed``, stacked on a leading run axis.

    Each run's numbers come from its own generator, so they are the same whichever engine,
    batch or worker asks; they are written straight into the stacked arrays.
    """
    products, years, levels = compiled.products, compiled.years, len(compiled.levels)
    n = len(runs)
    quality_z = np.empty((n, products))
    u = np.empty((n, years, products, 4))
    council_z = np.empty((n, years, products, levels))
    for i, run in enumerate(runs):
        rng = np.random.default_rng([seed, run])
        rng.standard_normal(out=quality_z[i])
        rng.random(out=u[i])
        rng.standard_normal(out=council_z[i])
    return Draws(quality_z, u, council_z)


def star_level_table(compiled: Compiled) -> IntArray:
    """Index (in ``compiled.levels``) of the level that recognises each star, -1 below 3 stars."""
    table = np.full(6, -1, dtype=np.int64)
    for star in RECOGNISED_STARS:
        table[star] = compiled.levels.index(compiled.plan.ruleset.recognising_level(star))
    return table


def empty_metrics(compiled: Compiled, runs: int) -> dict[str, IntArray]:
    """Zeroed per-run counters, each with a leading run axis.

    ``valid`` and ``cumulative``: certificates valid on 31 December and products ever certified
    by then, per year; ``expiries``: certificates whose expiry falls in each year; ``funnel``: the
    :data:`FUNNEL` stages per year; ``certified_by_stars`` and ``certified_by_round`` per year;
    ``certified_by_district`` over the horizon; ``valid_by_district`` and ``valid_by_stars`` on the
    last 31 December; ``pending``: dossiers still waiting for a round at the end.
    """
    years, districts = compiled.years, len(compiled.plan.districts)
    shapes = {
        "valid": (years,),
        "cumulative": (years,),
        "expiries": (years,),
        "funnel": (years, len(FUNNEL)),
        "certified_by_stars": (years, 3),
        "certified_by_round": (years, compiled.round_count),
        "certified_by_district": (districts,),
        "valid_by_district": (districts,),
        "valid_by_stars": (3,),
        "pending": (1,),
    }
    return {name: np.zeros((runs, *shape), dtype=np.int64) for name, shape in shapes.items()}
