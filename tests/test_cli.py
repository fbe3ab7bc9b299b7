import csv
import os
import stat
from importlib import metadata

import pytest

import ocop_workflow.simulation
from ocop_workflow.cli import COMMANDS, main, memory_available
from ocop_workflow.simulation import memory_needed, simulate
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


# -- hardening: version, legend, Ctrl-C, atomic --out, memory ---------------------------------


def test_version_comes_from_the_package_metadata(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"ocop-workflow {metadata.version('ocop-workflow')}"


def test_every_summary_row_has_a_legend_line_and_the_target_is_named(capsys, son_la):
    assert main(["simulate", PLAN, "--runs", "20", "--seed", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    result = simulate(son_la, runs=20, seed=4)
    legend = result.legend("en")
    for row in result.summary().index:
        explained = [line for line in lines if line.split()[:1] == [row] and line.startswith("  ")]
        assert explained == [f"  {row:<15}  {legend[row]}"]
    assert "valid_2024" in legend
    assert legend["pending"].startswith("dossiers still waiting")
    hits = int((result.per_run["cumulative_2024"] >= 204).sum())
    assert lines[-1] == (
        "probability of target 'total' (products ever certified by 31 Dec 2024, at least 204): "
        f"{hits / 20:.2f} ({hits} of 20 runs)"
    )


def test_ctrl_c_is_status_130_and_one_line(capsys, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ocop_workflow.simulation, "simulate", interrupted)
    out = tmp_path / "runs.csv"
    assert main(["simulate", PLAN, "--runs", "5", "--out", str(out)]) == 130
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["ocop-workflow: interrupted"]
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def _write_half_then(error):
    """A replacement for DataFrame.to_csv that writes part of the file, then fails."""

    def to_csv(frame, handle, *args, **kwargs):
        handle.write("run,valid\n0,1")
        handle.flush()
        raise error

    return to_csv


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (OSError(28, "No space left on device"), 1, "'--out' cannot be written"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_write_leaves_no_partial_file(
    capsys, tmp_path, monkeypatch, error, status, message, existing
):
    out = tmp_path / "runs.csv"
    if existing:
        out.write_text("the previous run\n", encoding="utf-8")
    monkeypatch.setattr("pandas.DataFrame.to_csv", _write_half_then(error))
    assert main(["simulate", PLAN, "--runs", "3", "--out", str(out)]) == status
    assert message in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == (["runs.csv"] if existing else [])
    if existing:
        assert out.read_text(encoding="utf-8") == "the previous run\n"


def test_the_out_file_is_replaced_whole_with_a_plain_files_mode(tmp_path, capsys):
    out = tmp_path / "runs.csv"
    out.write_text("old,\n" * 1000, encoding="utf-8")
    assert main(["simulate", PLAN, "--runs", "2", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("run,valid,cumulative")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    fresh = tmp_path / "fresh.csv"
    assert main(["simulate", PLAN, "--runs", "2", "--out", str(fresh)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.csv", "runs.csv"]


def test_a_run_too_large_for_the_machine_is_refused_before_it_starts(capsys, no_runs):
    assert main(["simulate", PLAN, "--runs", "99999999999999999999"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("ocop-workflow: '--runs' 99999999999999999999 would need about ")
    assert line.endswith("available: use fewer runs")
    assert "e+13 GiB" in line


def test_the_memory_check_compares_with_what_the_machine_has(capsys, monkeypatch, son_la):
    needed = memory_needed(son_la, 1000)
    monkeypatch.setattr("ocop_workflow.cli.memory_available", lambda: needed - 1)
    assert main(["simulate", PLAN, "--runs", "1000"]) == 2
    assert "this machine has" in capsys.readouterr().err
    monkeypatch.setattr("ocop_workflow.cli.memory_available", lambda: needed)
    assert main(["simulate", PLAN, "--runs", "1000"]) == 0


def test_memory_available_reads_the_kernel():
    available = memory_available()
    assert available is None or available > 0


def test_bad_runs_and_seed_are_one_line_and_status_2(capsys):
    assert main(["simulate", PLAN, "--runs", "0"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ocop-workflow: 'runs' must be a whole number of at least 1 (got 0)"
    ]
    assert main(["simulate", PLAN, "--seed", "-1", "--runs", "1"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_the_subcommands_are_a_table_of_small_functions():
    import argparse

    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    for add in COMMANDS:
        add(commands, "en")
    assert sorted(commands.choices) == ["diagram", "portfolio", "sheet", "simulate", "store"]
    args = parser.parse_args(["simulate", PLAN])
    assert callable(args.run)
