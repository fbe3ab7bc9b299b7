"""Score a coffee product with a three-member council on the shipped sheet 13 (coffee and cocoa).

Prints the per-part table, the star, the unmet minimums and the cheapest upgrade.
Run: ``python examples/score_coffee.py``.
"""

from __future__ import annotations

from ocop_workflow.scoring import CouncilResult, evaluate_council, shipped_sheet

__all__ = ["main", "score"]


def score() -> CouncilResult:
    """The council's result for a robusta coffee from a mountain cooperative."""
    sheet = shipped_sheet(13)
    # A good product: the members mostly agree, with a few differences of judgement.
    common: dict[str, int | None] = {
        "A.1.1": 2,
        "A.1.2": 2,
        "A.1.3": 1,
        "A.1.4": 2,
        "A.1.5": 1,
        "A.1.6": 1,
        "A.2.1": 3,
        "A.2.2": 2,
        "A.2.3": 2,
        "A.3.1": 2,
        "A.3.2": 1,
        "A.3.3": 1,
        "A.3.4": 1,
        "A.3.5": 1,
        "A.3.6": 0,
        "B.4.1": 2,
        "B.4.2": 2,
        "B.4.3": 2,
        "B.5.1": 3,
        "B.5.2": 3,
        "B.5.3": 1,
        "C.6.1": 2,
        "C.6.2": 1,
        "C.6.3": 2,
        "C.6.4": 2,
        "C.6.5": 1,
        "C.6.6": 1,
        "C.6.7": 1,
        "C.7.1": 2,
        "C.8.1": 2,
        "C.8.2": 2,
        "C.9.1": 2,
        "C.10.1": 1,
        "C.11.1": 0,
    }
    members = [
        common,
        common | {"B.5.2": 2, "C.6.5": 2},  # finds the story less distinctive, the taste better
        common | {"A.1.4": 1, "C.7.1": 1},  # doubts the contracts and the uniqueness
    ]
    return evaluate_council(sheet, members)


def main() -> None:
    """Print the council's result and the advice."""
    result = score()
    sheet = result.sheet
    print(f"Sheet {sheet.number}: {sheet.sub_group} ({sheet.group})")
    print(
        f"{'part':<6}{'max':>6}"
        + "".join(f"{f'member {i + 1}':>11}" for i in range(3))
        + f"{'council':>10}"
    )
    for part in sheet.parts:
        cells = "".join(f"{m.parts[part.letter]:>11.2f}" for m in result.members)
        print(f"{part.letter:<6}{part.maximum:>6.0f}{cells}{result.parts[part.letter]:>10.2f}")
    totals = "".join(f"{m.total:>11.2f}" for m in result.members)
    print(f"{'total':<6}{sheet.maximum:>6.0f}{totals}{result.total:>10.2f}")
    for gap in result.gaps:  # what the sheet's sources leave open: show it with the result
        print(f"Gap in {gap.code} ({gap.resolution.value}): {gap.note}")
    print()
    print(f"Band of the total: {result.band_stars}★; minimums met up to: {result.minimum_stars}★")
    print(f"Final: {result.stars}★ (policy: minimums by {result.policy.minimums.value})")
    print()
    for star in (3, 4, 5):
        unmet = result.unmet[star]
        print(f"Unmet minimums for {star}★: {len(unmet) or 'none'}")
        for minimum in unmet:
            print(f"  - {minimum}")
    print()
    advice = result.advice()
    print(advice if advice is not None else "No upgrade is possible from here.")


if __name__ == "__main__":
    main()
