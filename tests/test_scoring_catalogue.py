"""The catalogue: the 26 shipped sheets against the transcriptions, their gaps, and which sheet a
product is scored on."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring import (
    NAMES_VI,
    PRODUCT_WORDS,
    SHEETS,
    Criterion,
    GapResolution,
    ProblemKind,
    ScoringSheet,
    sheet_entries,
    sheet_for,
    shipped_sheet,
    shipped_sheet_numbers,
)

TRANSCRIPTIONS = Path(__file__).resolve().parents[1].parent / "shared" / "domain" / "sheets"
needs_transcriptions = pytest.mark.skipif(
    not TRANSCRIPTIONS.is_dir(),
    reason=f"the third-party sheet transcriptions are not at {TRANSCRIPTIONS}",
)

NUMBERS = tuple(range(1, 27))


def test_all_26_sheets_are_shipped_and_load_strictly() -> None:
    assert shipped_sheet_numbers() == NUMBERS
    for number in NUMBERS:
        sheet = shipped_sheet(number)
        assert sheet.number == number
        assert (sheet.group, sheet.sub_group) == SHEETS[number]
        assert sheet.problems() == ()
        # Section 3: parts A 40, B 25, C 35 as declared, whatever a shortfall leaves reachable.
        assert sheet.part_maxima == {"A": 40.0, "B": 25.0, "C": 35.0}


def test_the_list_of_sheets_names_each_group_and_sub_group() -> None:
    entries = sheet_entries()
    assert [e.number for e in entries] == list(NUMBERS)
    assert {e.group for e in entries} == {
        "food",
        "beverages",
        "herbs",
        "handicrafts",
        "ornamentals",
        "tourism",
    }
    assert [e.number for e in entries if e.group == "food"] == list(range(1, 14))
    coffee = entries[12]
    assert (coffee.sub_group, coffee.name_vi) == ("coffee and cocoa", "cà phê, ca cao")
    assert set(NAMES_VI) == set(PRODUCT_WORDS) == set(SHEETS)


def _shortfall(sheet: ScoringSheet) -> float:
    return math.fsum(
        g.required - (g.given or 0.0) for g in sheet.gaps if g.resolution is GapResolution.SHORTFALL
    )


def _best(criterion: Criterion) -> int:
    return max(range(len(criterion.options)), key=lambda i: criterion.options[i].points)


def _worst(criterion: Criterion) -> int:
    return min(range(len(criterion.options)), key=lambda i: criterion.options[i].points)


@pytest.mark.parametrize("number", NUMBERS)
def test_every_sheet_evaluates_its_best_and_worst_answers(number: int) -> None:
    sheet = shipped_sheet(number)
    best = sheet.evaluate({c.code: _best(c) for c in sheet.criteria})
    # The maximum a product can reach: 100, less what a declared shortfall keeps out of reach.
    assert best.total == pytest.approx(100.0 - _shortfall(sheet))
    assert (best.band_stars, best.minimum_stars, best.stars) == (5, 5, 5)
    assert best.gaps == sheet.gaps
    worst = sheet.evaluate({c.code: _worst(c) for c in sheet.criteria})
    assert worst.total == pytest.approx(
        math.fsum(min(o.points for o in c.options) for c in sheet.criteria)
    )
    assert worst.total < 50  # not recognised: the least a product can score
    assert worst.stars <= 2
    nothing = sheet.evaluate({c.code: None for c in sheet.criteria})
    assert (nothing.total, nothing.stars) == (0.0, 1)


def test_the_declared_gaps_are_the_known_ones() -> None:
    declared = {
        n: [(g.code, g.resolution.value, g.given, g.required) for g in shipped_sheet(n).gaps]
        for n in NUMBERS
        if shipped_sheet(n).gaps
    }
    assert declared == {
        3: [
            ("C.7.1", "inferred", None, 2.0),
            ("C.8.1", "inferred", None, 5.0),
            ("C.10.1", "inferred", None, 5.0),
            ("C.12.1", "inferred", None, 3.0),
        ],
        7: [("C.6.4", "shortfall", 3.0, 4.0)],
        11: [("C", "shortfall", 32.0, 35.0)],
        12: [("C", "shortfall", 32.0, 35.0)],
        13: [("C", "shortfall", 33.0, 35.0)],
        17: [("A.1.4/1", "inferred", None, 1.0)],
        18: [("A.1.2/1", "inferred", None, 1.0)],
        26: [
            ("C.8", "one_of", 6.0, 3.0),
            ("C.9", "one_of", 4.0, 2.0),
            ("C.15", "one_of", 6.0, 3.0),
        ],
    }
    for number in declared:
        assert all(g.note for g in shipped_sheet(number).gaps)


# -- against the transcriptions ---------------------------------------------------------------


def _places(sheet: ScoringSheet) -> dict[str, tuple[object, ...]]:
    """What the tests compare at each place: points, maxima, markers and what each part, group
    and criterion holds; option places are ``code/index``."""
    found: dict[str, tuple[object, ...]] = {}
    for part in sheet.parts:
        found[part.letter] = (part.maximum, math.fsum(g.maximum for g in part.groups))
        for group in part.groups:
            label = f"{part.letter}.{group.number}"
            found[label] = (group.maximum, tuple(c.code for c in group.criteria))
            for criterion in group.criteria:
                found[criterion.code] = (
                    criterion.maximum,
                    criterion.min_star,
                    len(criterion.options),
                )
                for index, option in enumerate(criterion.options):
                    found[f"{criterion.code}/{index}"] = (option.points, option.min_star)
    return found


def _covers(place: str, codes: set[str]) -> bool:
    """Whether a difference at ``place`` lies at or under one of ``codes`` (a one-of group's
    criteria and options differ with it)."""
    return any(place == code or place.startswith(code + ".") for code in codes)


@needs_transcriptions
@pytest.mark.parametrize("number", NUMBERS)
def test_a_shipped_sheet_is_its_transcription_except_where_a_gap_says(number: int) -> None:
    shipped = shipped_sheet(number)
    source, problems = ScoringSheet.from_outline_csv(
        TRANSCRIPTIONS / f"sheet-{number:02d}.csv", strict=False
    )
    gaps = {g.code: g for g in shipped.gaps}
    # 1. Every problem of the transcription's strict reading is a declared gap. Sheet 11's
    # sub-headings carry no points: the shipped sheet folds them into its criteria's titles.
    counted = [
        p for p in problems if not (p.kind is ProblemKind.STRUCTURE and "sub-heading" in p.message)
    ]
    unreadable = [p for p in counted if p.code is None]
    assert all(p.kind is ProblemKind.NOT_A_NUMBER for p in unreadable)
    option_gaps = [g for g in shipped.gaps if "/" in g.code]
    assert len(unreadable) == len(option_gaps)  # each unreadable cell is an inferred option
    for problem in counted:
        if problem.code is None:
            continue
        gap = gaps[problem.code]
        if problem.kind is ProblemKind.SUM_MISMATCH:
            assert gap.resolution in (GapResolution.SHORTFALL, GapResolution.ONE_OF)
            assert (problem.expected, problem.found) == (
                f"{gap.required:g}",
                f"{gap.given:g}",
            )
        elif problem.kind is ProblemKind.MAXIMUM_UNREACHABLE:
            assert gap.resolution is GapResolution.SHORTFALL
            assert problem.found == f"best option {gap.given:g}"
        else:
            assert problem.kind is ProblemKind.MISSING_MAXIMUM
            assert (gap.resolution, gap.given) == (GapResolution.INFERRED, None)
    assert {p.code for p in counted if p.code} == {
        g.code for g in shipped.gaps if "/" not in g.code
    }
    # 2. Everywhere else the shipped sheet is the transcription: parts, groups, criteria, points
    # and markers. It differs exactly where an inferred value or merged alternatives say so.
    ours, theirs = _places(shipped), _places(source)
    changed = {
        g.code
        for g in shipped.gaps
        if g.resolution in (GapResolution.INFERRED, GapResolution.ONE_OF)
    }
    different = {
        place for place in ours.keys() | theirs.keys() if ours.get(place) != theirs.get(place)
    }
    assert {place for place in different if not _covers(place, changed)} == set()
    # A missing maximum's stand-in (the best option) is the value inferred: it shows no difference.
    visible = {
        g.code for g in shipped.gaps if "/" in g.code or g.resolution is GapResolution.ONE_OF
    }
    assert {code for code in changed if _covers(code, different)} == visible
    for gap in shipped.gaps:
        if gap.resolution is GapResolution.INFERRED:
            shown = ours[gap.code][0]
            assert shown == gap.required
            # The lenient reading's stand-in: 0 for an unreadable cell, the best option for a
            # missing maximum (which the gap then confirms from the group's maximum).
            assert theirs[gap.code][0] == (0.0 if "/" in gap.code else gap.required)
        elif gap.resolution is GapResolution.ONE_OF:
            merged = shipped.criterion(gap.code + ".1")
            alternatives = [c for c in source.criteria if c.code.startswith(gap.code + ".")]
            assert len(alternatives) >= 2
            assert [(o.points, o.min_star) for o in merged.options] == [
                (o.points, o.min_star) for c in alternatives for o in c.options
            ]
            assert merged.maximum == gap.required == max(c.maximum for c in alternatives)
            assert gap.given == math.fsum(c.maximum for c in alternatives)


@needs_transcriptions
def test_no_transcription_words_are_shipped() -> None:
    """The shipped sheets are written in this project's words: no option or criterion title of a
    transcription appears in them (short words such as "Kế toán" aside)."""
    for number in NUMBERS:
        source = ScoringSheet.from_outline_csv(
            TRANSCRIPTIONS / f"sheet-{number:02d}.csv", strict=False
        )[0]
        ours = {c.title for c in shipped_sheet(number).criteria} | {
            o.title for c in shipped_sheet(number).criteria for o in c.options
        }
        theirs = {c.title.strip() for c in source.criteria} | {
            o.title.strip(" □") for c in source.criteria for o in c.options
        }
        copied = {t for t in ours & theirs if len(t) > 20}
        assert copied == set(), number


# -- which sheet for my product ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("cà phê", 13),
        ("Cà phê bột nguyên chất", 13),
        ("ca phe", 13),  # accents optional
        ("CA CAO", 13),
        ("trà shan tuyết", 11),
        ("Tra Shan Tuyet Moc Chau", 11),
        ("chè", 11),
        ("trà hoa cúc", 12),  # the longest match wins: herbal tea, not tea
        ("herbal tea", 12),
        ("mật ong rừng", 4),
        ("nuoc mam Phu Quoc", 9),
        ("rượu ngô", 14),
        ("rượu vang", 15),
        ("cá cảnh", 25),
        ("hoa quả sấy", 7),
        ("cà chua", 1),
        ("thổ cẩm", 22),
        ("homestay", 26),
        ("Điểm du lịch cộng đồng", 26),
        ("diem du lich", 26),  # đ typed as d
        ("ornamental plants", 24),
        ("processed meat, seafood, eggs, milk, honey products", 8),  # a sub-group's own name
    ],
)
def test_sheet_for_finds_a_products_sheet(text: str, number: int) -> None:
    assert sheet_for(text).number == number


def test_sheet_for_contract() -> None:
    assert sheet_for("cà phê").number == 13
    assert sheet_for("trà shan tuyết") == shipped_sheet(11)


def test_accents_given_must_be_right() -> None:
    # "cá" (fish) is sheet 2; "cà" is not "cá", so "cà" alone matches nothing.
    assert sheet_for("ca").number == 2
    with pytest.raises(InvalidInput, match=r"no sheet matches 'cà'"):
        sheet_for("cà")


def test_an_ambiguous_product_names_the_candidates() -> None:
    with pytest.raises(InvalidInput) as caught:
        sheet_for("milk tea")
    message = str(caught.value)
    assert "'milk tea' matches more than one sheet equally well" in message
    assert "sheet 2 (fresh meat, seafood, eggs, milk) by 'milk'" in message
    assert "sheet 11 (tea) by 'tea'" in message


def test_an_unknown_product_names_the_closest_candidates() -> None:
    with pytest.raises(InvalidInput, match=r"no sheet matches 'cofee'; closest: sheet 13 "):
        sheet_for("cofee")
    with pytest.raises(InvalidInput, match=r"'text': no sheet matches 'xyz qwv'$"):
        sheet_for("xyz qwv")


@pytest.mark.parametrize("text", ["", "  ,. ", None, 13, b"ca phe"])
def test_sheet_for_needs_words(text: object) -> None:
    with pytest.raises(InvalidInput, match=r"'text' must name a product"):
        sheet_for(text)  # type: ignore[arg-type]
