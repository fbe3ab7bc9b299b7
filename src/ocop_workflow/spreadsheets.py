"""Spreadsheets in and out (the ``excel`` extra, openpyxl): a province's list of certified
products, and reports per district and star, in Vietnamese or English.

Provincial OCOP offices keep their lists of certified products in spreadsheets. This module
reads such a list (``.xlsx`` or ``.csv``) into certified dossiers (:func:`import_dossiers`) or
into a plan's baseline (:func:`import_baseline`), and writes ``.xlsx`` reports: a portfolio's
list and counts by district and stars with the seed appendix's table (:func:`export_portfolio`),
and a simulation's summary (:func:`export_summary`).

**Columns.** One row per product, with a heading row (row 1 unless ``header_row`` says
otherwise): product, producer, sheet (a sheet number 1-26 or a product sub-group name of
:data:`ocop_workflow.scoring.catalogue.SHEETS`), district, commune, stars, certificate number,
recognition date. Headings are recognised in Vietnamese or English (:data:`HEADINGS`,
:data:`ALIASES`; case, spacing and Unicode normalisation do not matter); ``columns=`` maps a field
to the sheet's own heading. Other columns (a serial number "STT", notes) are ignored. Rows are
numbered as the spreadsheet shows them; empty rows are skipped.

**Nothing half-imported.** Every row is checked, every problem collected (row, column heading,
value, what was expected), and one :class:`SpreadsheetError` lists them all; only a file without
problems gives dossiers or a plan.

**Imported dossiers** are built through the real :class:`~ocop_workflow.Workflow`, under the regime
in force on the recognition date (facts page section 1): registered, passed by the commune,
scored at each level the route takes and certified, every step dated on the recognition date. A
list gives stars, not scores, so each council's score is recorded as the lowest score of the
star's band under that regime (facts page section 2: 50, 70 or 90 under Decision 148), and each
step's note says so: the scores are a stand-in, the certificate (number, stars, level, dates) is
the list's. Dossiers are first-time dossiers (a list does not say which were re-evaluations).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

try:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
except ImportError as missing:  # pragma: no cover - the test extra installs it
    raise ImportError(
        "spreadsheets need the 'excel' extra: pip install \"ocop-workflow[excel]\""
    ) from missing

from ocop_workflow import rulesets
from ocop_workflow._files import (
    MAX_FILE_BYTES,
    FileFault,
    atomic_target,
    path_argument,
    read_limited,
)
from ocop_workflow.dossier import SHEET_NUMBERS, Dossier, DossierKind
from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.labels import text
from ocop_workflow.rules import RECOGNISED_STARS, RouteKind
from ocop_workflow.scoring.catalogue import SHEETS
from ocop_workflow.states import HOLDING_STATES
from ocop_workflow.validators import instances
from ocop_workflow.workflow import Workflow

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from ocop_workflow.simulation import Plan, SimulationResult

__all__ = [
    "ALIASES",
    "FIELDS",
    "HEADINGS",
    "HEADING_KEYS",
    "LANGUAGES",
    "ProductRow",
    "RowProblem",
    "SpreadsheetError",
    "export_portfolio",
    "export_summary",
    "import_baseline",
    "import_dossiers",
    "read_products",
]

LANGUAGES = ("vi", "en")

FIELDS = (
    "product",
    "producer",
    "sheet",
    "district",
    "commune",
    "stars",
    "certificate",
    "recognised_on",
)
"""The columns of a list of certified products, in the order :func:`export_portfolio` writes."""

HEADING_KEYS = (
    *FIELDS,
    "list",
    "by_stars",
    "appendix",
    "stars_3",
    "stars_4",
    "stars_5",
    "total",
    "no_district",
    "first_time",
    "upgrade",
    "reevaluation",
    "summary",
    "targets",
    "row",
    "meaning",
    "mean",
    "target",
    "year",
    "at_least",
    "probability",
    "runs",
)
"""The keys of :data:`HEADINGS`: the fields, then the sheet titles and other headings."""

# The texts are the catalogues' ``heading.<key>`` messages (ocop_workflow.labels), one source for
# this module, the CLI's tables and any other reader. Vietnamese follows the decisions' terms
# (chủ thể, hạng sao, công nhận; facts page sections 1-4).
HEADINGS: dict[str, dict[str, str]] = {
    lang: {key: text(f"heading.{key}", lang) for key in HEADING_KEYS} for lang in LANGUAGES
}
"""Every heading and sheet title the module writes, per language."""

ALIASES: dict[str, tuple[str, ...]] = {
    "product": ("Sản phẩm", "Tên SP", "product name", "Tên sản phẩm OCOP"),
    "producer": ("Tên chủ thể", "Chủ thể sản xuất", "Đơn vị", "Chủ thể OCOP"),
    "sheet": (
        "Bộ tiêu chí",
        "Nhóm sản phẩm",
        "Phân nhóm",
        "Số phiếu",
        "Phiếu",
        "group",
        "sheet or group",
        "product group",
        "sub-group",
    ),
    "district": ("Huyện/thành phố", "Huyện, thành phố", "Huyện/Thành phố", "Quận/huyện"),
    "commune": ("Xã/phường", "Xã, phường", "Xã/Phường", "Xã/phường/thị trấn", "Địa chỉ xã"),
    "stars": ("Số sao", "Xếp hạng", "Hạng", "star rating", "rating"),
    "certificate": ("Số GCN", "Số giấy CN", "Số chứng nhận", "certificate", "certificate no"),
    "recognised_on": ("Ngày cấp", "Ngày quyết định", "recognised", "recognition", "date"),
}
"""Further headings recognised for each field, besides :data:`HEADINGS` in either language."""

REQUIRED = ("product", "producer", "commune", "stars", "certificate", "recognised_on")
"""Columns a list must have for dossiers (plus ``sheet``, and ``district`` where the regime of a
row has a district level); a baseline needs ``district``, ``stars`` and ``recognised_on``."""

MAX_ROWS = 200_000
"""The most rows read from one file: a province certifies hundreds of products, Vietnam tens of
thousands (facts page section 7)."""


class SpreadsheetError(InvalidInput):
    """A spreadsheet with problems; ``problems`` lists every one (row, column, value, why)."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {len(self.problems)} problem(s), nothing imported"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


