"""The scoring example runs as its users would run it, and says what it should."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "score_coffee.py"


def test_score_coffee_prints_table_star_minimums_and_advice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [str(SCRIPT)])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "total    100      73.00      72.00      70.00     71.67" in out
    assert "Gap in C (shortfall): part C's groups add up to 33, not 35" in out
    assert "Final: 3★ (policy: minimums by majority)" in out
    assert "Unmet minimums for 4★: 1" in out
    assert "To reach 4★ (now 3★):" in out
    assert "C.9.1 '9. Quality assurance (Đảm bảo chất lượng)': reach option 3" in out


def test_the_example_advice_really_reaches_four_stars() -> None:
    module = runpy.run_path(str(SCRIPT))
    result = module["score"]()
    advice = result.advice()
    assert advice is not None
    from ocop_workflow.scoring import evaluate_council

    upgraded = evaluate_council(
        result.sheet, [advice.apply(m.answers) for m in result.members], result.policy
    )
    assert upgraded.stars == 4
