import csv
import datetime as dt
import json
import os
import shutil
import stat
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import ocop_workflow.simulation
from ocop_workflow import Dossier, DossierState, Workflow, rulesets
from ocop_workflow.cli import COMMANDS, LANGUAGE_VARIABLE, main, memory_available
from ocop_workflow.diagrams import compare, diagram
from ocop_workflow.labels import label, text
from ocop_workflow.portfolio import agenda
from ocop_workflow.scoring import ScoringSheet, SheetError, shipped_sheet
from ocop_workflow.simulation import memory_needed, simulate
from ocop_workflow.spreadsheets import FIELDS, HEADINGS, export_portfolio, import_dossiers
from ocop_workflow.store import Store
from ocop_workflow.testing import certified_dossier
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


# -- the language: --lang, OCOP_LANG, help texts ----------------------------------------------

COMMAND_PATHS = [
    ([], "cli.description"),
    (["simulate"], "cli.simulate.description"),
    (["store"], "cli.store.description"),
    (["diagram"], "cli.diagram.description"),
    (["sheet"], "cli.sheet.description"),
    (["sheet", "show"], "cli.sheet.show.description"),
    (["sheet", "check"], "cli.sheet.check.description"),
    (["portfolio"], "cli.portfolio.description"),
    (["portfolio", "import"], "cli.portfolio.import.description"),
    (["portfolio", "counts"], "cli.portfolio.counts.description"),
    (["portfolio", "agenda"], "cli.portfolio.agenda.description"),
]