@attrs.frozen
class RowProblem:
    """One bad cell (or row, or missing column): its row as the spreadsheet numbers it, the
    column's heading, the value found and what was expected."""

    row: int
    column: str
    value: object
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message} (got {self.value!r})"


@attrs.frozen
class ProductRow:
    """One product of a list, checked: ``row`` is its row number in the file."""

    row: int
    product: str | None
    producer: str | None
    sheet: int | None
    district: str | None
    commune: str | None
    stars: int
    certificate: str | None
    recognised_on: dt.date


# -- reading -----------------------------------------------------------------------------------


def _normal(text: str) -> str:
    """A heading as compared: NFC, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _known_headings() -> dict[str, str]:
    known: dict[str, str] = {}
    for field in FIELDS:
        names = [HEADINGS["vi"][field], HEADINGS["en"][field], field, *ALIASES[field]]
        for name in names:
            known.setdefault(_normal(name), field)
    return known


def _language(lang: object) -> str:
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise InvalidInput(f"'lang' must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    return lang


def _check_columns(columns: object) -> dict[str, str]:
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise InvalidInput(f"'columns' must map fields to headings (got {columns!r})")
    checked: dict[str, str] = {}
    for field, heading in columns.items():
        if field not in FIELDS:
            raise InvalidInput(f"'columns' key must be one of {list(FIELDS)} (got {field!r})")
        if not isinstance(heading, str) or not heading.strip():
            raise InvalidInput(
                f"'columns[{field!r}]' must be a non-empty heading (got {heading!r})"
            )
        checked[field] = heading
    return checked


def _whole(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInput(f"{name!r} must be a whole number of at least {low} (got {value!r})")
    return value


def _records(path: Path, worksheet: str | None, max_bytes: int) -> Iterator[tuple[object, ...]]:
    """The rows of the file as tuples of cell values (CSV cells are strings)."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput(f"'path' must end in .xlsx or .csv (got {source!r})")
    try:
        data = read_limited(path, max_bytes)
    except FileFault as fault:
        raise SpreadsheetError(
            source, [RowProblem(0, "", None, f"the file {fault.reason}")]
        ) from None
    if suffix == ".csv":
        if worksheet is not None:
            raise InvalidInput(
                f"'worksheet' is for .xlsx files, not {source!r} (got {worksheet!r})"
            )
        try:
            text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
            yield from (tuple(record) for record in csv.reader(io.StringIO(text, newline="")))
        except (UnicodeDecodeError, csv.Error) as error:
            problem = RowProblem(0, "", None, f"the file is not UTF-8 CSV text: {error}")
            raise SpreadsheetError(source, [problem]) from None
        return
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        problem = RowProblem(0, "", None, f"the file is not an .xlsx workbook: {error}")
        raise SpreadsheetError(source, [problem]) from None
    try:
        if not book.worksheets:  # found by fuzzing: a damaged workbook can list none
            problem = RowProblem(0, "", None, "the workbook has no worksheet")
            raise SpreadsheetError(source, [problem])
        if worksheet is None:
            sheet = book.worksheets[0]
        elif worksheet in book.sheetnames:
            sheet = book[worksheet]
        else:
            raise InvalidInput(
                f"'worksheet' must be one of the workbook's sheets {book.sheetnames} "
                f"(got {worksheet!r})"
            )
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as error:  # a damaged sheet inside a valid zip, found as it is read
                problem = RowProblem(0, "", None, f"the workbook cannot be read: {error}")
                raise SpreadsheetError(source, [problem]) from None
            yield values
    finally:
        book.close()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_STARS_TEXT = re.compile(r"^\s*([345])\s*(?:sao|stars?|\*|★)?\s*$", re.IGNORECASE)
