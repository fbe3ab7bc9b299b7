"""Every script in examples/ runs as a test, as its users would run it."""

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


def test_there_are_examples():
    assert EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(script)])
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_lifecycle_example_ends_with_a_superseded_certificate():
    module = runpy.run_path(str(EXAMPLES[0].parent / "lifecycle.py"))
    coffee, renewal = module["run"]()
    assert coffee.state.value == "superseded"
    assert renewal.certificate.number == "SL-2027-044"
    assert renewal.certificate.stars == 4


def test_son_la_2024_example_files_the_seed_appendix():
    module = runpy.run_path(str(EXAMPLES[0].parent / "son_la_2024.py"))
    from ocop_workflow import DossierKind, Workflow, rulesets

    filed = module["file_dossiers"](Workflow(rulesets.QD148_2023))
    kinds = [d.kind for d, _ in filed]
    assert kinds.count(DossierKind.FIRST_TIME) == 60
    assert kinds.count(DossierKind.REEVALUATION) == 19
    assert len({d.district for d, _ in filed}) == 12
    table = module["district_table"](filed, module["SON_LA_2024"])
    assert table.splitlines()[-1].split()[:3] == ["total", "60", "19"]


def test_portal_example_retries_a_stale_save_and_sends_the_notices(capsys):
    runpy.run_path(str(EXAMPLES[0].parent / "portal.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "was saved by someone else" in out
    assert "province: reloaded, the dossier is now district_scored" in out
    assert "it ends withdrawn" in out
    assert "certificate SL-2024-017 superseded by its re-evaluation" in out
    assert "30-day expiry notices on 2030-02-20: ['SL-2027-044']" in out


def test_roles_example_is_moved_by_its_real_actors():
    module = runpy.run_path(str(EXAMPLES[0].parent / "roles.py"))
    coffee, renewal, refused = module["run"]()
    assert "'hd-moc-chau'" in refused
    assert "Huyện Mai Sơn" in refused
    assert coffee.state.value == "superseded"
    assert renewal.certificate.stars == 4
    assert renewal.commune == "Xã Chiềng Mai"
