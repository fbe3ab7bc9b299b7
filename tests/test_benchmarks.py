"""The benchmark scripts stay runnable: each one's pieces run here at a tiny size (no timing is
asserted; the figures come from running the scripts themselves)."""

import importlib.util
from pathlib import Path

from ocop_workflow.simulation import simulate

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_national_plan_builds_and_runs():
    bench = load("bench_simulation")
    plan = bench.national_plan(years=2)
    assert len(plan.districts) == 63
    assert sum(b.count for b in plan.baseline) == 16_000
    assert sum(f.new for f in plan.filings) == 2 * 3_000
    result = simulate(plan, runs=2, seed=1, engine="fast")
    assert len(result.per_run) == 2


def test_the_core_and_scoring_measurements_run():
    core = load("bench_core")
    ratios = core.operation_ratio(n=20, repeats=1)
    assert set(ratios) == {"bare", "review", "score"}
    assert core.memory_per_dossier(n=20) > 0
    scoring = load("bench_scoring")
    evaluation, baseline = scoring.measure(number=5, repeat=1)
    assert evaluation > 0
    assert baseline > 0
    shipped = scoring.measure_shipped(number=2, repeat=1)
    assert set(shipped) == {"load", "parse", "evaluate", "plain"}
    assert all(seconds > 0 for seconds in shipped.values())


def test_the_store_benchmark_runs(capsys):
    # PostgreSQL parts run when OCOP_TEST_POSTGRES_URL is set, as in .ci/run.
    load("bench_store").main(quick=True)
    out = capsys.readouterr().out
    assert "(a) add_all of 200 dossiers" in out
    assert "USING INDEX ocop_dossier_state_expiry" in out
