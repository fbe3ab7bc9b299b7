"""A provincial OCOP plan for simulation: rounds, baseline, dossiers, outcome model, targets.

Plans are written in TOML (format in ``docs/plan-format.md``) and validated when loaded; every error
is a :class:`PlanError` naming the key and quoting the value. A plan is a frozen value: scenarios
are variants made with :func:`attrs.evolve` (see :mod:`ocop_workflow.simulation.scenarios`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import attrs

from ocop_workflow import rulesets
from ocop_workflow._files import (
    MAX_FILE_BYTES,
    FileFault,
    path_argument,
    read_limited,
    toml_table,
    utf8,
)
from ocop_workflow.errors import DefinitionError, InvalidInput
from ocop_workflow.rounds import AnnualRound, RoundSchedule, annual_schedule
from ocop_workflow.rules import RECOGNISED_STARS, Level, RuleSet

__all__ = [
    "Baseline",
    "Filing",
    "Outcomes",
    "Plan",
    "PlanError",
    "PlanRound",
    "Target",
]

FIRST_REGIME = min(ruleset.effective_from for ruleset in rulesets.ALL)
"""OCOP's first regime took effect (Decision 1048, 21 Aug 2019): no certificate predates it."""

METRICS = ("valid", "cumulative")
"""Target metrics: certificates valid on 31 Dec of a year, or products ever certified by then."""


class PlanError(InvalidInput):
    """A plan file or value is malformed; the message names the key and quotes the value."""


def _fail(key: str, expected: str, value: object) -> PlanError:
    return PlanError(f"plan key {key!r} must be {expected} (got {value!r})")


