"""Simulation results: tidy pandas DataFrames, summaries, target probabilities and plots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pandas as pd

from ocop_workflow.errors import InvalidInput
from ocop_workflow.labels import LANGUAGES as LABEL_LANGUAGES
from ocop_workflow.labels import checked_language, label, text
from ocop_workflow.rules import Level
from ocop_workflow.simulation.model import FUNNEL, Compiled, IntArray
from ocop_workflow.simulation.plan import Plan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["LANGUAGES", "SimulationResult"]

LANGUAGES = LABEL_LANGUAGES
"""The languages of the legends: Vietnamese and English."""

# The plain words for each row of ``SimulationResult.summary`` and for a target are the
# catalogues' ``legend.<row>`` messages (ocop_workflow.labels); ``{year}`` is the year the row is
# about (for the rows without a year: the plan's last year).


@attrs.frozen(eq=False)
class SimulationResult:
    """The counters of every run of a plan, with tables and plots built from them.

    ``metrics`` maps each counter (see :func:`ocop_workflow.simulation.model.empty_metrics`) to an
    integer array whose first axis is the run.
    """

    plan: Plan
    seed: int
    engine: str
    metrics: Mapping[str, IntArray]
    round_labels: tuple[str, ...]

    @classmethod
    def build(
        cls, compiled: Compiled, seed: int, engine: str, metrics: Mapping[str, IntArray]
    ) -> SimulationResult:
        labels = tuple(
            f"{level.value} {k + 1}"
            for level in compiled.levels
            for k in range(len(compiled.plan.rounds_at(level)))
        )
        return cls(compiled.plan, seed, engine, dict(metrics), labels)

    @property
    def runs(self) -> int:
        return int(self.metrics["valid"].shape[0])

    @property
    def per_run(self) -> pd.DataFrame:
        """One row per run: certificates valid at the horizon, products ever certified, and per
        year ``valid_<year>``, ``cumulative_<year>``, ``certified_<year>``, ``expiries_<year>``."""
        m = self.metrics
        last = len(self.plan.years) - 1
        data: dict[str, IntArray] = {
            "run": np.arange(self.runs),
            "valid": m["valid"][:, last],
            "cumulative": m["cumulative"][:, last],
            "pending": m["pending"][:, 0],
        }
        for y, year in enumerate(self.plan.years):
            data[f"valid_{year}"] = m["valid"][:, y]
            data[f"cumulative_{year}"] = m["cumulative"][:, y]
            data[f"certified_{year}"] = m["funnel"][:, y, FUNNEL.index("certified")]
            data[f"expiries_{year}"] = m["expiries"][:, y]
        return pd.DataFrame(data).set_index("run")

    @property
    def per_district(self) -> pd.DataFrame:
        """Long table: run, district, certificates issued over the horizon, valid at its end."""
        m = self.metrics
        districts = list(self.plan.districts)
        return pd.DataFrame(
            {
                "run": np.repeat(np.arange(self.runs), len(districts)),
                "district": np.tile(districts, self.runs),
                "certified": m["certified_by_district"].ravel(),
                "valid": m["valid_by_district"].ravel(),
            }
        )

    @property
    def per_star(self) -> pd.DataFrame:
        """Long table: run, year, stars, certificates issued with those stars."""
        counts = self.metrics["certified_by_stars"]
        return _long(counts, self.plan.years, ("stars", [3, 4, 5]), "certified")

    @property
    def per_round(self) -> pd.DataFrame:
        """Long table: run, year, round (``"district 1"``...), certificates issued after it."""
        counts = self.metrics["certified_by_round"]
        return _long(counts, self.plan.years, ("round", list(self.round_labels)), "certified")

    @property
    def funnel(self) -> pd.DataFrame:
        """Long table: run, year, stage (filed ... certified, not recognised), count."""
        counts = self.metrics["funnel"]
        return _long(counts, self.plan.years, ("stage", list(FUNNEL)), "count")

    def summary(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Mean and quantiles of each per-run column (:meth:`legend` says what each row is).

        ``quantiles`` are numbers from 0 to 1 (:class:`InvalidInput` otherwise)."""
        if isinstance(quantiles, str | bytes) or not isinstance(quantiles, Sequence):
            raise InvalidInput(f"'quantiles' must be a sequence of numbers (got {quantiles!r})")
        for q in quantiles:
            if isinstance(q, bool) or not isinstance(q, int | float) or not 0 <= q <= 1:
                raise InvalidInput(f"'quantiles' must hold numbers from 0 to 1 (got {q!r})")
        frame = self.per_run
        table = frame.quantile(list(quantiles)).T
        table.columns = [f"q{int(q * 100):02d}" for q in quantiles]
        table.insert(0, "mean", frame.mean())
        return table

    def legend(self, lang: str = "en") -> dict[str, str]:
        """Plain words for each row of :meth:`summary`, in ``lang`` ("vi" or "en"); the key
        ``"columns"`` explains the columns."""
        lang = checked_language(lang)
        last = self.plan.years[-1]
        rows = {
            name: text(f"legend.{name}", lang, year=last)
            for name in ("valid", "cumulative", "pending")
        }
        for year in self.plan.years:
            for name in ("valid", "cumulative", "certified", "expiries"):
                rows[f"{name}_{year}"] = text(f"legend.{name}_year", lang, year=year)
        rows["columns"] = text("legend.columns", lang)
        return rows

    def target_line(self, name: str, lang: str = "en") -> str:
        """The probability of the target called ``name``, in plain words: which metric, which
        year, which threshold, and how many runs met it."""
        lang = checked_language(lang)
        target = self.plan.target(name)
        hits = self._hits(name)
        probability = hits / self.runs
        return text(
            "legend.target",
            lang,
            name=target.name,
            what=text(f"legend.metric_{target.metric}", lang, year=target.year),
            at_least=target.at_least,
            probability=f"{probability:.2f}",
            hits=hits,
            runs=self.runs,
        )

    def _hits(self, name: str) -> int:
        target = self.plan.target(name)
        y = self.plan.years.index(target.year)
        values = self.metrics[target.metric][:, y]
        return int(np.count_nonzero(values >= target.at_least))

    def target_probability(self, name: str) -> float:
        """Share of runs meeting the plan's target called ``name``."""
        return self._hits(name) / self.runs

    def targets(self) -> pd.DataFrame:
        """Every target with its threshold and the probability of meeting it."""
        return pd.DataFrame(
            [
                {
                    "target": t.name,
                    "metric": t.metric,
                    "year": t.year,
                    "at_least": t.at_least,
                    "probability": self.target_probability(t.name),
                }
                for t in self.plan.targets
            ]
        ).set_index("target")

    # -- plots (matplotlib, imported only here) -------------------------------------------------
    # Titles, axes, legends and ticks in the chosen language (``lang``: "vi" or "en"), from the
    # catalogues of ocop_workflow.labels: no code names on a plot.

    def plot_funnel(self, lang: str = "en") -> Figure:
        """Mean count at each stage, from filed to certified, per year.

        The stages are not nested: a dossier the commune returns does not pass its check at once,
        but may join a round once completed, so "scored in a round" can exceed "passed the
        commune's check at once"; the tick labels say so.
        """
        lang = checked_language(lang)
        table = self.funnel.groupby(["year", "stage"], sort=False)["count"].mean().unstack(0)
        table = table.loc[list(FUNNEL)]
        table.index = pd.Index([text(f"funnel.{stage}", lang) for stage in FUNNEL])
        return _bar(
            table,
            text("plot.funnel.title", lang, province=self.plan.province, runs=self.runs),
            xlabel=text("plot.funnel.xlabel", lang),
            ylabel=text("plot.funnel.ylabel", lang),
            legend=text("plot.year", lang),
            wrap=True,
        )

    def plot_rounds(self, lang: str = "en") -> Figure:
        """Mean certificates issued after each round, per year."""
        lang = checked_language(lang)
        table = self.per_round.groupby(["year", "round"], sort=False)["certified"].mean().unstack(0)
        table = table.loc[list(self.round_labels)]
        table.index = pd.Index([_round_name(name, lang) for name in self.round_labels])
        return _bar(
            table,
            text("plot.rounds.title", lang, province=self.plan.province, runs=self.runs),
            xlabel=text("plot.rounds.xlabel", lang),
            ylabel=text("plot.certificates_mean", lang),
            legend=text("plot.year", lang),
        )

    def plot_total(self, target: str | None = None, lang: str = "en") -> Figure:
        """Distribution over runs of a target's metric (default: the first target) against it."""
        import matplotlib.pyplot as plt

        lang = checked_language(lang)
        fig, ax = plt.subplots(figsize=(7, 4))
        chosen = self.plan.target(target) if target else (self.plan.targets or (None,))[0]
        if chosen is None:
            values = self.metrics["valid"][:, -1]
            ax.set_xlabel(text("plot.metric.valid", lang, year=self.plan.years[-1]))
        else:
            y = self.plan.years.index(chosen.year)
            values = self.metrics[chosen.metric][:, y]
            ax.axvline(
                chosen.at_least,
                color="crimson",
                linestyle="--",
                label=text("plot.total.target", lang, at_least=chosen.at_least),
            )
            ax.set_xlabel(text(f"plot.metric.{chosen.metric}", lang, year=chosen.year))
        ax.hist(
            values,
            bins=min(40, max(5, len(np.unique(values)))),
            color="seagreen",
            label=text("plot.total.runs_legend", lang),
        )
        ax.legend()
        ax.set_ylabel(text("plot.total.ylabel", lang))
        ax.set_title(text("plot.total.title", lang, province=self.plan.province, runs=self.runs))
        fig.tight_layout()
        return fig

    def plot_expiries(self, lang: str = "en") -> Figure:
        """Mean certificates expiring per year of the horizon."""
        lang = checked_language(lang)
        mean = self.metrics["expiries"].mean(axis=0)
        table = pd.DataFrame(
            {text("plot.expiries.legend", lang): mean}, index=list(self.plan.years)
        )
        return _bar(
            table,
            text("plot.expiries.title", lang, province=self.plan.province, runs=self.runs),
            xlabel=text("plot.expiries.xlabel", lang),
            ylabel=text("plot.certificates_mean", lang),
        )


