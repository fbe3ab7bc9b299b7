"""Decision 148's scoring sheets: model, evaluation, councils, upgrade advice and loading.

Facts page section 3. Typical use::

    from ocop_workflow.scoring import ScoringSheet, shipped_sheet
    sheet = shipped_sheet(13)                      # coffee and cocoa, written by this project
    sheet_for("trà shan tuyết").number             # 11: which sheet scores a product
    sheet.gaps                                     # what the sources leave open, as data
    result = sheet.evaluate({code: 0 for code in sheet.codes})
    result.total, result.stars, result.unmet[3], result.advice()
"""

from __future__ import annotations

from ocop_workflow.scoring.advice import Advice, Change, advise
from ocop_workflow.scoring.catalogue import (
    NAMES_VI,
    PRODUCT_WORDS,
    SHEETS,
    ProductGroup,
    SheetEntry,
    sheet_entries,
    sheet_for,
    sheet_group,
    shipped_sheet,
    shipped_sheet_numbers,
)
from ocop_workflow.scoring.council import (
    Agreement,
    CouncilPolicy,
    CouncilResult,
    evaluate_council,
    minimum_met,
    result_from_details,
)
from ocop_workflow.scoring.evaluation import Answers, SheetResult, UnmetMinimum
from ocop_workflow.scoring.model import (
    MINIMUM_STARS,
    Criterion,
    Gap,
    GapResolution,
    Group,
    Option,
    Part,
    ScoringSheet,
)
from ocop_workflow.scoring.outline_csv import read_outline_csv, write_outline_csv
from ocop_workflow.scoring.problems import Problem, ProblemKind, SheetError

__all__ = [
    "MINIMUM_STARS",
    "NAMES_VI",
    "PRODUCT_WORDS",
    "SHEETS",
    "Advice",
    "Agreement",
    "Answers",
    "Change",
    "CouncilPolicy",
    "CouncilResult",
    "Criterion",
    "Gap",
    "GapResolution",
    "Group",
    "Option",
    "Part",
    "Problem",
    "ProblemKind",
    "ProductGroup",
    "ScoringSheet",
    "SheetEntry",
    "SheetError",
    "SheetResult",
    "UnmetMinimum",
    "advise",
    "evaluate_council",
    "minimum_met",
    "read_outline_csv",
    "result_from_details",
    "sheet_entries",
    "sheet_for",
    "sheet_group",
    "shipped_sheet",
    "shipped_sheet_numbers",
    "write_outline_csv",
]
