import datetime as dt
import re
import tomllib

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rounds import SON_LA_2024
from ocop_workflow.rules import Level
from ocop_workflow.simulation import (
    Baseline,
    Filing,
    Plan,
    PlanError,
    PlanRound,
    Target,
    memory_needed,
    simulate,
)
from tests.conftest import EXAMPLES
from tests.strategies import mutated_text_files, mutated_trees

SON_LA = EXAMPLES / "plans" / "son_la_2024.toml"


def test_son_la_plan_encodes_the_seed(son_la):
    assert son_la.province == "Sơn La"
    assert son_la.ruleset.code == "QD148_2023"
    assert len(son_la.districts) == 12
    assert sum(f.new for f in son_la.filings) == 60
    assert sum(f.reevaluation for f in son_la.filings) == 19
    mai_son = next(f for f in son_la.filings if f.district == "Mộc Châu")
    assert (mai_son.new, mai_son.reevaluation) == (7, 11)
    assert son_la.target("total").at_least == 204
    # A top-level key, not one of the last dossier's.
    assert son_la.reevaluation_recognised_on == dt.date(2020, 7, 1)
    held = [(r.level, r.held_by) for r in son_la.rounds if r.level is not Level.CENTRAL]
    assert held == [
        (Level.DISTRICT, (6, 15)),
        (Level.DISTRICT, (10, 15)),
        (Level.PROVINCE, (7, 10)),
        (Level.PROVINCE, (10, 30)),
    ]


