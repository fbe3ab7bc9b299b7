import csv

import pytest

import ocop_workflow.simulation
from ocop_workflow.cli import main
from tests.conftest import EXAMPLES

PLAN = str(EXAMPLES / "plans" / "son_la_2024.toml")


def test_simulate_prints_a_summary_and_the_targets(capsys, tmp_path):
    out_file = tmp_path / "runs.csv"
    assert main(["simulate", PLAN, "--runs", "50", "--seed", "7", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sơn La 2024: 50 runs, seed 7, fast engine")
    assert "cumulative" in out
    assert "probability" in out
    with open(out_file, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 50
    assert rows[0]["run"] == "0"


def test_reference_engine_prints_the_same_numbers(capsys):
    main(["simulate", PLAN, "--runs", "5", "--seed", "3"])
    fast = capsys.readouterr().out.splitlines()[1:]
    main(["simulate", PLAN, "--runs", "5", "--seed", "3", "--engine", "reference"])
    reference = capsys.readouterr().out.splitlines()[1:]
    assert fast == reference


def test_bad_plan_file_is_one_clear_error_and_status_2(capsys, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('province = "X"\nyears = [2024]\nruleset = "QD148"\n', encoding="utf-8")
    assert main(["simulate", str(plan)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("ocop-workflow: plan key 'ruleset' must be one of [")
    assert err[0].endswith("(got 'QD148')")


@pytest.fixture
def no_runs(monkeypatch):
    """Fail the test if the command line starts a simulation."""

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran")

    monkeypatch.setattr(ocop_workflow.simulation, "simulate", refuse)


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (
            "missing/runs.csv",
            "ocop-workflow: '--out' must be in an existing folder, and '{tmp}/missing' is not one "
            "(got '{tmp}/missing/runs.csv')",
        ),
        (
            "plan.txt/runs.csv",
            "ocop-workflow: '--out' must be in an existing folder, and '{tmp}/plan.txt' is not one "
            "(got '{tmp}/plan.txt/runs.csv')",
        ),
        ("", "ocop-workflow: '--out' must be a file, not a folder (got '{tmp}/')"),
    ],
)
def test_an_unwritable_out_file_is_refused_before_running(capsys, tmp_path, no_runs, out, message):
    (tmp_path / "plan.txt").write_text("not a folder", encoding="utf-8")
    assert main(["simulate", PLAN, "--out", f"{tmp_path}/{out}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [message.format(tmp=tmp_path)]


def test_out_file_in_the_current_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", PLAN, "--runs", "3", "--out", "runs.csv"]) == 0
    assert "per-run results written to runs.csv" in capsys.readouterr().out
    assert len((tmp_path / "runs.csv").read_text(encoding="utf-8").splitlines()) == 4


def test_a_failed_write_is_one_error_line(capsys, tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pandas.DataFrame.to_csv", full_disk)
    out = str(tmp_path / "runs.csv")
    assert main(["simulate", PLAN, "--runs", "3", "--out", out]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"ocop-workflow: '--out' cannot be written: No space left on device (got {out!r})"
    ]


def test_a_folder_without_write_permission_is_refused(capsys, tmp_path, monkeypatch, no_runs):
    # Checked with os.access (a root user may write anywhere, so the denial is simulated).
    monkeypatch.setattr("os.access", lambda path, mode: False)
    out = str(tmp_path / "runs.csv")
    assert main(["simulate", PLAN, "--out", out]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"ocop-workflow: '--out' cannot be written: permission denied (got {out!r})"
    ]
