import csv

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
