import concurrent.futures
import contextlib
import re
import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.labels import LANGUAGES, label, text
from ocop_workflow.rules import Level
from ocop_workflow.simulation import (
    PlanError,
    memory_needed,
    simulate,
    sweep,
    with_extra_round,
    with_outcomes,
    with_threshold,
)
from ocop_workflow.simulation.model import FUNNEL
from ocop_workflow.simulation.run import format_bytes
from tests.conftest import EXAMPLES

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def result(son_la):
    return simulate(son_la, runs=200, seed=3)


def test_per_run_has_one_row_per_run_with_the_horizon_counts(result):
    frame = result.per_run
    assert len(frame) == 200
    assert (frame["valid"] == frame["valid_2024"]).all()
    # A product with a valid certificate has been certified at least once.
    assert (frame["cumulative"] >= frame["valid"]).all()


def test_tables_add_up(result, son_la):
    per_run = result.per_run
    by_district = result.per_district.groupby("run")[["certified", "valid"]].sum()
    assert (by_district["valid"] == per_run["valid"]).all()
    assert (by_district["certified"] == per_run["certified_2024"]).all()
    stars = result.per_star.groupby("run")["certified"].sum()
    assert (stars == per_run["certified_2024"]).all()
    rounds = result.per_round.groupby("run")["certified"].sum()
    assert (rounds == per_run["certified_2024"]).all()
    funnel = result.funnel.pivot_table(index="run", columns="stage", values="count")
    assert (funnel["filed"] >= funnel["joined_round"]).all()
    assert (funnel["joined_round"] >= funnel["certified"] + funnel["not_recognised"]).all()
    # Every planned dossier files in 2024, and so does every uptake of an expiring certificate.
    assert (funnel["filed"] >= son_la.planned_dossiers).all()
    # Products ever certified: the baseline, the lapsed ones, and this year's first certificates.
    assert (per_run["cumulative"] >= son_la.baseline_products + 19).all()


def test_summary_and_target_probability(result):
    summary = result.summary()
    assert list(summary.columns) == ["mean", "q05", "q50", "q95"]
    values = result.per_run["cumulative"]
    assert result.target_probability("total") == pytest.approx(float((values >= 204).mean()))
    assert result.targets().loc["total", "at_least"] == 204


def test_plots_are_figures(result):
    for plot in (result.plot_funnel, result.plot_rounds, result.plot_total, result.plot_expiries):
        figure = plot()
        assert figure.axes
        matplotlib.pyplot.close(figure)