def help_of(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


@pytest.fixture(autouse=True)
def no_language_variable(monkeypatch):
    monkeypatch.delenv(LANGUAGE_VARIABLE, raising=False)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(("path", "description"), COMMAND_PATHS, ids=lambda p: " ".join(p))
def test_help_is_in_the_chosen_language(capsys, path, description, lang):
    shown = help_of(capsys, [*path, "--lang", lang, "--help"])
    assert " ".join(text(description, lang).split()) in shown
    assert text("cli.help", lang) in shown
    assert shown.startswith(text("cli.usage", lang).strip())
    other = "en" if lang == "vi" else "vi"
    assert text("cli.help", other) not in shown
    if lang == "vi":
        assert "cách dùng:" in shown
        assert "tùy chọn" in shown


def test_the_language_variable_is_the_default_and_lang_wins(capsys, monkeypatch):
    monkeypatch.setenv(LANGUAGE_VARIABLE, "vi")
    assert "hiện hướng dẫn này rồi thoát" in help_of(capsys, ["diagram", "--help"])
    assert "show this help and exit" in help_of(capsys, ["diagram", "--lang", "en", "--help"])
    assert "show this help and exit" in help_of(capsys, ["--lang=en", "diagram", "--help"])


def test_a_bad_language_variable_is_one_line_and_status_2(capsys, monkeypatch):
    monkeypatch.setenv(LANGUAGE_VARIABLE, "fr")
    assert main(["diagram", "--regime", "QD148_2023"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "ocop-workflow: the environment variable OCOP_LANG must be vi or en (got 'fr')"
    ]
    assert main(["diagram", "--regime", "QD148_2023", "--lang", "en"]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["diagram", "--regime", "QD999"],
        ["diagram"],
        ["sheet", "show"],
        ["portfolio", "agenda", "x.csv", "--province", "Sơn La"],
        ["portfolio", "import", "x.csv", "--province", "X", "--out", "a", "--store", "b"],
        ["diagram", "--regime", "QD148_2023", "--lang", "fr"],
        ["nothing"],
    ],
)
def test_bad_arguments_are_status_2_with_the_error_in_the_language(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--lang", "vi"] if "--lang" not in argv else argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    expected = "tham số không hợp lệ" if "--lang" not in argv else "bad argument"
    [line] = [line for line in err.splitlines() if not line.startswith(("usage", "cách dùng", " "))]
    assert line.startswith("ocop-workflow")
    assert f": {expected}: " in line


def test_ctrl_c_says_so_in_the_language(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("ocop_workflow.diagrams.diagram", interrupted)
    assert main(["diagram", "--regime", "QD148_2023", "--lang", "vi"]) == 130
    assert capsys.readouterr().err.splitlines() == ["ocop-workflow: đã dừng (Ctrl-C)"]


def test_simulate_prints_its_legend_in_vietnamese(capsys, son_la):
    assert main(["simulate", PLAN, "--runs", "5", "--seed", "2", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sơn La 2024: 5 lần chạy, hạt giống 2, bộ máy fast")
    legend = simulate(son_la, runs=5, seed=2).legend("vi")
    assert f"  pending          {legend['pending']}" in out.splitlines()
    assert out.splitlines()[-1].startswith("xác suất đạt mục tiêu 'total'")


# -- diagram ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("form", ["mermaid", "dot"])
@pytest.mark.parametrize("regime", rulesets.ALL, ids=lambda r: r.code)
def test_diagram_prints_the_diagram_of_the_regime(capsys, regime, form, lang):
    argv = ["diagram", "--regime", regime.code, "--format", form, "--lang", lang]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out == diagram(regime, lang=lang, format=form).rstrip("\n") + "\n"
    assert out.startswith("stateDiagram-v2" if form == "mermaid" else "digraph")
    assert label(DossierState.CERTIFIED, lang) in out


@pytest.mark.parametrize("order", [("QD148_2023", "QD1489_2025"), ("QD1489_2025", "QD148_2023")])
def test_diagram_compare_puts_the_older_regime_first_whichever_is_given(capsys, order):
    assert main(["diagram", "--regime", order[0], "--compare", order[1], "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    expected = compare(rulesets.QD148_2023, rulesets.QD1489_2025, "vi", format="mermaid")
    assert out == expected.rstrip("\n") + "\n"
    assert text("diagram.only_in", "vi", regime="QD148_2023") in out


# -- sheet ------------------------------------------------------------------------------------

TRANSCRIPTIONS = Path(__file__).resolve().parents[1].parent / "shared" / "domain" / "sheets"
needs_samples = pytest.mark.skipif(
    not TRANSCRIPTIONS.is_dir(), reason="the sample sheets of ../shared/domain/sheets are absent"
)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_check_of_a_clean_shipped_sheet_is_status_0(capsys, lang):
    assert main(["sheet", "check", "13", "--lang", lang]) == 0
    assert capsys.readouterr().out.splitlines() == [
        text("cli.sheet.clean", lang, source=text("cli.sheet.shipped", lang, number=13))
    ]


def broken_json_sheet(tmp_path):
    """Shipped sheet 1 as a JSON sheet file, with part A's maximum made wrong."""
    data: dict[str, Any] = shipped_sheet(1).to_dict()
    data["parts"][0]["maximum"] = 39
    path = tmp_path / "sheet-01.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_check_lists_every_problem_of_a_json_sheet_and_is_status_1(capsys, tmp_path, lang):
    path = broken_json_sheet(tmp_path)
    with pytest.raises(SheetError) as raised:
        ScoringSheet.load(path)
    assert main(["sheet", "check", str(path), "--lang", lang]) == 1
    lines = capsys.readouterr().out.splitlines()
    count = len(raised.value.problems)
    assert lines[0] == text("cli.sheet.problems", lang, source=str(path), count=count)
    assert len(lines) == 1 + count
    for line, problem in zip(lines[1:], raised.value.problems, strict=True):
        assert problem.message in line
        assert f"[{label(problem.kind, lang)}]" in line


@needs_samples
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_check_of_a_broken_outline_csv_names_each_row(capsys, tmp_path, lang):
    copy = tmp_path / "sheet-17.csv"
    shutil.copyfile(TRANSCRIPTIONS / "sheet-17.csv", copy)
    _, problems = ScoringSheet.from_outline_csv(copy, strict=False)
    assert problems  # the transcription has a letter where a score should be
    assert main(["sheet", "check", str(copy), "--lang", lang]) == 1
    out = capsys.readouterr().out
    for problem in problems:
        assert problem.row is not None
        where = text("cli.sheet.where.row", lang, row=problem.row)
        assert any(line.startswith(f"  - {where}") for line in out.splitlines())
    # show refuses the same file, naming its problems on stderr
    assert main(["sheet", "show", str(copy), "--lang", lang]) == 2
    assert problems[0].message in capsys.readouterr().err


@needs_samples
def test_sheet_check_of_a_clean_outline_csv_is_status_0(capsys, tmp_path):
    copy = tmp_path / "sheet-01.csv"
    shutil.copyfile(TRANSCRIPTIONS / "sheet-01.csv", copy)
    assert main(["sheet", "check", str(copy)]) == 0
    assert capsys.readouterr().out == f"{copy}: no problems\n"


@pytest.mark.parametrize("argv", [["27"], ["/no/such/sheet.toml"], ["README.md"]])
@pytest.mark.parametrize("action", ["show", "check"])
def test_a_sheet_that_cannot_be_read_is_status_2(capsys, argv, action):
    assert main(["sheet", action, *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_show_has_a_legend_line_per_row(capsys, lang):
    sheet = shipped_sheet(13)
    assert main(["sheet", "show", "13", "--lang", lang]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = table_rows(lines)
    total = text("heading.total", lang)
    assert [row.split()[0] for row in rows] == [*(p.letter for p in sheet.parts), total]
    legend = legend_lines(lines, lang)
    assert [key for key, _ in legend] == [*(p.letter for p in sheet.parts), total]
    for (_, words), part in zip(legend, sheet.parts, strict=False):
        assert part.title in words
    for criterion in sheet.criteria:
        assert any(line.startswith(f"  {criterion.code}  {criterion.title}: ") for line in lines)
    if lang == "vi":
        assert lines[0].startswith("Bộ tiêu chí số 13")


def table_rows(lines):
    """The rows of the first table: the lines between its rule and the next blank line."""
    rule = next(i for i, line in enumerate(lines) if line and set(line) <= {"-", " "})
    end = lines.index("", rule)
    return lines[rule + 1 : end]


def legend_lines(lines, lang):
    """(key, words) of each legend line."""
    start = lines.index(text("cli.legend", lang)) + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        key, words = line.strip().split("  ", 1)
        found.append((key, words.strip()))
    return found


# -- portfolio --------------------------------------------------------------------------------

WF148 = Workflow(rulesets.QD148_2023)


@pytest.fixture
def portfolio_file(tmp_path):
    """A province's list exported by the library (.xlsx), and the dossiers it came from."""
    dossiers = [
        certified_dossier(WF148, 75.0, number="SL-2024-017"),
        certified_dossier(WF148, 60.0, number="SL-2024-018", district="Mộc Châu"),
        certified_dossier(WF148, 92.0, number="SL-2024-019", product="Chè shan tuyết", sheet=11),
        certified_dossier(WF148, 55.0, number="SL-2024-020", district="Mộc Châu"),
    ]
    return export_portfolio(dossiers, tmp_path / "ocop.xlsx", lang="vi"), dossiers


def same_certificates(found, expected):
    return [(d.product, d.district, d.certificate) for d in found] == [
        (d.product, d.district, d.certificate) for d in expected
    ]


def test_portfolio_import_round_trip_through_xlsx_and_json_lines(capsys, tmp_path, portfolio_file):
    path, dossiers = portfolio_file
    out = tmp_path / "dossiers.jsonl"
    argv = ["portfolio", "import", str(path), "--province", "Sơn La", "--out", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"4 product(s) read from {path}, each a certified dossier",
        f"4 dossier(s) written to {out}",
    ]
    documents = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    back = [
        Dossier.from_dict(data, workflow=Workflow.for_date(dt.date(2024, 7, 20)))
        for data in documents
    ]
    assert same_certificates(back, dossiers)
    # what 'store import' reads
    url = f"sqlite:///{tmp_path / 'ocop.db'}"
    assert main(["store", "import", url, str(out)]) == 0
    assert "4 dossiers imported" in capsys.readouterr().out


def test_portfolio_import_into_a_store(capsys, tmp_path, portfolio_file):
    path, dossiers = portfolio_file
    url = f"sqlite:///{tmp_path / 'ocop.db'}"
    argv = [
        "portfolio",
        "import",
        str(path),
        "--province",
        "Sơn La",
        "--store",
        url,
        "--lang",
        "vi",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"đã thêm 4 hồ sơ vào kho {url}"
    with Store(url) as store:
        assert same_certificates(sorted(store, key=lambda d: d.certificate.number), dossiers)
    assert main(argv) == 2  # the same certificate numbers again: refused, nothing added
    assert "SL-2024-017" in capsys.readouterr().err
    with Store(url) as store:
        assert len(list(store)) == 4


def test_portfolio_import_without_a_target_writes_nothing(capsys, tmp_path, portfolio_file):
    path, _ = portfolio_file
    assert main(["portfolio", "import", str(path), "--province", "Sơn La"]) == 0
    assert "nothing written" in capsys.readouterr().out.splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ocop.xlsx"]


def test_portfolio_import_works_without_tqdm(capsys, tmp_path, portfolio_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    path, _ = portfolio_file
    assert main(["portfolio", "import", str(path), "--province", "Sơn La"]) == 0


def test_a_list_with_bad_rows_is_status_2_with_every_row_named(capsys, tmp_path):
    bad = tmp_path / "list.csv"
    header = [HEADINGS["vi"][field] for field in FIELDS]
    rows = [
        ["Cà phê", "HTX", "13", "Mai Sơn", "Chiềng Ban", "6", "SL-1", "2024-07-20"],
        ["Chè", "HTX", "11", "Mộc Châu", "Tân Lập", "4", "SL-2", "31/02/2024"],
    ]
    with open(bad, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    out = tmp_path / "d.jsonl"
    for argv in (
        ["portfolio", "import", str(bad), "--province", "Sơn La", "--out", str(out)],
        ["portfolio", "counts", str(bad)],
        [
            "portfolio",
            "agenda",
            str(bad),
            "--province",
            "X",
            "--start",
            "2027-01-01",
            "--end",
            "2027-12-31",
        ],
    ):
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        err = captured.err.splitlines()
        assert err[0] == f"ocop-workflow: {bad}: 2 problem(s), nothing imported"
        assert err[1].startswith("  row 2, column 'Hạng sao'")
        assert err[2].startswith("  row 3, column 'Ngày công nhận'")
    assert not out.exists()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_portfolio_counts_by_district_and_stars_with_a_legend_line_per_row(
    capsys, portfolio_file, lang
):
    path, dossiers = portfolio_file
    assert main(["portfolio", "counts", str(path), "--lang", lang]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = Counter((d.district, d.certificate.stars) for d in dossiers)
    total = text("heading.total", lang)
    rows = {row.rsplit(None, 4)[0]: [int(n) for n in row.split()[-4:]] for row in table_rows(lines)}
    assert rows == {
        "Mai Sơn": [expected[("Mai Sơn", s)] for s in (3, 4, 5)] + [2],
        "Mộc Châu": [expected[("Mộc Châu", s)] for s in (3, 4, 5)] + [2],
        total: [sum(n for (_, s), n in expected.items() if s == stars) for stars in (3, 4, 5)]
        + [4],
    }
    legend = dict(legend_lines(lines, lang))
    assert list(legend) == list(rows)
    assert legend["Mộc Châu"] == text(
        "legend.counts.district",
        lang,
        district="Mộc Châu",
        total=2,
        stars_3=2,
        stars_4=0,
        stars_5=0,
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_portfolio_agenda_has_a_legend_line_per_row(capsys, portfolio_file, lang):
    path, _ = portfolio_file
    argv = ["portfolio", "agenda", str(path), "--province", "Sơn La", "--lang", lang]
    assert main([*argv, "--start", "2027-06-01", "--end", "2027-07-31"]) == 0
    lines = capsys.readouterr().out.splitlines()
    imported = import_dossiers(path, province="Sơn La")
    due = agenda(imported, start=dt.date(2027, 6, 1), end=dt.date(2027, 7, 31))
    assert len(due) == 8  # a notice and an expiry for each of the four certificates
    rows = table_rows(lines)
    assert len(rows) == len(due)
    legend = legend_lines(lines, lang)
    assert [key for key, _ in legend] == [str(n) for n in range(1, len(due) + 1)]
    for row, (_, words), item in zip(rows, legend, due, strict=True):
        assert label(item.what, lang) in row
        assert item.dossier.certificate.number in words
        assert item.dossier.product in words
    if lang == "vi":
        assert "20/06/2027" in rows[0]


def test_portfolio_agenda_with_nothing_due_and_bad_dates(capsys, portfolio_file):
    path, _ = portfolio_file
    argv = ["portfolio", "agenda", str(path), "--province", "Sơn La"]
    assert main([*argv, "--start", "2025-01-01", "--end", "2025-01-31"]) == 0
    assert capsys.readouterr().out == "nothing due from 2025-01-01 to 2025-01-31\n"
    assert main([*argv, "--start", "2025-02-30", "--end", "2025-03-31"]) == 2
    assert "'start'" in capsys.readouterr().err
    assert main([*argv, "--start", "2025-03-01", "--end", "2025-01-31"]) == 2
    assert "'end' must not be before 'start'" in capsys.readouterr().err


def test_portfolio_import_checks_the_store_before_reading_the_list(capsys, portfolio_file):
    path, _ = portfolio_file
    argv = ["portfolio", "import", str(path), "--province", "Sơn La", "--store", "nope://x"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "ocop-workflow: 'url' must be a sqlite:// or postgresql:// URL (got 'nope://x')"
    ]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_exporting_a_sqlite_store_that_does_not_exist_is_refused(capsys, tmp_path, lang):
    missing = tmp_path / "nosuch.db"
    out = tmp_path / "out.jsonl"
    code = main(["store", "export", f"sqlite:///{missing}", str(out), "--lang", lang])
    assert code == 2
    assert not missing.exists()  # no empty store was created
    assert not out.exists()
    error = capsys.readouterr().err
    assert str(missing) in error
    assert ("không có kho" in error) == (lang == "vi")