def _round_name(name: str, lang: str) -> str:
    """A round label of :meth:`SimulationResult.build` ("district 1") in ``lang``."""
    level, number = name.rsplit(" ", 1)
    return text("plot.rounds.round", lang, level=label(Level(level), lang), number=number)


def _long(
    counts: IntArray, years: Sequence[int], category: tuple[str, Sequence[object]], value: str
) -> pd.DataFrame:
    runs, n_years, n_cats = counts.shape
    name, labels = category
    return pd.DataFrame(
        {
            "run": np.repeat(np.arange(runs), n_years * n_cats),
            "year": np.tile(np.repeat(list(years), n_cats), runs),
            name: np.tile(np.array(labels, dtype=object), runs * n_years),
            value: counts.ravel(),
        }
    )


def _bar(
    table: pd.DataFrame,
    title: str,
    *,
    xlabel: str,
    ylabel: str,
    legend: str | None = None,
    wrap: bool = False,
) -> Figure:
    import textwrap

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    table.plot.bar(ax=ax, rot=0)
    if wrap:  # long stage names: on several lines under their bars
        ax.set_xticks(
            range(len(table.index)),
            [textwrap.fill(str(name), 18) for name in table.index],
            fontsize=8,
        )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title=legend)
    fig.tight_layout()
    return fig