def plot_texts(figure):
    """Every word a reader sees on a plot: title, axes, legend, tick labels."""
    ax = figure.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    return {
        "title": ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "legend": [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()],
        "ticks": [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()],
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plots_are_titled_and_labelled_in_the_chosen_language(result, son_la, lang):
    plots = {
        "funnel": result.plot_funnel(lang=lang),
        "rounds": result.plot_rounds(lang=lang),
        "total": result.plot_total(lang=lang),
        "expiries": result.plot_expiries(lang=lang),
    }
    texts = {name: plot_texts(figure) for name, figure in plots.items()}
    for name, found in texts.items():
        for part in ("title", "xlabel", "ylabel"):
            assert found[part], (name, part)
        for words in [found["title"], found["xlabel"], found["ylabel"], *found["legend"]]:
            assert not re.search(r"[a-z]+_[a-z]+", words), (name, words)  # no code names
        assert son_la.province in found["title"]
    funnel = texts["funnel"]
    assert funnel["ticks"] == [text(f"funnel.{stage}", lang) for stage in FUNNEL]
    assert funnel["title"] == text("plot.funnel.title", lang, province=son_la.province, runs=200)
    assert texts["rounds"]["ticks"][0] == text(
        "plot.rounds.round", lang, level=label(Level.DISTRICT, lang), number=1
    )
    assert texts["expiries"]["xlabel"] == text("plot.expiries.xlabel", lang)
    assert text("plot.total.target", lang, at_least=204) in texts["total"]["legend"]
    for figure in plots.values():
        matplotlib.pyplot.close(figure)


def test_the_vietnamese_plots_use_the_decisions_terms(result):
    figure = result.plot_funnel(lang="vi")
    found = plot_texts(figure)
    assert "hồ sơ" in found["ylabel"].lower()
    assert "Được công nhận" in found["ticks"]
    assert "Cấp huyện, đợt 1" in plot_texts(result.plot_rounds(lang="vi"))["ticks"]
    matplotlib.pyplot.close("all")


def test_the_funnel_says_why_a_later_stage_can_be_taller(result):
    """Returned dossiers join a round once completed without passing the commune's check at once,
    so the third bar can top the second: the label of the third says it includes them."""
    joined = text("funnel.joined_round", "en")
    assert "returned" in joined
    assert joined in plot_texts(result.plot_funnel())["ticks"]
    matplotlib.pyplot.close("all")


def test_a_plot_in_another_language_is_refused(result):
    with pytest.raises(InvalidInput, match="'lang' must be one of vi, en"):
        result.plot_funnel(lang="fr")


def test_executor_gives_the_in_process_result(son_la):
    alone = simulate(son_la, runs=30, seed=9, chunk_size=7)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        pooled = simulate(son_la, runs=30, seed=9, executor=pool, chunk_size=4)
    for name in alone.metrics:
        assert np.array_equal(alone.metrics[name], pooled.metrics[name])


def test_dask_cluster_runs_a_sweep_equal_to_in_process(son_la):
    distributed = pytest.importorskip("distributed", reason="needs the 'dask' extra")
    scenarios = {
        "plan": son_la,
        "uptake 0.95": with_outcomes(son_la, reevaluation_uptake=0.95),
    }
    local, table = sweep(scenarios, runs=40, seed=4)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote, remote_table = sweep(scenarios, runs=40, seed=4, executor=client.get_executor())
    assert table.equals(remote_table)
    for name in scenarios:
        for metric in local[name].metrics:
            assert np.array_equal(local[name].metrics[metric], remote[name].metrics[metric])


def test_an_extra_district_round_is_a_new_round(son_la):
    plan = with_extra_round(son_la, Level.DISTRICT, (8, 15), (7, 15))
    assert len(plan.rounds_at(Level.DISTRICT)) == 3
    assert plan.outcomes.readiness == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    result = simulate(plan, runs=20, seed=1)
    assert "district 3" in set(result.per_round["round"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 0}, "'runs'"),
        ({"engine": "warp"}, "'engine'"),
        ({"seed": -1}, "'seed'"),
        (
            {"chunk_size": -1},
            r"'chunk_size' must be a whole number of at least 1 \(got -1\)",
        ),
        ({"chunk_size": 0}, r"'chunk_size' .* \(got 0\)"),
        ({"chunk_size": 2.5}, r"'chunk_size' .* \(got 2.5\)"),
        ({"chunk_size": True}, r"'chunk_size' .* \(got True\)"),
        ({"progress": "bar"}, r"'progress' must be a callable or None \(got 'bar'\)"),
    ],
)
def test_bad_simulation_arguments(son_la, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        simulate(son_la, **kwargs)


@pytest.mark.parametrize("plan", ["plan.toml", EXAMPLES / "plans" / "son_la_2024.toml", None])
def test_simulate_wants_a_loaded_plan(plan):
    with pytest.raises(
        InvalidInput, match=r"^'plan' must be a Plan; load a plan file with Plan.from_toml\(path\)"
    ) as error:
        simulate(plan, runs=1)
    assert str(error.value).endswith(f"(got {plan!r})")


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ({}, r"^'scenarios' must map at least one name to a Plan \(got \{\}\)$"),
        ([], r"^'scenarios' must map at least one name to a Plan \(got \[\]\)$"),
        ({"plan": "plan.toml"}, r"^'scenarios\['plan'\]' must be a Plan; load a plan file with"),
    ],
)
def test_bad_sweep_arguments(scenarios, message):
    with pytest.raises(InvalidInput, match=message):
        sweep(scenarios, runs=1)


def test_a_sweep_checks_every_plan_before_running_any(son_la, monkeypatch):
    runs: list[object] = []
    monkeypatch.setattr(
        "ocop_workflow.simulation.scenarios.simulate", lambda plan, **kwargs: runs.append(plan)
    )
    with pytest.raises(InvalidInput, match=r"'scenarios\['second'\]'.*\(got 7\)"):
        sweep({"first": son_la, "second": 7}, runs=1)  # type: ignore[dict-item]
    assert runs == []


def test_the_core_install_imports_no_simulation_library():
    code = (
        "import sys, ocop_workflow, ocop_workflow.scoring, ocop_workflow.cli; "
        "print(sorted({'numpy', 'pandas', 'matplotlib', 'tqdm', 'dask'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- every bad argument is an OcopError ----------------------------------------------------------

_weird = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.decimals(allow_nan=True),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.lists(st.integers(min_value=-3, max_value=400), max_size=3),
    st.tuples(st.integers(min_value=-1, max_value=13), st.integers(min_value=-1, max_value=32)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["district", "province", "central", "commune", Level.PROVINCE, "vi", "en"]),
    st.just(object()),
)


def _ocop_error_or_nothing(call):
    """Call ``call``: it succeeds or raises an OcopError; any other exception fails the test."""
    with contextlib.suppress(OcopError):
        call()


def test_simulate_refuses_an_executor_that_is_not_one_by_name(son_la):
    with pytest.raises(InvalidInput) as error:
        simulate(son_la, runs=2, executor="x")  # type: ignore[arg-type]
    assert str(error.value).startswith("'executor' must be a concurrent.futures.Executor")