_STAR_GLYPHS = re.compile(r"^\s*(\*{3,5}|★{3,5})\s*$")
_DAY_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def _stars(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in RECOGNISED_STARS:
        return value
    if isinstance(value, str):
        match = _STARS_TEXT.match(value) or _STAR_GLYPHS.match(value)
        if match:
            written = match.group(1)
            return int(written) if written.isdigit() else len(written)
    # Facts page section 2: only 3, 4 and 5 stars are recognised and certified.
    raise ValueError("must be 3, 4 or 5 stars ('4', '4 sao', '★★★★')")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError("must be a date without a time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:  # a date cell saved as text by a program: "2024-07-20 00:00:00"
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return _date(moment)
        match = _DAY_MONTH_YEAR.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
    raise ValueError("must be a date: a date cell, 2024-07-20 or 20/07/2024 (day first)")


_SUB_GROUPS = {_normal(sub_group): number for number, (_, sub_group) in SHEETS.items()}
_GROUPS: dict[str, list[int]] = {}
for _number, (_group, _) in SHEETS.items():
    _GROUPS.setdefault(_group, []).append(_number)


def _sheet(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in SHEET_NUMBERS:
        return value
    if isinstance(value, str):
        found = _SUB_GROUPS.get(_normal(value))
        if found is not None:
            return found
        group = _GROUPS.get(_normal(value))
        if group is not None:
            raise ValueError(
                f"names a product group of sheets {group[0]}-{group[-1]}: give the sheet number "
                "or the sub-group"
            )
    # Facts page section 3: 26 sheets, one per product sub-group.
    raise ValueError("must be a sheet number from 1 to 26 or a product sub-group name")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a certificate number typed as a number
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be text")
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("must not be empty")
    return text


_PARSERS = {
    "product": _text,
    "producer": _text,
    "sheet": _sheet,
    "district": _text,
    "commune": _text,
    "stars": _stars,
    "certificate": _text,
    "recognised_on": _date,
}


def read_products(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    header_row: int = 1,
    worksheet: str | None = None,
    required: Sequence[str] = REQUIRED,
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[ProductRow, ...]:
    """Read and check a list of certified products (see the module docstring for the columns).

    Every problem of the file is collected and raised together as one :class:`SpreadsheetError`
    (row number as the spreadsheet shows it, column heading, value, why): a missing ``required``
    column (``stars`` and ``recognised_on`` always are), an empty or malformed cell, a
    certificate number used twice. Bad arguments are an :class:`InvalidInput` naming them.
    """
    rows, _ = _read_products(path, columns, header_row, worksheet, required, max_bytes)
    return rows


def _read_products(
    path: object,
    columns: object,
    header_row: object,
    worksheet: object,
    required: object,
    max_bytes: object = MAX_FILE_BYTES,
) -> tuple[tuple[ProductRow, ...], dict[str, str]]:
    """The checked rows, and the file's heading of each field found."""
    source = path_argument(path)
    mapping = _check_columns(columns)
    header_row = _whole(header_row, "header_row", 1)
    max_bytes = _whole(max_bytes, "max_bytes", 1)
    if worksheet is not None and not isinstance(worksheet, str):
        raise InvalidInput(f"'worksheet' must be a sheet name or None (got {worksheet!r})")
    if (
        isinstance(required, str)
        or not isinstance(required, Sequence)
        or not all(isinstance(f, str) and f in FIELDS for f in required)
    ):
        raise InvalidInput(f"'required' must be fields of {list(FIELDS)} (got {required!r})")
    required = tuple(dict.fromkeys((*required, "stars", "recognised_on")))
    problems: list[RowProblem] = []
    records = _records(source, worksheet, max_bytes)
    header: tuple[object, ...] | None = None
    for number, record in enumerate(records, start=1):
        if number == header_row:
            header = record
            break
    if header is None:
        problems.append(RowProblem(header_row, "", None, "no heading row: the file is too short"))
        raise SpreadsheetError(str(source), problems)
    where = _header_fields(header, mapping, required, header_row, problems)
    rows: list[ProductRow] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=header_row + 1):
        if number - header_row > MAX_ROWS:
            problems.append(RowProblem(number, "", None, f"more than {MAX_ROWS:,} rows"))
            break
        if all(_blank(cell) for cell in record):
            continue
        values: dict[str, Any] = {}
        for field, (index, heading) in where.items():
            cell = record[index] if index < len(record) else None
            if _blank(cell):
                if field in required:
                    problems.append(RowProblem(number, heading, cell, "must not be empty"))
                values[field] = None
                continue
            try:
                values[field] = _PARSERS[field](cell)
            except ValueError as error:
                problems.append(RowProblem(number, heading, cell, str(error)))
                values[field] = None
        number_ = values.get("certificate")
        if number_ is not None:
            if number_ in seen:
                problems.append(
                    RowProblem(
                        number,
                        where["certificate"][1],
                        number_,
                        f"must be unique: row {seen[number_]} has it too",
                    )
                )
            seen.setdefault(number_, number)
        if not problems:
            checked: dict[str, Any] = {field: values.get(field) for field in FIELDS}
            rows.append(ProductRow(number, **checked))
    if problems:
        raise SpreadsheetError(str(source), problems)
    return tuple(rows), {field: heading for field, (_, heading) in where.items()}


def _header_fields(
    header: tuple[object, ...],
    mapping: Mapping[str, str],
    required: Sequence[str],
    header_row: int,
    problems: list[RowProblem],
) -> dict[str, tuple[int, str]]:
    """Which column holds each field: (index, heading as written)."""
    wanted = {_normal(heading): field for field, heading in mapping.items()}
    known = _known_headings()
    where: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        if not isinstance(cell, str) or not cell.strip():
            continue
        name = _normal(cell)
        field = wanted.get(name) or (None if name in wanted else known.get(name))
        if field is None or (field in mapping and _normal(mapping[field]) != name):
            continue
        if field in where:
            problems.append(RowProblem(header_row, cell, cell, f"is a second column for {field!r}"))
            continue
        where[field] = (index, cell.strip())
    for field in required:
        if field not in where:
            expected = mapping.get(field) or HEADINGS["vi"][field]
            problems.append(
                RowProblem(
                    header_row,
                    expected,
                    None,
                    f"column for {field!r} is missing (headings found: "
                    f"{[c for c in header if isinstance(c, str) and c.strip()]})",
                )
            )
    return where


# -- into dossiers and plans -----------------------------------------------------------------


def _field_of(error: OcopError) -> str:
    """The field an error message names first, as the workflow quotes it (``'district'``)."""
    for field in FIELDS:
        if f"'{field}'" in str(error):
            return field
    if "'number'" in str(error):
        return "certificate"
    return "recognised_on"


def _certified(workflow: Workflow, row: ProductRow, province: str) -> Dossier:
    """The row as a certified dossier, built through the workflow (see the module docstring)."""
    on = row.recognised_on
    rules = workflow.rules_on(on)
    # Facts page section 2: the lowest score of the star's band (thresholds start at 2 stars).
    score = rules.bands.thresholds[row.stars - 2]
    # The same note whatever the file and row, so that a list exported and imported again
    # gives equal dossiers.
    note = (
        "imported from a list of certified products, which gives stars, not scores: the score "
        f"recorded is the lowest of the {row.stars}-star band"
    )
    if row.sheet is None:
        raise InvalidInput(f"'sheet' is needed to register a dossier (got {row.sheet!r})")
    dossier = workflow.register(
        product=row.product or "",
        sheet=row.sheet,
        producer=row.producer or "",
        province=province,
        district=row.district,
        commune=row.commune or "",
        submitted_on=on,
        note=note,
    )
    workflow.review_at_commune(dossier, passed=True, on=on, note=note)
    # A list gives one certificate: a 1048 five-star product is scored up to the centre without
    # the province's certificate it may have held meanwhile (section 8), whose number is unknown.
    for level in rules.scoring_levels:
        workflow.score(dossier, level, score, on=on, note=note)
        if rules.route(level, score).kind is not RouteKind.FORWARD:
            break
    certificate = workflow.certify(dossier, on=on, number=row.certificate or "", note=note)
    if certificate.stars != row.stars:  # a regime whose route cannot give these stars
        raise InvalidInput(
            f"'stars' {row.stars} cannot be recognised under {rules.code} on {on} "
            f"(its route gives {certificate.stars})"
        )
    return dossier


def import_dossiers(
    path: str | Path,
    *,
    province: str,
    workflow: Workflow | None = None,
    columns: Mapping[str, str] | None = None,
    header_row: int = 1,
    worksheet: str | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[Dossier]:
    """Certified dossiers from a province's list of certified products, one per row.

    Built through ``workflow`` (default: the shipped regimes, each applied from its date) under
    the regime in force on each recognition date; a row the workflow refuses (a date before the
    first regime, no district where the regime has a district level...) is a problem of that
    row. Every problem of the file is raised together (:class:`SpreadsheetError`); otherwise
    every row becomes a dossier. ``progress`` (a callable, such as a ``tqdm`` bar's ``update``)
    is called with 1 after each row is built.
    """
    if not isinstance(province, str) or not province.strip():
        raise InvalidInput(f"'province' must be a non-empty string (got {province!r})")
    if progress is not None and not callable(progress):
        raise InvalidInput(f"'progress' must be a callable or None (got {progress!r})")
    if workflow is None:
        workflow = Workflow(rulesets.QD148_2023)
    elif not isinstance(workflow, Workflow):
        raise InvalidInput(f"'workflow' must be a Workflow or None (got {workflow!r})")
    source = path_argument(path)
    rows, headings = _read_products(source, columns, header_row, worksheet, (*REQUIRED, "sheet"))
    dossiers: list[Dossier] = []
    problems: list[RowProblem] = []
    for row in rows:
        try:
            dossiers.append(_certified(workflow, row, province))
        except OcopError as error:
            field = _field_of(error)
            heading = headings.get(field, HEADINGS["vi"][field])
            problems.append(RowProblem(row.row, heading, getattr(row, field), str(error)))
        if progress is not None:
            progress(1)
    if problems:
        raise SpreadsheetError(str(source), problems)
    return dossiers


def import_baseline(
    path: str | Path,
    plan: Plan,
    *,
    columns: Mapping[str, str] | None = None,
    header_row: int = 1,
    worksheet: str | None = None,
) -> Plan:
    """``plan`` with its baseline replaced by the products of a list: one baseline entry per
    district, stars and recognition date, counting the rows.

    A row whose district is not one of the plan's, or whose date is outside the plan's range (from
    the first regime to the plan's end), is a problem of that row; every problem is raised
    together (:class:`SpreadsheetError`).
    """
    from ocop_workflow.simulation.plan import FIRST_REGIME, Baseline, Plan

    if not isinstance(plan, Plan):
        raise InvalidInput(f"'plan' must be a Plan (got {plan!r})")
    source = path_argument(path)
    rows, headings = _read_products(source, columns, header_row, worksheet, ("district",))
    end = dt.date(plan.years[-1], 12, 31)
    problems: list[RowProblem] = []
    counts: Counter[tuple[str, int, dt.date]] = Counter()
    for row in rows:
        if row.district not in plan.districts:
            problems.append(
                RowProblem(
                    row.row,
                    headings["district"],
                    row.district,
                    f"must be one of the plan's districts {list(plan.districts)}",
                )
            )
        if not FIRST_REGIME <= row.recognised_on <= end:
            problems.append(
                RowProblem(
                    row.row,
                    headings["recognised_on"],
                    row.recognised_on,
                    f"must be from {FIRST_REGIME} (OCOP's first regime) to {end} (the plan's end)",
                )
            )
        if row.district is not None:
            counts[(row.district, row.stars, row.recognised_on)] += 1
    if problems:
        raise SpreadsheetError(str(source), problems)
    baseline = tuple(
        Baseline(district, stars, on, count) for (district, stars, on), count in counts.items()
    )
    return attrs.evolve(plan, baseline=baseline)


# -- writing ---------------------------------------------------------------------------------


def _table(sheet: Worksheet, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            # openpyxl writes a text starting with "=" as a formula: a product called "=1+1"
            # would be computed by Excel (formula injection) and read back empty. Keep it text.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for index, heading in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(heading) + 4)
    sheet.freeze_panes = "A2"


def _save(book: openpyxl.Workbook, path: object) -> Path:
    target = path_argument(path)
    if target.suffix.lower() != ".xlsx":
        raise InvalidInput(f"'path' must end in .xlsx (got {str(target)!r})")
    if not target.parent.is_dir():
        raise InvalidInput(f"'path' must be in an existing folder (got {str(target)!r})")
    try:
        with atomic_target(target) as temporary:
            book.save(temporary)
    except OSError as error:
        raise InvalidInput(
            f"'path' cannot be written: {error.strerror or error} (got {str(target)!r})"
        ) from None
    return target


def export_portfolio(
    dossiers: Iterable[Dossier],
    path: str | Path,
    *,
    lang: str = "vi",
    as_of: dt.date | None = None,
    year: int | None = None,
) -> Path:
    """Write an ``.xlsx`` report of a portfolio, headings in ``lang`` ("vi" or "en"):

    * the list of certified products (dossiers holding a certificate, ``CERTIFIED`` or
      ``CERTIFIED_FORWARDED``; with ``as_of``, only certificates valid that day), in the
      columns :func:`import_dossiers` reads back;
    * their counts by district and stars, with totals;
    * the seed appendix's table: dossiers per district by kind (first-time, upgrade,
      re-evaluation), those submitted in ``year`` if given (facts page section 4).

    Written to a temporary file and renamed, so a failed write leaves no partial file.
    """
    words = HEADINGS[_language(lang)]
    listed = instances(dossiers, Dossier, "dossiers")
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise InvalidInput(f"'as_of' must be a datetime.date or None (got {as_of!r})")
    if year is not None:
        _whole(year, "year", 1)
    certified = [
        d
        for d in listed
        if d.state in HOLDING_STATES
        and d.certificate is not None
        and (as_of is None or d.certificate.valid_on(as_of))
    ]
    book = openpyxl.Workbook()
    products = book.active
    assert products is not None  # a new workbook has one sheet
    products.title = words["list"]
    _table(
        products,
        [words[field] for field in FIELDS],
        (
            [
                d.product,
                d.producer,
                d.sheet,
                d.district,
                d.commune,
                d.certificate.stars,
                d.certificate.number,
                d.certificate.issued_on,
            ]
            for d in certified
            if d.certificate is not None
        ),
    )
    for cell in products["H"][1:]:
        cell.number_format = "yyyy-mm-dd"

    stars = Counter((d.district, d.certificate.stars) for d in certified if d.certificate)
    _table(
        book.create_sheet(words["by_stars"]),
        [words["district"], *(words[f"stars_{s}"] for s in RECOGNISED_STARS), words["total"]],
        _cross_table(stars, RECOGNISED_STARS, words),
    )
    filed = [d for d in listed if year is None or d.submitted_on.year == year]
    kinds = Counter((d.district, d.kind) for d in filed)
    _table(
        book.create_sheet(words["appendix"]),
        [words["district"], *(words[kind.value] for kind in DossierKind), words["total"]],
        _cross_table(kinds, tuple(DossierKind), words),
    )
    return _save(book, path)


def _cross_table(
    counts: Counter[tuple[str | None, Any]], columns: Sequence[object], words: Mapping[str, str]
) -> list[list[object]]:
    """One row per district (in name order, "no district" last), one count per column and the
    row's total; then a row of totals."""
    districts = sorted({district for district, _ in counts}, key=lambda d: (d is None, d or ""))
    rows: list[list[object]] = []
    totals = [0] * len(columns)
    for district in districts:
        row = [counts[(district, column)] for column in columns]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        name = words["no_district"] if district is None else district
        rows.append([name, *row, sum(row)])
    rows.append([words["total"], *totals, sum(totals)])
    return rows


def export_summary(result: SimulationResult, path: str | Path, *, lang: str = "vi") -> Path:
    """Write a simulation's summary as ``.xlsx``, headings and row meanings in ``lang``: each
    figure with its meaning, mean and quantiles; each target with its probability."""
    from ocop_workflow.simulation import SimulationResult

    words = HEADINGS[_language(lang)]
    if not isinstance(result, SimulationResult):
        raise InvalidInput(f"'result' must be a SimulationResult (got {result!r})")
    summary = result.summary()
    legend = result.legend(lang)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = words["summary"]
    _table(
        sheet,
        [words["row"], words["meaning"], words["mean"], *summary.columns[1:]],
        (
            [str(name), legend[str(name)], *(float(v) for v in summary.loc[name])]
            for name in summary.index
        ),
    )
    sheet.append([])
    sheet.append([words["runs"], result.runs])
    _table(
        book.create_sheet(words["targets"]),
        [words["target"], words["meaning"], words["year"], words["at_least"], words["probability"]],
        (
            [
                t.name,
                result.target_line(t.name, lang),
                t.year,
                t.at_least,
                result.target_probability(t.name),
            ]
            for t in result.plan.targets
        ),
    )
    return _save(book, path)
