"""Time one evaluation of a full sheet, against summing the same points in a plain loop; and
the 26 shipped sheets: loading them all, against parsing their TOML alone, and one evaluation per
sheet, against the plain loop on each.

Each pair is measured in the same run with ``timeit``, in interleaved repeats (best of each taken).
The baseline looks up each chosen option's points by code and adds them up: the least any
evaluator must do. The goal is an evaluation at most 5 times the baseline.
Run: ``python benchmarks/bench_scoring.py``.
"""

from __future__ import annotations

import timeit
import tomllib
from importlib import resources

from ocop_workflow.scoring import ScoringSheet, shipped_sheet, shipped_sheet_numbers
from ocop_workflow.scoring.sheet_format import sheet_from_toml_text

__all__ = ["main", "measure", "measure_shipped"]


def _middling(sheet: ScoringSheet) -> dict[str, int | None]:
    """A middling product: the middle option everywhere (some minimums unmet, as in real files)."""
    return {c.code: len(c.options) // 2 for c in sheet.criteria}


def measure(number: int = 20_000, repeat: int = 15) -> tuple[float, float]:
    """(seconds per evaluation, seconds per plain-loop sum), best of ``repeat`` runs."""
    sheet = shipped_sheet(13)
    answers = _middling(sheet)
    table = [(c.code, [o.points for o in c.options]) for c in sheet.criteria]

    def evaluate() -> object:
        result = sheet.evaluate(answers)
        return result.stars, result.total

    def plain_sum() -> float:
        total = 0.0
        for code, points in table:
            total += points[answers[code]]  # type: ignore[index]
        return total

    assert plain_sum() == sheet.evaluate(answers).total
    # Interleaved, so that both see the same load on a shared machine; the best of each is kept.
    evaluation = baseline = float("inf")
    for _ in range(repeat):
        evaluation = min(evaluation, timeit.timeit(evaluate, number=number) / number)
        baseline = min(baseline, timeit.timeit(plain_sum, number=number) / number)
    return evaluation, baseline


def measure_shipped(number: int = 200, repeat: int = 7) -> dict[str, float]:
    """Seconds, best of ``repeat`` runs of ``number`` each: ``load`` all 26 shipped sheets (built
    and checked from their texts: ``shipped_sheet`` caches), ``parse`` their TOML texts alone,
    ``evaluate`` one middling answer set on each sheet, and ``plain`` the plain-loop sum on each."""
    numbers = shipped_sheet_numbers()
    folder = resources.files("ocop_workflow.scoring") / "data"
    texts = [(folder / f"sheet-{n:02d}.toml").read_text(encoding="utf-8") for n in numbers]
    sheets = [shipped_sheet(n) for n in numbers]
    cases = [(sheet, _middling(sheet)) for sheet in sheets]
    tables = [
        (answers, [(c.code, [o.points for o in c.options]) for c in sheet.criteria])
        for sheet, answers in cases
    ]

    def load() -> object:
        return [sheet_from_toml_text(text) for text in texts]  # shipped_sheet caches its sheets

    def parse() -> object:
        return [tomllib.loads(text) for text in texts]

    def evaluate() -> object:
        return [sheet.evaluate(answers).stars for sheet, answers in cases]

    def plain() -> object:
        totals = []
        for answers, table in tables:
            total = 0.0
            for code, points in table:
                total += points[answers[code]]  # type: ignore[index]
            totals.append(total)
        return totals

    assert plain() == [sheet.evaluate(answers).total for sheet, answers in cases]
    best = dict.fromkeys(("load", "parse", "evaluate", "plain"), float("inf"))
    for _ in range(repeat):
        # Loading is some thousand times slower than evaluating: fewer runs of it.
        best["load"] = min(best["load"], timeit.timeit(load, number=max(1, number // 50)))
        best["parse"] = min(best["parse"], timeit.timeit(parse, number=max(1, number // 50)))
        best["evaluate"] = min(best["evaluate"], timeit.timeit(evaluate, number=number))
        best["plain"] = min(best["plain"], timeit.timeit(plain, number=number))
    best["load"] /= max(1, number // 50)
    best["parse"] /= max(1, number // 50)
    best["evaluate"] /= number
    best["plain"] /= number
    return best


def main() -> None:
    """Print the figures."""
    evaluation, baseline = measure()
    print(f"evaluate one full sheet (34 criteria): {evaluation * 1e6:.2f} µs")
    print(f"plain loop summing the same points:    {baseline * 1e6:.2f} µs")
    print(f"ratio: {evaluation / baseline:.2f} (goal: at most 5)")
    shipped = measure_shipped()
    print(f"load all 26 shipped sheets:            {shipped['load'] * 1e3:.1f} ms")
    print(f"parse their TOML alone (tomllib):      {shipped['parse'] * 1e3:.1f} ms")
    print(f"ratio: {shipped['load'] / shipped['parse']:.2f} (checks and value objects on top)")
    print(f"one evaluation on each of the 26:      {shipped['evaluate'] * 1e6:.1f} µs")
    print(f"plain loop on each of the 26:          {shipped['plain'] * 1e6:.1f} µs")
    print(f"ratio: {shipped['evaluate'] / shipped['plain']:.2f} (goal: at most 5)")


if __name__ == "__main__":
    main()