def test_max_memory_refuses_a_run_larger_than_it_before_starting(son_la):
    needed = memory_needed(son_la, 500)
    assert simulate(son_la, runs=500, max_memory=needed).runs == 500
    with pytest.raises(InvalidInput, match=r"^'runs' 500 would need about .* of memory, more than"):
        simulate(son_la, runs=500, max_memory=needed - 1)
    with pytest.raises(InvalidInput, match="'max_memory' must be a whole number of at least 1"):
        simulate(son_la, runs=5, max_memory=0)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_the_memory_estimate_covers_what_the_result_holds(son_la, engine):
    result = simulate(son_la, runs=300, seed=2, engine=engine)
    held = sum(values.nbytes for values in result.metrics.values())
    held += int(result.per_run.memory_usage(deep=True).sum())
    assert held < memory_needed(son_la, 300, engine)
    # Linear in the runs once the unit of work is full.
    steps = [memory_needed(son_la, runs, engine) for runs in (10**6, 2 * 10**6, 3 * 10**6)]
    assert steps[2] - steps[1] == steps[1] - steps[0] > 0


def test_a_plan_of_large_counts_is_sized_without_laying_it_out(son_la):
    import attrs

    from ocop_workflow.simulation.plan import MAX_COUNT

    large = attrs.evolve(son_la, baseline=(attrs.evolve(son_la.baseline[0], count=MAX_COUNT),))
    assert memory_needed(large, 1) > MAX_COUNT  # sized at once, never laid out
    with pytest.raises(PlanError, match=r"'baseline\.count' must be a whole number from 0"):
        attrs.evolve(son_la.baseline[0], count=MAX_COUNT + 1)


def test_format_bytes_shows_any_size():
    assert [format_bytes(n) for n in (5, 2048, 3 * 2**20, 5 * 2**30)] == [
        "5 bytes",
        "2.0 KiB",
        "3.0 MiB",
        "5.0 GiB",
    ]
    assert format_bytes(10**400).endswith("e+390 GiB")


def test_legend_in_both_languages_covers_every_summary_row(result):
    for lang in ("vi", "en"):
        legend = result.legend(lang)
        assert set(result.summary().index) <= set(legend)
        assert all(text.strip() for text in legend.values())
    assert result.legend("vi")["certified_2024"] == "giấy chứng nhận được cấp trong năm 2024"
    assert "'total'" in result.target_line("total", "vi")
    with pytest.raises(InvalidInput, match=r"'lang' must be one of vi, en \(got 'fr'\)"):
        result.legend("fr")


@pytest.mark.parametrize("quantiles", [[2], "0.5", [0.5, None], 0.5, [True]])
def test_summary_refuses_bad_quantiles_by_name(result, quantiles):
    with pytest.raises(InvalidInput, match="'quantiles'"):
        result.summary(quantiles)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_weird, _weird, _weird)
def test_bad_arguments_of_the_scenario_helpers_are_ocop_errors(son_la, a, b, c):
    _ocop_error_or_nothing(lambda: with_outcomes(son_la, score_mean=a, readiness=b))
    _ocop_error_or_nothing(lambda: with_threshold(son_la, a, b))
    _ocop_error_or_nothing(lambda: with_threshold(son_la, "district", a))
    _ocop_error_or_nothing(lambda: with_extra_round(son_la, a, b, c))
    _ocop_error_or_nothing(lambda: with_extra_round(son_la, "province", b, c))
    _ocop_error_or_nothing(lambda: with_extra_round(son_la, "district", (9, 1), (8, 1), a))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_weird, _weird)
def test_bad_arguments_of_the_results_are_ocop_errors(result, a, b):
    _ocop_error_or_nothing(lambda: result.summary(a))
    _ocop_error_or_nothing(lambda: result.legend(a))
    _ocop_error_or_nothing(lambda: result.target_line(a, b))
    _ocop_error_or_nothing(lambda: result.target_probability(a))
    _ocop_error_or_nothing(lambda: result.plot_total(a))
    plt.close("all")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_weird, st.integers(min_value=1, max_value=3)), _weird, _weird, _weird)
def test_bad_arguments_of_simulate_are_ocop_errors(son_la, runs, seed, engine, other):
    small = runs if isinstance(runs, int) and not isinstance(runs, bool) and runs < 4 else 1
    _ocop_error_or_nothing(lambda: simulate(son_la, runs=runs, seed=0, max_memory=10**9))
    _ocop_error_or_nothing(lambda: simulate(son_la, runs=small, seed=seed, engine=engine))
    _ocop_error_or_nothing(lambda: simulate(son_la, runs=1, chunk_size=other, progress=other))
    _ocop_error_or_nothing(lambda: simulate(son_la, runs=1, executor=other, max_memory=other))
    _ocop_error_or_nothing(lambda: memory_needed(son_la, runs, engine))
    _ocop_error_or_nothing(lambda: sweep({"a": son_la, **({} if other is None else {"b": other})}))
