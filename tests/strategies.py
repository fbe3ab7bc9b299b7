"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from typing import Any

from hypothesis import strategies as st

from ocop_workflow import ActionName, Dossier, OcopError, Workflow, rulesets
from ocop_workflow.access import Actor
from ocop_workflow.scoring import (
    Criterion,
    Group,
    Option,
    Part,
    ScoringSheet,
    shipped_sheet,
    shipped_sheet_numbers,
)
from ocop_workflow.testing import SAMPLE_PRODUCT

# -- core engine -----------------------------------------------------------------------------

scores = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
"""Any valid council score, fractions included."""

bad_scores = st.one_of(
    st.floats(max_value=-1e-9, allow_nan=False),
    st.floats(min_value=100.0000001, allow_nan=False),
    st.just(float("nan")),
    st.just(float("inf")),
)
"""Numbers a council cannot give."""

dates = st.dates(min_value=dt.date(2019, 8, 21), max_value=dt.date(2035, 12, 31))
"""Operation dates from the first OCOP regime on."""

gaps = st.integers(min_value=0, max_value=400).map(lambda n: dt.timedelta(days=n))
"""Time between two operations."""

# -- scoring sheets ----------------------------------------------------------------------------

_TITLE_LETTERS = "abcdeghiklmnopqrstuvxyăâđêôơư ,()-"


def scoring_titles() -> st.SearchStrategy[str]:
    """Titles for generated sheets: no asterisks (markers), no leading "7." (group numbers)."""
    return st.text(alphabet=_TITLE_LETTERS, min_size=1, max_size=12)


def scoring_points() -> st.SearchStrategy[float]:
    """Option points in half points from 0 to 6, as on real sheets."""
    return st.integers(min_value=0, max_value=12).map(lambda halves: halves / 2)


def scoring_markers() -> st.SearchStrategy[int | None]:
    """A per-star minimum marker, usually none."""
    return st.one_of(st.none(), st.none(), st.sampled_from((3, 4, 5)))


@st.composite
def scoring_options(draw: st.DrawFn) -> tuple[Option, ...]:
    """One to four options for a criterion."""
    count = draw(st.integers(min_value=1, max_value=4))
    return tuple(
        Option(draw(scoring_titles()), draw(scoring_points()), draw(scoring_markers()))
        for _ in range(count)
    )


@st.composite
def scoring_sheets(draw: st.DrawFn, max_groups: int = 3, max_criteria: int = 3) -> ScoringSheet:
    """A consistent sheet (maxima add up; the total need not be 100) with parts A, B and maybe C.

    Criterion maxima are their best option; group and part maxima the sums of their children.
    """
    parts = []
    number = 0
    for letter in "ABC"[: draw(st.integers(min_value=1, max_value=3))]:
        groups = []
        for _ in range(draw(st.integers(min_value=1, max_value=max_groups))):
            number += 1
            title = draw(scoring_titles())
            description = draw(st.sampled_from(("", "note")))
            if draw(st.booleans()):
                options = draw(scoring_options())
                best = max(o.points for o in options)
                only = Criterion(
                    f"{letter}.{number}.1",
                    title,
                    best,
                    options,
                    draw(scoring_markers()),
                    description,
                )
                groups.append(
                    Group(number, title, best, (only,), direct=True, description=description)
                )
                continue
            criteria = []
            for position in range(1, draw(st.integers(min_value=1, max_value=max_criteria)) + 1):
                options = draw(scoring_options())
                criteria.append(
                    Criterion(
                        f"{letter}.{number}.{position}",
                        draw(scoring_titles()),
                        max(o.points for o in options),
                        options,
                        draw(scoring_markers()),
                        draw(st.sampled_from(("", "how to judge"))),
                    )
                )
            groups.append(
                Group(
                    number,
                    title,
                    sum(c.maximum for c in criteria),
                    tuple(criteria),
                    description=description,
                )
            )
        parts.append(
            Part(
                letter,
                f"Phần {letter}. {draw(scoring_titles())}",
                sum(g.maximum for g in groups),
                tuple(groups),
            )
        )
    return ScoringSheet(
        draw(st.integers(min_value=1, max_value=26)), "food", "coffee", tuple(parts)
    )