def base():
    return tomllib.loads(SON_LA.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("province"), "'province' must be a non-empty string (got None)"),
        (lambda d: d.update(years=[2024, 2026]), "'years' must be consecutive years"),
        (lambda d: d.update(ruleset="QD999"), "'ruleset' must be one of"),
        (lambda d: d.update(colour="red"), "plan key 'colour' must be one of the known keys"),
        (
            lambda d: d["outcomes"].update(commune_pass=1.5),
            "'outcomes.commune_pass' must be a probability between 0 and 1 (got 1.5)",
        ),
        (
            lambda d: d["outcomes"].update(readiness=[1.0]),
            "'outcomes.readiness' must be 2 shares, one per district round",
        ),
        (lambda d: d["outcomes"].update(readiness=[0.5, 0.6]), "shares adding up to 1"),
        (lambda d: d["outcomes"].update(speed=3), "'outcomes.speed' must be one of"),
        (
            lambda d: d["outcomes"].update(score_mean=float("nan")),
            "plan key 'outcomes.score_mean' must be a number from 0 to 100 (got nan)",
        ),
        (
            lambda d: d["outcomes"]["district_score_mean"].update({"Mai Sơn": "high"}),
            "plan key 'outcomes.district_score_mean.Mai Sơn' must be a number from 0 to 100 "
            "(got 'high')",
        ),
        (
            lambda d: d["outcomes"]["district_score_mean"].update(Atlantis=70.0),
            "plan key 'outcomes.district_score_mean.Atlantis' must be a plan district",
        ),
        (lambda d: d["dossiers"][0].update(new=-1), "'dossiers[0].new' must be a whole number"),
        (
            lambda d: d["dossiers"][0].update(district="Atlantis"),
            "'dossiers[0].district' must be one of the plan's districts (got 'Atlantis')",
        ),
        (
            lambda d: d["baseline"][0].update(stars=2),
            "'baseline[0].stars' must be 3, 4 or 5 (got 2)",
        ),
        (
            lambda d: d["baseline"][0].update(recognised="soon"),
            "'baseline[0].recognised' must be a date",
        ),
        (lambda d: d.update(years=[]), "'years' must be an array of years from 2019 on (got [])"),
        # A baseline certificate is recognised under an OCOP regime, and not after the plan.
        (
            lambda d: d["baseline"][0].update(recognised=2025),
            "plan key 'baseline[0].recognised' must be a date from 2019-08-21 (OCOP's first "
            "regime) to 2024-12-31 (the plan's end); a year means 1 July of that year (got 2025)",
        ),
        (
            lambda d: d["baseline"][3].update(recognised=dt.date(2025, 1, 1)),
            "plan key 'baseline[3].recognised' must be a date from 2019-08-21",
        ),
        (
            lambda d: d["baseline"][1].update(recognised=dt.date(2019, 8, 20)),
            "to 2024-12-31 (the plan's end); a year means 1 July of that year (got '2019-08-20')",
        ),
        (  # 1 July 2019
            lambda d: d["baseline"][1].update(recognised=2019),
            "plan key 'baseline[1].recognised' must be a date from 2019-08-21",
        ),
        (
            lambda d: d["rounds"]["district"][0].update(held_by="13-01"),
            "'rounds.district[0].held_by' must be a month-day like '06-15' (got '13-01')",
        ),
        (
            lambda d: d["rounds"].pop("central"),
            "'rounds' must be a list with at least one central round",
        ),
        (
            lambda d: d["rounds"].update(commune=[{"held_by": "05-01", "cutoff": "04-01"}]),
            "plan key 'rounds.commune' must be a scoring level of QD148_2023 "
            "(district, province, central) (got 'commune')",
        ),
        (
            lambda d: d["rounds"]["district"][1].update(cutoff="12-31"),
            "plan key 'rounds.district[1].cutoff' must be on or before held_by '10-15' "
            "(got '12-31')",
        ),
        (  # quoted as written, not as parsed
            lambda d: d["rounds"]["district"][0].update(held_by="6-15", cutoff="9-5"),
            "plan key 'rounds.district[0].cutoff' must be on or before held_by '6-15' (got '9-5')",
        ),
        (  # a round of the next year's cycle too
            lambda d: d["rounds"]["central"][0].update(next_year=True, cutoff="12-20"),
            "plan key 'rounds.central[0].cutoff' must be on or before held_by '12-15' "
            "(got '12-20')",
        ),
        (
            lambda d: d["rounds"]["province"][1].update(held_by="10-10", cutoff="10-01"),
            "plan key 'rounds' makes no valid 2024 schedule: district round 2 "
            "(cut-off 2024-09-15, by 2024-10-15) feeds no province round: none held after",
        ),
        (lambda d: d["targets"]["total"].update(metric="happiness"), "'targets.total.metric'"),
        # A misspelt key anywhere is an error, not a silent default.
        (
            lambda d: d["dossiers"][0].update(reevaluations=5),
            "plan key 'dossiers[0].reevaluations' must be one of the known keys "
            "['district', 'new', 'reevaluation', 'year'] (got 'reevaluations')",
        ),
        (
            lambda d: d["baseline"][2].update(star=4),
            "plan key 'baseline[2].star' must be one of the known keys",
        ),
        (
            lambda d: d["rounds"]["province"][1].update(held_on="10-30"),
            "plan key 'rounds.province[1].held_on' must be one of the known keys "
            "['cutoff', 'held_by', 'next_year'] (got 'held_on')",
        ),
        (
            lambda d: d["targets"]["total"].update(atleast=300),
            "plan key 'targets.total.atleast' must be one of the known keys",
        ),
        (
            lambda d: d["outcomes"].update(comune_pass=0.5),
            "plan key 'outcomes.comune_pass' must be one of the known keys",
        ),
        # Entries of an array of tables must be tables.
        (
            lambda d: d["baseline"].__setitem__(1, "Mộc Châu"),
            "plan key 'baseline[1]' must be a table with keys district, stars, recognised, count "
            "(got 'Mộc Châu')",
        ),
        (
            lambda d: d["dossiers"].__setitem__(3, 5),
            "plan key 'dossiers[3]' must be a table with keys district, year, new, reevaluation "
            "(got 5)",
        ),
        (
            lambda d: d["targets"].update(total=204),
            "plan key 'targets.total' must be a table with keys metric, year, at_least (got 204)",
        ),
        (
            lambda d: d["rounds"]["central"][0].update(next_year="no"),
            "plan key 'rounds.central[0].next_year' must be true or false (got 'no')",
        ),
        (
            lambda d: d["rounds"]["central"][0].update(next_year=1),
            "plan key 'rounds.central[0].next_year' must be true or false (got 1)",
        ),
        (
            lambda d: d["targets"]["total"].update(year=2030),
            "'targets.total.year' must be a plan year",
        ),
    ],
)
def test_bad_plan_names_the_key(change, message):
    data = base()
    change(data)
    with pytest.raises(PlanError) as error:
        Plan.from_dict(data)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            PlanRound(Level.DISTRICT, (8, 15), (9, 1)),
            "plan key 'rounds.district[2].cutoff' must be on or before held_by '08-15' "
            "(got '09-01')",
        ),
        (
            PlanRound(Level.COMMUNE, (5, 1), (4, 1)),
            "plan key 'rounds.commune' must be a scoring level of QD148_2023",
        ),
        ("district", "plan key 'rounds[5]' must be a PlanRound (got 'district')"),
    ],
)
def test_a_plan_built_in_code_names_rounds_as_a_file_would(son_la, extra, message):
    with pytest.raises(PlanError) as error:
        attrs.evolve(son_la, rounds=(*son_la.rounds, extra))
    assert message in str(error.value)


