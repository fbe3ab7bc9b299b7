"""Kept name: the sheet file formats now live in one module each,
:mod:`ocop_workflow.scoring.sheet_format` (this library's TOML/JSON) and
:mod:`ocop_workflow.scoring.outline_csv` (the third-party outline CSV)."""

from ocop_workflow.scoring.outline_csv import COLUMNS, read_outline_csv, write_outline_csv
from ocop_workflow.scoring.sheet_format import (
    FORMAT_VERSION,
    load_sheet,
    sheet_from_dict,
    sheet_from_toml_text,
    sheet_to_dict,
)

__all__ = [
    "COLUMNS",
    "FORMAT_VERSION",
    "load_sheet",
    "read_outline_csv",
    "sheet_from_dict",
    "sheet_from_toml_text",
    "sheet_to_dict",
    "write_outline_csv",
]