@st.composite
def scoring_answers(
    draw: st.DrawFn, sheet: ScoringSheet, allow_none: bool = True
) -> dict[str, int | None]:
    """One answer per criterion of ``sheet``: an option index, sometimes ``None`` (no option)."""
    answers: dict[str, int | None] = {}
    for criterion in sheet.criteria:
        choices: st.SearchStrategy[int | None] = st.integers(
            min_value=0, max_value=len(criterion.options) - 1
        )
        if allow_none:
            choices = st.one_of(choices, st.none())
        answers[criterion.code] = draw(choices)
    return answers


@st.composite
def scored_sheets(draw: st.DrawFn) -> tuple[ScoringSheet, dict[str, int | None]]:
    """A generated sheet with one set of answers."""
    sheet = draw(scoring_sheets())
    return sheet, draw(scoring_answers(sheet))


@st.composite
def council_sheets(
    draw: st.DrawFn, max_members: int = 4
) -> tuple[ScoringSheet, list[dict[str, int | None]]]:
    """A generated sheet with one to ``max_members`` members' answers."""
    sheet = draw(scoring_sheets())
    count = draw(st.integers(min_value=1, max_value=max_members))
    return sheet, [draw(scoring_answers(sheet)) for _ in range(count)]


@functools.cache
def _shipped(number: int) -> ScoringSheet:
    return shipped_sheet(number)


@st.composite
def shipped_sheets_answered(draw: st.DrawFn) -> tuple[ScoringSheet, dict[str, int | None]]:
    """One of the 26 shipped sheets (each loaded once) with one set of answers."""
    sheet = _shipped(draw(st.sampled_from(shipped_sheet_numbers())))
    return sheet, draw(scoring_answers(sheet))


# -- simulation plans --------------------------------------------------------------------------