def test_baseline_dates_from_the_first_regime_to_the_plans_end_are_accepted():
    data = base()
    data["baseline"][0]["recognised"] = dt.date(2019, 8, 21)
    data["baseline"][1]["recognised"] = dt.date(2024, 12, 31)
    plan = Plan.from_dict(data)
    assert [b.recognised_on for b in plan.baseline[:2]] == [
        dt.date(2019, 8, 21),
        dt.date(2024, 12, 31),
    ]


def test_a_baseline_built_in_code_is_checked_too(son_la):
    late = Baseline("Mai Sơn", 3, dt.date(2030, 1, 1), 1)
    with pytest.raises(PlanError) as error:
        attrs.evolve(son_la, baseline=(*son_la.baseline, late))
    assert str(error.value).startswith("plan key 'baseline[14].recognised' must be a date from")
    assert str(error.value).endswith("(got '2030-01-01')")


def test_a_plan_must_be_a_table():
    with pytest.raises(PlanError, match=r"a plan must be a table of keys \(got \['province'\]\)"):
        Plan.from_dict(["province"])  # type: ignore[arg-type]


def test_next_year_places_a_round_in_the_following_year():
    data = base()
    data["rounds"]["central"] = [{"held_by": "03-30", "cutoff": "01-30", "next_year": True}]
    central = Plan.from_dict(data).rounds_at(Level.CENTRAL)
    assert [r.next_year for r in central] == [True]
    assert central[0].held_on(2024) == dt.date(2025, 3, 30)
    data["rounds"]["central"][0]["next_year"] = False
    data["rounds"]["central"][0].update(held_by="12-15", cutoff="11-15")
    assert [r.next_year for r in Plan.from_dict(data).rounds_at(Level.CENTRAL)] == [False]


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(PlanError, match="cannot be read"):
        Plan.from_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("province = \n", encoding="utf-8")
    with pytest.raises(PlanError, match="is not valid TOML"):
        Plan.from_toml(bad)


def test_unknown_target_is_named(son_la):
    with pytest.raises(PlanError, match="plan has no target 'nope'"):
        son_la.target("nope")


def test_schedule_is_the_plans_rounds_for_a_year(son_la):
    schedule = son_la.schedule(2024)
    # The seed's district and province rounds, with the same assumed cut-offs as the preset.
    below_central = [r for r in schedule.rounds if r.level is not Level.CENTRAL]
    assert below_central == list(SON_LA_2024.rounds)
    # The seed's pairing: June's district round feeds July's province round, October's the 30th.
    fed = [schedule.feeds(r) for r in schedule.at(Level.DISTRICT)]
    assert [r.held_by for r in fed if r is not None] == [
        dt.date(2024, 7, 10),
        dt.date(2024, 10, 30),
    ]
    assert (
        schedule.next_round(Level.PROVINCE, ready_on="2024-07-01") == schedule.at(Level.PROVINCE)[1]
    )


# -- strict files, wrong types, fuzzing ---------------------------------------------------------


@pytest.mark.parametrize("path", [None, 5, b"plan.toml", ["plan.toml"], 2.5])
def test_a_path_that_is_not_a_path_is_a_plan_error_naming_it(path):
    # 5 would otherwise be read (and closed) as file descriptor 5.
    with pytest.raises(PlanError) as error:
        Plan.from_toml(path)
    assert str(error.value) == f"'path' must be a file path (a str or a Path) (got {path!r})"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (SON_LA.read_text(encoding="utf-8").encode("utf-16"), "is not a UTF-8 text file"),
        (b"a = " + b"[" * 500 + b"]" * 500, "is not usable TOML: nested too deep"),
        (b"a = " + b"{ b = " * 500 + b"1" + b" }" * 500, "is not usable TOML: nested too deep"),
        (b"a = " + b"7" * 5000, "is not usable TOML: Exceeds the limit (4300 digits)"),
        (b"a = [", "is not valid TOML"),
    ],
)
def test_plan_files_are_read_as_strictly_as_sheet_files(tmp_path, content, reason):
    path = tmp_path / "plan.toml"
    path.write_bytes(content)
    with pytest.raises(PlanError) as error:
        Plan.from_toml(path)
    assert str(error.value).startswith(f"plan file {str(path)!r} {reason}")


