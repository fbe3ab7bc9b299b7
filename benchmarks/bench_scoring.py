"""Time one evaluation of a full sheet, against summing the same points in a plain loop.

Both are measured in the same run with ``timeit``, in interleaved repeats (best of each taken).
The baseline looks up each chosen option's points by code and adds them up: the least any
evaluator must do. The goal is an evaluation at most 5 times the baseline.
Run: ``python benchmarks/bench_scoring.py``.
"""

from __future__ import annotations

import timeit

from ocop_workflow.scoring import shipped_sheet

__all__ = ["main", "measure"]


def measure(number: int = 20_000, repeat: int = 15) -> tuple[float, float]:
    """(seconds per evaluation, seconds per plain-loop sum), best of ``repeat`` runs."""
    sheet = shipped_sheet(13)
    # A middling product: the middle option everywhere (some minimums unmet, like real dossiers).
    answers: dict[str, int | None] = {c.code: len(c.options) // 2 for c in sheet.criteria}
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


def main() -> None:
    """Print the figures."""
    evaluation, baseline = measure()
    print(f"evaluate one full sheet (35 criteria): {evaluation * 1e6:.2f} µs")
    print(f"plain loop summing the same points:    {baseline * 1e6:.2f} µs")
    print(f"ratio: {evaluation / baseline:.2f} (goal: at most 5)")


if __name__ == "__main__":
    main()