def _month_days(count: int, low: int, high: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """``count`` distinct (month, day) dates in year order, days 1-28, between days of the year
    ``low`` and ``high`` (days 29-31 become the 28th, so a date may fall a little before)."""
    days = st.lists(
        st.integers(min_value=low, max_value=high), min_size=count, max_size=count, unique=True
    )
    return days.map(
        lambda ordinals: [
            (
                (dt.date(2023, 1, 1) + dt.timedelta(days=n - 1)).month,
                min(28, (dt.date(2023, 1, 1) + dt.timedelta(days=n - 1)).day),
            )
            for n in sorted(ordinals)
        ]
    ).filter(lambda pairs: len(set(pairs)) == len(pairs))


@st.composite
def simulation_plans(draw: st.DrawFn) -> dict[str, object]:
    """A small plan as parsed TOML (a mapping for ``Plan.from_dict``): any shipped rule set
    (with or without a district level, with 1048's rounding), one to three years from 2024.

    Kept small (a few districts, tens of products) so that the reference engine stays quick.
    """
    from ocop_workflow import rulesets

    ruleset = draw(st.sampled_from(rulesets.ALL))
    years = list(range(2024, 2024 + draw(st.integers(min_value=1, max_value=3))))
    districts = [f"D{i}" for i in range(draw(st.integers(min_value=1, max_value=3)))]
    rounds: dict[str, list[dict[str, object]]] = {}
    levels = [level.value for level in ruleset.scoring_levels]
    first_count = draw(st.integers(min_value=1, max_value=3))
    counts = [first_count, draw(st.integers(min_value=1, max_value=2)), 1][: len(levels)]
    # Top level first: every lower round must feed a round of the next level (held after it, with
    # a cut-off on or after its day), so each level's rounds fall before the cut-off (the 1st of
    # the month) of the last round of the level above.
    high = 365
    for index in reversed(range(len(levels))):
        dates = draw(_month_days(counts[index], low=32 + 60 * index, high=high))
        rounds[levels[index]] = [
            {"held_by": f"{m:02d}-{d:02d}", "cutoff": f"{m:02d}-01"} for m, d in dates
        ]
        high = dt.date(2023, dates[-1][0], 1).timetuple().tm_yday - 1
    shares = draw(
        st.lists(st.integers(min_value=1, max_value=5), min_size=first_count, max_size=first_count)
    )
    readiness = [s / sum(shares) for s in shares]
    readiness[-1] = 1.0 - sum(readiness[:-1])
    probability = st.floats(min_value=0.0, max_value=1.0)
    baseline = [
        {
            "district": draw(st.sampled_from(districts)),
            "stars": draw(st.sampled_from([3, 4, 5])),
            # Some lapsed before the plan (before 2021), some expire during it.
            "recognised": draw(st.dates(dt.date(2019, 9, 1), dt.date(2023, 12, 31))),
            "count": draw(st.integers(min_value=0, max_value=6)),
        }
        for _ in range(draw(st.integers(min_value=0, max_value=3)))
    ]
    dossiers = [
        {
            "district": district,
            "year": draw(st.sampled_from(years)),
            "new": draw(st.integers(min_value=0, max_value=6)),
            "reevaluation": draw(st.integers(min_value=0, max_value=2)),
        }
        for district in districts
    ]
    return {
        "province": "Sơn La",
        "years": years,
        "ruleset": ruleset.code,
        "districts": districts,
        "rounds": rounds,
        "baseline": baseline,
        "dossiers": dossiers,
        "outcomes": {
            "commune_pass": draw(probability),
            "miss_round": draw(probability),
            "reevaluation_uptake": draw(probability),
            "readiness": readiness,
            "score_mean": draw(st.floats(min_value=30.0, max_value=100.0)),
            "score_sd": draw(st.floats(min_value=0.0, max_value=25.0)),
            "council_sd": draw(st.floats(min_value=0.0, max_value=10.0)),
        },
        "targets": {"total": {"metric": "cumulative", "year": years[-1], "at_least": 10}},
    }


# -- file mutations (fuzzing loaders) ----------------------------------------------------------

toml_literals = st.sampled_from(
    [
        "true",
        "0",
        "-1",
        "3",
        "3.0",
        "1.5",
        "1e400",
        "-inf",
        "nan",
        "9" * 400,
        '""',
        '"x"',
        '"06-15"',
        "[]",
        "[1, 2]",
        '["a"]',
        "{}",
        "{ a = 1 }",
        "2024-01-01",
        "9999-12-31",
        "2024-01-01T10:00:00",
        "10:00:00",
    ]
)
"""TOML values of every type, edge values among them, to put in place of a key's value."""


@st.composite
def mutated_text_files(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` (a UTF-8 key = value text file) with one to three mutations: a byte changed,
    the file truncated, a line deleted (a key gone) or repeated (a key twice), a value replaced
    by a value of another type."""
    data = original
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        lines = data.split(b"\n")
        how = draw(st.sampled_from(["flip", "truncate", "delete", "duplicate", "swap"]))
        if how == "flip" and data:
            at = draw(st.integers(min_value=0, max_value=len(data) - 1))
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif how == "truncate":
            data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
        elif how in ("delete", "duplicate") and lines:
            at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            kept = [] if how == "delete" else [lines[at], lines[at]]
            data = b"\n".join([*lines[:at], *kept, *lines[at + 1 :]])
        else:
            keyed = [i for i, line in enumerate(lines) if b"=" in line]
            if keyed:
                at = draw(st.sampled_from(keyed))
                key = lines[at].split(b"=", 1)[0]
                value = draw(toml_literals).encode()
                lines[at] = key + b"= " + value
                data = b"\n".join(lines)
    return data


_any_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@st.composite
def mutated_trees(draw: st.DrawFn, tree: object) -> object:
    """``tree`` (parsed TOML: tables, arrays, values) with one node, anywhere, replaced by a value
    of any type, or deleted from its table."""
    paths: list[tuple[object, ...]] = []

    def walk(node: object, path: tuple[object, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(tree, ())
    path = draw(st.sampled_from(paths))
    replacement = draw(_any_value)
    if not path:
        return replacement
    copied = _deep_copy(tree)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]  # type: ignore[index]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement  # type: ignore[index]
    return copied


def _deep_copy(node: object) -> object:
    if isinstance(node, dict):
        return {key: _deep_copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_deep_copy(value) for value in node]
    return node


# -- stored portfolios ---------------------------------------------------------------------------


@st.composite
def portfolios(draw: st.DrawFn, max_size: int = 12) -> list[object]:
    """A portfolio as a store keeps it: dossiers registered, scored, certified (unique numbers,
    some sharing an expiry day) and some certificates marked expired, in a few places."""
    from ocop_workflow import Workflow, rulesets
    from ocop_workflow.testing import (
        certified_dossier,
        held_dossier,
        registered_dossier,
        scored_dossier,
    )

    wf = Workflow(rulesets.QD148_2023)
    places = st.sampled_from(
        [
            {"district": "Mai Sơn", "commune": "Chiềng Ban"},
            {"district": "Mộc Châu", "commune": "Chiềng Ban"},
            {"district": "Yên Châu", "commune": "Chiềng Đông"},
        ]
    )
    days = st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    dossiers: list[object] = []
    for index in range(draw(st.integers(min_value=0, max_value=max_size))):
        fields = {**draw(places), "sheet": draw(st.sampled_from((13, 2)))}
        kind = draw(
            st.sampled_from(("registered", "scored", "certified", "certified", "expired", "held"))
        )
        if kind == "registered":
            dossiers.append(registered_dossier(wf, submitted_on=draw(days), **fields))
        elif kind == "scored":
            dossiers.append(scored_dossier(wf, draw(scores), submitted_on=draw(days), **fields))
        else:
            score = draw(st.floats(min_value=50.0, max_value=100.0))
            on = draw(st.one_of(days, st.sampled_from([dt.date(2024, 6, 20), dt.date(2024, 7, 1)])))
            number = f"SL-{index}"
            if kind == "held":  # 1048's five-star candidate holding the province's certificate
                on = min(on, dt.date(2022, 12, 31))
                d = held_dossier(wf, max(score, 90.0), on=on, number=number, **fields)
            else:
                d = certified_dossier(wf, score, on=on, number=number, **fields)
            if kind == "expired":
                assert d.certificate is not None
                wf.expire(d, on=d.certificate.expires_on)
            dossiers.append(d)
    return dossiers


# -- stored dossiers ---------------------------------------------------------------------------


@st.composite
def stored_dossiers(draw: st.DrawFn) -> Dossier:
    """A dossier taken along a random path of the operations available to it, under the regimes
    of its dates (1048 to 26/2026), with a random actor and note on some steps."""
    workflow = Workflow(rulesets.QD148_2023)  # the shipped timeline: every regime by its date
    day = draw(st.dates(min_value=dt.date(2019, 9, 1), max_value=dt.date(2027, 6, 30)))
    late = day >= rulesets.QD1489_2025.effective_from  # no district level since July 2025
    district = draw(st.sampled_from([SAMPLE_PRODUCT["district"], None])) if late else "Mai Sơn"
    fields = {**SAMPLE_PRODUCT, "district": district, "sheet": draw(st.integers(1, 26))}
    dossier = workflow.register(**fields, submitted_on=day)
    notes = st.one_of(st.none(), st.text(min_size=1, max_size=8))
    for step in range(draw(st.integers(min_value=0, max_value=10))):
        day += draw(st.sampled_from([1, 7, 20, 45, 1100])) * dt.timedelta(days=1)
        actions = workflow.available_actions(dossier, on=day)
        if not actions:
            break
        onward = [a for a in actions if a.name is not ActionName.WITHDRAW]
        # Mostly onward: withdrawal is open from every state in process and would end most paths.
        mostly_onward = onward and draw(st.integers(min_value=0, max_value=9)) > 0
        action = draw(st.sampled_from(onward if mostly_onward else list(actions)))
        rules = workflow.rules_on(day)
        common: dict[str, Any] = {"on": day, "actor": draw(notes), "note": draw(notes)}
        name = action.name
        try:
            if name is ActionName.REVIEW_AT_COMMUNE:
                workflow.review_at_commune(dossier, passed=draw(st.booleans()), **common)
            elif name is ActionName.RESUBMIT:
                workflow.resubmit(dossier, **common)
            elif name is ActionName.SCORE:
                assert action.level is not None
                value = draw(st.one_of(scores, st.floats(min_value=50.0, max_value=100.0)))
                workflow.score(dossier, action.level, value, **common)
            elif name is ActionName.CERTIFY:
                workflow.certify(dossier, number=f"SL-{step:03d}", **common)
            elif name is ActionName.REVOKE:
                reason = draw(st.sampled_from(sorted(rules.revocation_reasons, key=str)))
                workflow.revoke(dossier, reason=reason, **common)
            elif name is ActionName.KNOCK_OUT:
                ground = draw(st.sampled_from(sorted(rules.knockouts, key=str)))
                workflow.knock_out(dossier, ground=ground, **common)
            elif name is ActionName.EXTEND:
                assert dossier.certificate is not None
                until = day + dt.timedelta(days=draw(st.integers(1, 180)))
                workflow.extend(dossier, until=until, **common)
            elif name is ActionName.EXPIRE:
                workflow.expire(dossier, **common)
            elif name is ActionName.WITHDRAW:
                workflow.withdraw(dossier, **common)
        except OcopError:
            pass  # refused by a rule the actions cannot foresee (a date limit): nothing changed
    return dossier


json_values: st.SearchStrategy[object] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
"""Any JSON value."""

near_values: st.SearchStrategy[object] = st.sampled_from(
    [
        # Values a stored field nearly takes: of the wrong type, out of range, blank, malformed.
        "",
        " ",
        "2024-02-30",
        "20240301",
        "2024-03-01",
        "certified",
        "district",
        "first_time",
        "breach_of_rules",
        "QD148_2023",
        0,
        1,
        3,
        5,
        6,
        13,
        26,
        27,
        -1,
        13.0,
        49.5,
        100,
        100.5,
        10**400,
        True,
        None,
        [],
        {},
    ]
)


def _paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn, document: dict[str, object]) -> dict[str, object]:
    """``document`` (a stored dossier) with one change somewhere inside: a value replaced, a key
    removed or added, an item dropped from a list."""
    changed = copy.deepcopy(document)
    path = draw(st.sampled_from(_paths(changed)))
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    kind = draw(st.sampled_from(["replace", "remove", "add"]))
    replacement = draw(st.one_of(near_values, json_values))
    if not path or kind == "add":
        holder: Any = target[path[-1]] if path else changed
        if isinstance(holder, dict):
            holder[draw(st.sampled_from(["extra", "state", "stars", "", "level"]))] = replacement
        elif isinstance(holder, list):
            holder.append(replacement)
        else:
            target[path[-1]] = replacement
    elif kind == "remove":
        del target[path[-1]]
    else:
        target[path[-1]] = replacement
    return changed


# -- access control ----------------------------------------------------------------------------

REGIME_DAYS = {
    "QD1048_2019": (dt.date(2019, 9, 1), dt.date(2023, 1, 31)),
    "QD148_2023": (dt.date(2023, 3, 1), dt.date(2025, 6, 30)),
    "QD1489_2025": (dt.date(2025, 7, 6), dt.date(2026, 7, 20)),
    "QD26_2026": (dt.date(2026, 7, 21), dt.date(2028, 12, 31)),
}
"""Registration days of each regime, outside the days 1-5 July 2025 when 148 still needs a
district and the official units have none."""


def registration_days() -> st.SearchStrategy[dt.date]:
    """A registration day under any regime."""
    return st.sampled_from(sorted(REGIME_DAYS)).flatmap(lambda code: st.dates(*REGIME_DAYS[code]))


def actor_pool(day: dt.date, owner: str) -> list[Actor]:
    """Actors of every role, some for the Sơn La coffee dossier's units (Mai Sơn, Chiềng Ban;
    Chiềng Mai after the reform) and some for others, valid on ``day``."""
    from ocop_workflow.access import Role
    from ocop_workflow.units import REFORM

    old = day < REFORM
    mine = {"district": "Mai Sơn", "commune": "Chiềng Ban"} if old else {"commune": "Chiềng Mai"}
    other = {"district": "Mộc Châu", "commune": "Đông Sang"} if old else {"commune": "Mộc Châu"}
    pool = [
        Actor(owner, Role.PRODUCER),
        Actor("someone-else", Role.PRODUCER),
        Actor("c-mine", Role.COMMUNE_OFFICER, province="Sơn La", **mine),
        Actor("c-other", Role.COMMUNE_OFFICER, province="Sơn La", **other),
        Actor("p-council", Role.PROVINCE_COUNCIL, province="Sơn La"),
        Actor("p-council-x", Role.PROVINCE_COUNCIL, province="Điện Biên"),
        Actor("p-committee", Role.PROVINCE_COMMITTEE, province="Sơn La"),
        Actor("p-committee-x", Role.PROVINCE_COMMITTEE, province="Lai Châu"),
        Actor("central", Role.CENTRAL_COUNCIL),
        Actor("ministry", Role.MINISTRY),
        Actor("inspector", Role.INSPECTOR, province="Sơn La"),
    ]
    if old:
        pool += [
            Actor("d-council", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn"),
            Actor("d-council-x", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mộc Châu"),
            Actor("d-committee", Role.DISTRICT_COMMITTEE, province="Sơn La", district="Mai Sơn"),
            Actor("d-committee-x", Role.DISTRICT_COMMITTEE, province="Sơn La", district="Yên Châu"),
        ]
    return pool


# -- located portfolios (jurisdiction) -----------------------------------------------------------

OLD_PLACES: tuple[dict[str, str | None], ...] = (
    {"province": "Sơn La", "district": "Mai Sơn", "commune": "Chiềng Ban"},
    {"province": "Sơn La", "district": "Mộc Châu", "commune": "Đông Sang"},
    {"province": "Hà Giang", "district": "Thành phố Hà Giang", "commune": "Quang Trung"},
    {"province": "Hà Nội", "district": "Ba Đình", "commune": "Cống Vị"},  # divided in 2025
    {"province": "Sơn La", "district": "Mộc Châu", "commune": "Chiềng Ban"},  # no such commune
    {"province": "Atlantis", "district": "Nowhere", "commune": "None"},
)
"""Places of the 63-province structure: Sơn La's, a province merged in 2025 (Hà Giang into Tuyên
Quang), a commune divided in 2025, and free text that is not official units."""

NEW_PLACES: tuple[dict[str, str | None], ...] = (
    {"province": "Sơn La", "district": None, "commune": "Chiềng Mai"},  # Chiềng Ban's successor
    {"province": "Sơn La", "district": None, "commune": "Mộc Sơn"},  # Đông Sang's successor
    {"province": "Tuyên Quang", "district": None, "commune": "Hà Giang 1"},
    {"province": "Hà Nội", "district": None, "commune": "Ngọc Hà"},
    {"province": "Sơn La", "district": "Mai Sơn", "commune": "Chiềng Mai"},  # no districts now
)
"""Places of the 34-province structure, and one with a district it no longer has."""


def jurisdiction_actors() -> list[Actor]:
    """Actors of every role for the places above, of either structure (an actor of one
    structure is refused on a day of the other)."""
    from ocop_workflow.access import Role

    def council(role: Role, **unit: str) -> Actor:
        return Actor(f"{role.value}-{'-'.join(unit.values())}", role, **unit)

    return [
        Actor("htx-1", Role.PRODUCER),
        Actor("htx-2", Role.PRODUCER),
        Actor("central", Role.CENTRAL_COUNCIL),
        Actor("ministry", Role.MINISTRY),
        council(Role.PROVINCE_COUNCIL, province="Sơn La"),
        council(Role.PROVINCE_COMMITTEE, province="Tuyên Quang"),
        council(Role.INSPECTOR, province="Hà Giang"),
        council(Role.PROVINCE_COUNCIL, province="Hà Nội"),
        council(Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn"),
        council(Role.DISTRICT_COMMITTEE, province="Sơn La", district="Mộc Châu"),
        council(Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Ban"),
        council(Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Mai"),
        council(Role.COMMUNE_OFFICER, province="Hà Nội", commune="Ngọc Hà"),
        council(Role.COMMUNE_OFFICER, province="Hà Nội", district="Ba Đình", commune="Cống Vị"),
    ]


@st.composite
def located_portfolios(draw: st.DrawFn, max_size: int = 10) -> list[object]:
    """Dossiers registered before the reform in old places and after it in new ones, by a few
    producers (or none), some certified (unique numbers), under the shipped timeline."""
    from ocop_workflow import Workflow, rulesets
    from ocop_workflow.testing import certified_dossier, registered_dossier

    wf = Workflow(rulesets.QD148_2023)
    dossiers: list[object] = []
    for index in range(draw(st.integers(min_value=0, max_value=max_size))):
        old = draw(st.booleans())
        place: dict[str, str | None] = draw(st.sampled_from(OLD_PLACES if old else NEW_PLACES))
        owner = draw(st.sampled_from(("htx-1", "htx-2", None)))
        fields: dict[str, object] = {**place, "actor": owner}
        if draw(st.booleans()):
            days = (
                st.dates(dt.date(2020, 5, 1), dt.date(2025, 6, 30))
                if old
                else st.one_of(  # wholly under 1489, or wholly under 26/2026
                    st.dates(dt.date(2025, 11, 10), dt.date(2026, 7, 15)),
                    st.dates(dt.date(2026, 11, 20), dt.date(2027, 6, 30)),
                )
            )
            score = draw(st.floats(min_value=50.0, max_value=89.0))
            dossiers.append(
                certified_dossier(wf, score, on=draw(days), number=f"N-{index}", **fields)
            )
        else:
            days = (
                st.dates(dt.date(2020, 1, 1), dt.date(2025, 6, 30))
                if old
                else st.dates(dt.date(2025, 7, 6), dt.date(2027, 6, 30))
            )
            dossiers.append(registered_dossier(wf, submitted_on=draw(days), **fields))
    return dossiers