def test_a_plan_file_larger_than_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_bytes(SON_LA.read_bytes())
    size = path.stat().st_size
    assert Plan.from_toml(path, max_bytes=size).province == "Sơn La"
    with pytest.raises(PlanError) as error:
        Plan.from_toml(path, max_bytes=size - 1)
    assert str(error.value) == f"plan file {str(path)!r} is too large: more than {size - 1:,} bytes"
    with pytest.raises(PlanError, match="'max_bytes' must be a whole number"):
        Plan.from_toml(path, max_bytes=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A whole number of stars: 3.0 was accepted and kept as a float.
        (
            lambda d: d["baseline"][0].update(stars=3.0),
            "plan key 'baseline[0].stars' must be 3, 4 or 5 (got 3.0)",
        ),
        # math.isnan(10**400) raised OverflowError.
        (
            lambda d: d["outcomes"].update(score_mean=10**400),
            "plan key 'outcomes.score_mean' must be a number from 0 to 100",
        ),
        # Its expiry would leave the calendar (pendulum raised in compile_plan).
        (
            lambda d: d.update(reevaluation_recognised_on=dt.date(9999, 12, 1)),
            "plan key 'reevaluation_recognised_on' must be a date on or before 2024-12-31",
        ),
    ],
)
def test_values_that_escaped_as_plain_errors_are_plan_errors(change, message):
    data = base()
    change(data)
    with pytest.raises(PlanError) as error:
        Plan.from_dict(data)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"years": 2024}, "plan key 'years' must be a tuple (got 2024)"),
        ({"province": None}, "plan key 'province' must be a non-empty string (got None)"),
        ({"districts": ("A", 5)}, "plan key 'districts[1]' must be a non-empty string (got 5)"),
        ({"districts": ("A", "A")}, "plan key 'districts' must be names without repeats"),
        ({"baseline": (None,)}, "plan key 'baseline[0]' must be a Baseline (got None)"),
        ({"filings": "x"}, "plan key 'filings' must be a tuple (got 'x')"),
        ({"targets": ({},)}, "plan key 'targets[0]' must be a Target (got {})"),
        ({"years": (2024.0,)}, "plan key 'years[0]' must be a whole number (got 2024.0)"),
        ({"reevaluation_recognised_on": "2020"}, "'reevaluation_recognised_on' must be a date"),
    ],
)
def test_a_plan_built_in_code_refuses_wrong_types_by_name(son_la, change, message):
    with pytest.raises(PlanError) as error:
        attrs.evolve(son_la, **change)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Baseline("Mai Sơn", 3.0, dt.date(2022, 1, 1), 1), "'baseline.stars' must be 3"),  # type: ignore[arg-type]
        (lambda: Baseline("Mai Sơn", 3, "2022-01-01", 1), "'baseline.recognised_on' must be a"),  # type: ignore[arg-type]
        (lambda: Baseline("Mai Sơn", 3, dt.date(2022, 1, 1), -1), "'baseline.count' must be"),
        (lambda: Filing(None, 2024, 1, 0), "'dossiers.district' must be a non-empty string"),  # type: ignore[arg-type]
        (lambda: Filing("A", "2024", 1, 0), "'dossiers.year' must be a whole number"),  # type: ignore[arg-type]
        (lambda: Target("t", "total", 2024, 1), "'targets.metric' must be one of"),
        (lambda: Target("t", "valid", 2024, 1.5), "'targets.at_least' must be a whole number"),  # type: ignore[arg-type]
    ],
)
def test_plan_parts_check_their_values_when_made(make, message):
    with pytest.raises(PlanError, match=re.escape(message)):
        make()


def _load_or_plan_error(path):
    """Load ``path``: a Plan, or ``None`` after a PlanError; anything else fails the test."""
    try:
        return Plan.from_toml(path)
    except PlanError:
        return None


def _simulate_if_small(plan):
    # A mutated count (count = 999...) can make a plan too large to run here: skip those.
    if memory_needed(plan, 2) < 64 * 2**20:
        simulate(plan, runs=2, seed=1)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_text_files(SON_LA.read_bytes()))
def test_a_mutated_example_plan_loads_or_is_a_plan_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "plan.toml"
    path.write_bytes(data)
    plan = _load_or_plan_error(path)
    if plan is not None:
        _simulate_if_small(plan)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_trees(tomllib.loads(SON_LA.read_text(encoding="utf-8"))))
def test_a_mutated_parsed_plan_builds_or_is_a_plan_error(data):
    try:
        plan = Plan.from_dict(data)
    except PlanError:
        return
    _simulate_if_small(plan)


@pytest.mark.parametrize("district", [[], {}, None])
def test_the_mean_of_a_district_wants_a_name(son_la, district):
    with pytest.raises(InvalidInput, match="'district' must be a district name"):
        son_la.outcomes.mean_for(district)


def test_a_count_no_province_could_file_is_refused_when_the_plan_is_read():
    data = tomllib.loads(SON_LA.read_text(encoding="utf-8"))
    data["dossiers"][3]["new"] = 10**20
    with pytest.raises(PlanError, match="a whole number from 0 to 1,000,000"):
        Plan.from_dict(data)