def _probability(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _fail(key, "a probability between 0 and 1", value)
    return float(value)


MAX_COUNT = 1_000_000
"""The largest count one plan entry may hold: Vietnam as a whole had well over ten thousand OCOP
products by 2024 (facts page section 7), so a million in one entry is a mistake, refused when the
plan is read rather than met as an exhausted memory when it runs."""


def _count(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise _fail(key, f"a whole number from 0 to {MAX_COUNT:,}", value)
    return value


def _number(key: str, value: object, low: float, high: float) -> float:
    # The range is compared before NaN is looked for: math.isnan(10**400) overflows.
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not low <= value <= high
        or math.isnan(value)
    ):
        raise _fail(key, f"a number from {low:g} to {high:g}", value)
    return float(value)


def _whole(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, "a whole number", value)
    return value


def _stars(key: str, value: object) -> int:
    # Facts page section 2: only 3, 4 and 5 stars are certified. An int, so that 3.0 is refused.
    if isinstance(value, bool) or not isinstance(value, int) or value not in RECOGNISED_STARS:
        raise _fail(key, "3, 4 or 5", value)
    return value


def _plain_date(key: str, value: object) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _fail(key, "a date", value)
    return value


def _field(
    check: Callable[[str, object], object], prefix: str
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """An attrs validator running ``check`` with the plan key ``<prefix>.<attribute>``."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check(f"{prefix}.{attribute.name}", value)

    return validate


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, "a non-empty string", value)
    return value


def _month_day(key: str, value: object) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        dt.date(2024, month, day)  # a leap year, so that 02-29 is allowed
    except ValueError:
        raise _fail(key, "a month-day like '06-15'", value) from None
    return month, day


PlanRound = AnnualRound
"""A plan's round, held every year of the plan: :class:`ocop_workflow.rounds.AnnualRound`."""


@attrs.frozen
class Baseline:
    """``count`` products of ``district`` certified with ``stars`` on ``recognised_on``.

    Checked when made (a :class:`PlanError` naming ``baseline.<field>``)."""

    district: str = attrs.field(validator=_field(_text, "baseline"))
    stars: int = attrs.field(validator=_field(_stars, "baseline"))
    recognised_on: dt.date = attrs.field(validator=_field(_plain_date, "baseline"))
    count: int = attrs.field(validator=_field(_count, "baseline"))


@attrs.frozen
class Filing:
    """Dossiers planned for ``district`` in ``year``: first-time and re-evaluation.

    Planned re-evaluations are products whose certificates lapsed before the plan (the seed's 2019
    and 2020 products): they count as products ever certified, not as valid certificates.
    """

    district: str = attrs.field(validator=_field(_text, "dossiers"))
    year: int = attrs.field(validator=_field(_whole, "dossiers"))
    new: int = attrs.field(validator=_field(_count, "dossiers"))
    reevaluation: int = attrs.field(validator=_field(_count, "dossiers"))


def _metric(key: str, value: object) -> str:
    if not isinstance(value, str) or value not in METRICS:
        raise _fail(key, f"one of {list(METRICS)}", value)
    return value


def _probability_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _probability(f"outcomes.{attribute.name}", value)


def _score_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _number(f"outcomes.{attribute.name}", value, 0, 100)


def _shares_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    key = f"outcomes.{attribute.name}"
    if not isinstance(value, list | tuple):
        raise _fail(key, "an array of shares", value)
    for i, share in enumerate(value):
        _probability(f"{key}[{i}]", share)
    if not math.isclose(sum(value), 1.0, abs_tol=1e-9):
        raise _fail(key, "shares adding up to 1", list(value))


def _means_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    key = f"outcomes.{attribute.name}"
    if not isinstance(value, Mapping):
        raise _fail(key, "a table of district = mean", value)
    for name, mean in value.items():
        _number(f"{key}.{name}", mean, 0, 100)


@attrs.frozen
class Outcomes:
    """The outcome model: chances and score distributions (assumptions, not rules).

    A product's quality is drawn once, ``score_mean + score_sd * z``; each council scores it
    ``quality + council_sd * z`` clipped to 0-100. ``readiness`` gives the share of dossiers ready
    for each first-level round; a dossier returned by its commune, or missing its round, joins the
    next one.

    Every value is checked when an ``Outcomes`` is made, from a plan file or in code
    (:func:`attrs.evolve`, :func:`~ocop_workflow.simulation.with_outcomes`): chances and shares
    from 0 to 1, shares adding up to 1, means and standard deviations from 0 to 100. A bad value
    is a :class:`PlanError` naming its plan key (``outcomes.score_sd``).
    """

    commune_pass: float = attrs.field(default=0.9, validator=_probability_field)
    miss_round: float = attrs.field(default=0.1, validator=_probability_field)
    reevaluation_uptake: float = attrs.field(default=0.7, validator=_probability_field)
    readiness: tuple[float, ...] = attrs.field(default=(1.0,), validator=_shares_field)
    score_mean: float = attrs.field(default=65.0, validator=_score_field)
    score_sd: float = attrs.field(default=10.0, validator=_score_field)
    council_sd: float = attrs.field(default=3.0, validator=_score_field)
    district_score_mean: Mapping[str, float] = attrs.field(factory=dict, validator=_means_field)

    def __attrs_post_init__(self) -> None:
        # The validators have checked the values as given (so errors quote them as written);
        # keep them as floats, the shares as a tuple and the means in a dict of this model's own.
        for name in _SCALARS:
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "readiness", tuple(float(share) for share in self.readiness))
        object.__setattr__(
            self,
            "district_score_mean",
            {name: float(mean) for name, mean in self.district_score_mean.items()},
        )

    def mean_for(self, district: str) -> float:
        """The score mean of ``district``'s products."""
        if not isinstance(district, str):  # a list or dict raised TypeError (unhashable)
            raise InvalidInput(f"'district' must be a district name (got {district!r})")
        return self.district_score_mean.get(district, self.score_mean)


_SCALARS = (
    "commune_pass",
    "miss_round",
    "reevaluation_uptake",
    "score_mean",
    "score_sd",
    "council_sd",
)


@attrs.frozen
class Target:
    """A named target: ``metric`` ("valid" or "cumulative") of ``year`` at least ``at_least``.

    Checked when made (a :class:`PlanError` naming ``targets.<field>``)."""

    name: str = attrs.field(validator=_field(_text, "targets"))
    metric: str = attrs.field(validator=_field(_metric, "targets"))
    year: int = attrs.field(validator=_field(_whole, "targets"))
    at_least: int = attrs.field(validator=_field(_count, "targets"))


@attrs.frozen
class Plan:
    """A province's plan over one or more years; load with :meth:`from_toml`.

    Checked when made, from a file or in code (:func:`attrs.evolve`, the scenario helpers): a
    :class:`PlanError` names the plan file's key (``rounds.district[1].cutoff``,
    ``baseline[0].recognised``).

    The rule set is the plan's for its whole horizon (a plan spanning a regime change should be
    split at the change).
    """

    province: str
    years: tuple[int, ...]
    ruleset: RuleSet
    rounds: tuple[PlanRound, ...]
    districts: tuple[str, ...]
    baseline: tuple[Baseline, ...]
    filings: tuple[Filing, ...]
    outcomes: Outcomes
    targets: tuple[Target, ...] = ()
    reevaluation_recognised_on: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        _text("province", self.province)
        for key in ("years", "rounds", "districts", "baseline", "filings", "targets"):
            if not isinstance(getattr(self, key), tuple | list):
                raise _fail(key, "a tuple", getattr(self, key))
        for index, year in enumerate(self.years):
            _whole(f"years[{index}]", year)
        for index, name in enumerate(self.districts):
            _text(f"districts[{index}]", name)
        if len(set(self.districts)) != len(self.districts):
            raise _fail("districts", "names without repeats", list(self.districts))
        for key, kind, items in (
            ("baseline", Baseline, self.baseline),
            ("dossiers", Filing, self.filings),
            ("targets", Target, self.targets),
        ):
            for index, item in enumerate(items):
                if not isinstance(item, kind):
                    raise _fail(f"{key}[{index}]", f"a {kind.__name__}", item)
        names = [target.name for target in self.targets]
        if len(set(names)) != len(names):
            raise _fail("targets", "targets with different names", names)
        if not isinstance(self.ruleset, RuleSet):
            raise _fail("ruleset", "a RuleSet", self.ruleset)
        if not isinstance(self.outcomes, Outcomes):
            raise _fail("outcomes", "an Outcomes", self.outcomes)
        if not self.years or list(self.years) != list(range(self.years[0], self.years[-1] + 1)):
            raise _fail("years", "consecutive years in order", list(self.years))
        levels = self.ruleset.scoring_levels
        for index, round_ in enumerate(self.rounds):
            if not isinstance(round_, PlanRound):
                raise _fail(f"rounds[{index}]", "a PlanRound", round_)
        for key, round_ in zip(_round_keys(self.rounds), self.rounds, strict=True):
            if round_.level not in levels:
                raise _fail(
                    f"rounds.{round_.level.value}",
                    f"a scoring level of {self.ruleset.code} ({_names(levels)})",
                    round_.level.value,
                )
            _check_cutoff(key, round_, _written(round_.cutoff), _written(round_.held_by))
        for level in levels:
            if not self.rounds_at(level):
                raise _fail("rounds", f"a list with at least one {level.value} round", None)
        for year in self.years:
            try:
                self.schedule(year)
            except DefinitionError as error:
                raise PlanError(
                    f"plan key 'rounds' makes no valid {year} schedule: {error}"
                ) from None
        first = self.rounds_at(levels[0])
        if len(self.outcomes.readiness) != len(first):
            raise _fail(
                "outcomes.readiness",
                f"{len(first)} shares, one per {levels[0].value} round",
                list(self.outcomes.readiness),
            )
        known = set(self.districts)
        for name in self.outcomes.district_score_mean:
            if name not in known:
                raise _fail(f"outcomes.district_score_mean.{name}", "a plan district", name)
        for where, district in [
            (f"baseline[{i}]", b.district) for i, b in enumerate(self.baseline)
        ] + [(f"dossiers[{i}]", f.district) for i, f in enumerate(self.filings)]:
            if district not in known:
                raise _fail(f"{where}.district", "one of the plan's districts", district)
        for i, base in enumerate(self.baseline):
            on = base.recognised_on
            key = f"baseline[{i}].recognised"
            if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
                raise _fail(key, "a date", on)
            _check_recognised(key, on, self.years[-1], on.isoformat())
        for i, filing in enumerate(self.filings):
            if filing.year not in self.years:
                raise _fail(f"dossiers[{i}].year", f"a plan year {list(self.years)}", filing.year)
        for target in self.targets:
            if target.year not in self.years:
                raise _fail(f"targets.{target.name}.year", "a plan year", target.year)
        lapsed = self.reevaluation_recognised_on
        if lapsed is not None:
            # Lapsed products were certified before the plan; no later than its end, so that
            # their expiry stays in the calendar (a date in year 9999 has none).
            key = "reevaluation_recognised_on"
            end = dt.date(self.years[-1], 12, 31)
            if _plain_date(key, lapsed) > end:
                raise _fail(key, f"a date on or before {end} (the plan's end)", lapsed.isoformat())

    def rounds_at(self, level: Level) -> tuple[PlanRound, ...]:
        """The rounds of ``level`` in the order they are held."""
        return tuple(
            sorted(
                (r for r in self.rounds if r.level is level),
                key=lambda r: (r.next_year, r.held_by),
            )
        )

    def schedule(self, year: int) -> RoundSchedule:
        """The plan's rounds held for plan year ``year``, as a round schedule: validated like any
        (every lower round feeds a later round of the next level), with ``next_round``, ``feeds``
        and ``to_ical`` for an official's calendar."""
        return annual_schedule(year, self.rounds)

    def target(self, name: str) -> Target:
        """The target called ``name``."""
        for target in self.targets:
            if target.name == name:
                return target
        raise PlanError(f"plan has no target {name!r} (targets: {[t.name for t in self.targets]})")

    @property
    def baseline_products(self) -> int:
        """Products certified before the plan."""
        return sum(b.count for b in self.baseline)

    @property
    def planned_dossiers(self) -> int:
        """First-time and re-evaluation dossiers the plan lists."""
        return sum(f.new + f.reevaluation for f in self.filings)

    @classmethod
    def from_toml(cls, path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> Plan:
        """Load and validate a plan file; :class:`PlanError` names the first bad key.

        The file is read as strictly as a sheet file: ``path`` must be a ``str`` or a path
        object (else :class:`PlanError` naming ``'path'``), and a file that cannot be read, is
        larger than ``max_bytes``, is not UTF-8, is not TOML, nests too deep or holds an
        integer too long to read is a :class:`PlanError` saying which.
        """
        try:
            source = path_argument(path)
        except InvalidInput as error:
            raise PlanError(str(error)) from None
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise PlanError(f"'max_bytes' must be a whole number of at least 1 (got {max_bytes!r})")
        try:
            data = toml_table(utf8(read_limited(source, max_bytes)))
        except FileFault as fault:
            raise PlanError(f"plan file {str(source)!r} {fault.reason}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """Build a plan from the parsed TOML mapping (see ``docs/plan-format.md``)."""
        return _parse(data)


def _names(levels: tuple[Level, ...]) -> str:
    return ", ".join(level.value for level in levels)


def _round_keys(rounds: tuple[PlanRound, ...]) -> list[str]:
    """The key of each round as a plan file writes it: ``rounds.<level>[i]``, ``i`` counting the
    rounds of that level in order (the order :func:`_parse` reads them in)."""
    seen: dict[Level, int] = {}
    keys = []
    for round_ in rounds:
        index = seen[round_.level] = seen.get(round_.level, -1) + 1
        keys.append(f"rounds.{round_.level.value}[{index}]")
    return keys


def _written(month_day: tuple[int, int]) -> str:
    """A (month, day) pair as a plan file writes it: ``'06-15'``."""
    return f"{month_day[0]:02d}-{month_day[1]:02d}"


def _check_cutoff(key: str, round_: PlanRound, cutoff: object, held_by: object) -> None:
    """Refuse a round whose cut-off is after the day it is held by, quoting both as written."""
    if round_.cutoff > round_.held_by:
        raise _fail(f"{key}.cutoff", f"on or before held_by {held_by!r}", cutoff)


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise _fail(key, "a table", value)
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _fail(key, "an array", value)
    return value


def _entry(value: object, key: str, allowed: Collection[str]) -> Mapping[str, Any]:
    """``value`` as a table whose keys are all ``allowed``; a misspelt key is an error, not a
    silent default."""
    if not isinstance(value, Mapping):
        raise _fail(key, f"a table with keys {', '.join(allowed)}", value)
    _known_keys(value, key, allowed)
    return value


def _known_keys(table: Mapping[str, Any], key: str, allowed: Collection[str]) -> None:
    for name in table:
        if name not in allowed:
            where = f"{key}.{name}" if key else name
            raise _fail(where, f"one of the known keys {sorted(allowed)}", name)


def _boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, "true or false", value)
    return value


_PLAN_KEYS = (
    "province",
    "years",
    "ruleset",
    "rounds",
    "districts",
    "baseline",
    "dossiers",
    "outcomes",
    "targets",
    "reevaluation_recognised_on",
    "notes",
)
_ROUND_KEYS = ("held_by", "cutoff", "next_year")
_BASELINE_KEYS = ("district", "stars", "recognised", "count")
_DOSSIER_KEYS = ("district", "year", "new", "reevaluation")
_TARGET_KEYS = ("metric", "year", "at_least")


def _parse(data: Mapping[str, Any]) -> Plan:
    if not isinstance(data, Mapping):
        raise PlanError(f"a plan must be a table of keys (got {data!r})")
    _known_keys(data, "", _PLAN_KEYS)
    province = _text("province", data.get("province"))
    years = data.get("years")
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and 2019 <= y <= 2100 for y in years)
    ):
        raise _fail("years", "an array of years from 2019 on", years)
    code = data.get("ruleset")
    ruleset = next((r for r in rulesets.ALL if r.code == code), None)
    if ruleset is None:
        raise _fail("ruleset", f"one of {[r.code for r in rulesets.ALL]}", code)
    rounds: list[PlanRound] = []
    for level_name, entries in _table(data, "rounds").items():
        try:
            level = Level(level_name)
        except ValueError:
            raise _fail(f"rounds.{level_name}", "a level name", level_name) from None
        if not isinstance(entries, list):
            raise _fail(f"rounds.{level_name}", "an array of rounds", entries)
        for i, entry in enumerate(entries):
            key = f"rounds.{level_name}[{i}]"
            entry = _entry(entry, key, _ROUND_KEYS)
            round_ = PlanRound(
                level,
                _month_day(f"{key}.held_by", entry.get("held_by")),
                _month_day(f"{key}.cutoff", entry.get("cutoff")),
                _boolean(f"{key}.next_year", entry.get("next_year", False)),
            )
            _check_cutoff(key, round_, entry["cutoff"], entry["held_by"])
            rounds.append(round_)
    districts = data.get("districts")
    if not isinstance(districts, list) or not districts:
        raise _fail("districts", "a non-empty array of names", districts)
    names = tuple(_text(f"districts[{i}]", d) for i, d in enumerate(districts))
    if len(set(names)) != len(names):
        raise _fail("districts", "names without repeats", list(names))
    baseline = []
    for i, entry in enumerate(_list(data, "baseline")):
        key = f"baseline[{i}]"
        entry = _entry(entry, key, _BASELINE_KEYS)
        stars = _stars(f"{key}.stars", entry.get("stars"))
        district = _text(f"{key}.district", entry.get("district"))
        written = entry.get("recognised")
        recognised_on = _recognised(f"{key}.recognised", written)
        _check_recognised(f"{key}.recognised", recognised_on, years[-1], written)
        baseline.append(
            Baseline(district, stars, recognised_on, _count(f"{key}.count", entry.get("count")))
        )
    filings = []
    for i, entry in enumerate(_list(data, "dossiers")):
        key = f"dossiers[{i}]"
        entry = _entry(entry, key, _DOSSIER_KEYS)
        filings.append(
            Filing(
                _text(f"{key}.district", entry.get("district")),
                _count(f"{key}.year", entry.get("year")),
                _count(f"{key}.new", entry.get("new", 0)),
                _count(f"{key}.reevaluation", entry.get("reevaluation", 0)),
            )
        )
    raw = _table(data, "outcomes")
    _known_keys(raw, "outcomes", [a.name for a in attrs.fields(Outcomes)])
    outcomes = Outcomes(**raw)
    targets = []
    for name, entry in _table(data, "targets").items():
        key = f"targets.{name}"
        entry = _entry(entry, key, _TARGET_KEYS)
        metric = entry.get("metric")
        if metric not in METRICS:
            raise _fail(f"{key}.metric", f"one of {list(METRICS)}", metric)
        targets.append(
            Target(
                name,
                metric,
                _count(f"{key}.year", entry.get("year")),
                _count(f"{key}.at_least", entry.get("at_least")),
            )
        )
    lapsed = data.get("reevaluation_recognised_on")
    return Plan(
        province=province,
        years=tuple(years),
        ruleset=ruleset,
        rounds=tuple(rounds),
        districts=names,
        baseline=tuple(baseline),
        filings=tuple(filings),
        outcomes=outcomes,
        targets=tuple(targets),
        reevaluation_recognised_on=(
            None if lapsed is None else _recognised("reevaluation_recognised_on", lapsed)
        ),
    )


def _check_recognised(key: str, on: dt.date, last_year: int, written: object) -> None:
    """Refuse a certificate recognised before OCOP's first regime or after the plan ends."""
    end = dt.date(last_year, 12, 31)
    if isinstance(written, dt.date):
        written = written.isoformat()
    if not FIRST_REGIME <= on <= end:
        raise _fail(
            key,
            f"a date from {FIRST_REGIME} (OCOP's first regime) to {end} (the plan's end); "
            "a year means 1 July of that year",
            written,
        )


def _recognised(key: str, value: object) -> dt.date:
    """A recognition date, or a year (taken as 1 July: mid-year, documented assumption)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 2019 <= value <= 2100:
        return dt.date(value, 7, 1)
    raise _fail(key, "a date (2022-05-10) or a year (2022)", value)
