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
