import contextlib
import csv
import datetime as dt
from collections import Counter

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocop_workflow import DossierKind, DossierState, Level, Workflow, rulesets
from ocop_workflow.errors import InvalidInput, OcopError
from ocop_workflow.portfolio import by_district
from ocop_workflow.spreadsheets import (
    FIELDS,
    HEADINGS,
    SpreadsheetError,
    export_portfolio,
    export_summary,
    import_baseline,
    import_dossiers,
    read_products,
)
from ocop_workflow.testing import certified_dossier, registered_dossier
from tests.strategies import mutated_text_files

WF = Workflow(rulesets.QD148_2023)
VI = [HEADINGS["vi"][field] for field in FIELDS]


def write_csv(path, rows, header=VI, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=VI):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def row(number="SL-1", on="2024-07-20", stars=4, district="Mai Sơn", sheet=13, product="Cà phê"):
    return [product, "HTX Chiềng Ban", sheet, district, "Chiềng Ban", stars, number, on]


def sheets_of(path):
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


# -- import ----------------------------------------------------------------------------------


def test_a_list_becomes_certified_dossiers_under_the_regime_of_each_date(tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [
            row("A", "2020-05-04", 3),
            row("B", "20/07/2024", "4 sao"),
            row("C", "2025-08-01", "★★★★★", district=""),
            row("D", "2026-09-01", 3),
        ],
    )
    dossiers = import_dossiers(path, province="Sơn La")
    assert [d.state for d in dossiers] == [DossierState.CERTIFIED] * 4
    assert [(d.certificate.number, d.certificate.stars) for d in dossiers] == [
        ("A", 3),
        ("B", 4),
        ("C", 5),
        ("D", 3),
    ]
    assert [d.certificate.issued_on for d in dossiers] == [
        dt.date(2020, 5, 4),
        dt.date(2024, 7, 20),
        dt.date(2025, 8, 1),
        dt.date(2026, 9, 1),
    ]
    # The regime in force on each recognition date, at every step (facts page section 1).
    assert [{r.regime for r in d.history} for d in dossiers] == [
        {"QD1048_2019"},
        {"QD148_2023"},
        {"QD1489_2025"},
        {"QD26_2026"},
    ]
    # 148: the province recognises 4 stars; 1048: the province recognises 3 stars.
    assert dossiers[1].certificate.level is Level.PROVINCE
    assert dossiers[0].certificate.level is Level.PROVINCE
    assert dossiers[2].district is None
    # The stand-in scores are said to be stand-ins.
    assert all("gives stars, not scores" in (r.note or "") for r in dossiers[1].history)
    assert WF.replay(dossiers[1].history) == dossiers[1]


def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_imported(tmp_path):
    rows = [
        row("A"),
        row("B", stars=2),
        ["", "HTX", 27, "Mai Sơn", "Chiềng Ban", 3, "A", "31/02/2024"],
        [],  # an empty row is skipped, and still counted as a row
        row("C", on="2019-01-01"),
        row("D", district=""),
    ]
    path = write_csv(tmp_path / "list.csv", rows)
    with pytest.raises(SpreadsheetError) as error:
        import_dossiers(path, province="Sơn La")
    found = [(p.row, p.column) for p in error.value.problems]
    assert found == [
        (3, "Hạng sao"),
        (4, "Tên sản phẩm"),
        (4, "Bộ sản phẩm"),
        (4, "Ngày công nhận"),
        (4, "Số giấy chứng nhận"),
    ]
    assert str(error.value.problems[4]) == (
        "row 4, column 'Số giấy chứng nhận': must be unique: row 2 has it too (got 'A')"
    )
    assert str(error.value).startswith(f"{path}: 5 problem(s), nothing imported\n  row 3, column")
    # Once the cells are right, the workflow's own refusals are reported the same way.
    path = write_csv(
        tmp_path / "list.csv", [row("A"), row("C", on="2019-01-01"), row("D", district="")]
    )
    with pytest.raises(SpreadsheetError) as error:
        import_dossiers(path, province="Sơn La")
    assert [(p.row, p.column) for p in error.value.problems] == [
        (3, "Ngày công nhận"),
        (4, "Huyện"),
    ]
    assert "'district' is required under QD148_2023" in error.value.problems[1].message


def test_bad_rows_of_a_workbook_are_reported_the_same_way(tmp_path):
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [row("A"), row("B", on=dt.datetime(2024, 7, 1, 15, 30)), row("C", sheet="food")],
    )
    with pytest.raises(SpreadsheetError) as error:
        import_dossiers(path, province="Sơn La")
    assert [(p.row, p.column, p.message) for p in error.value.problems] == [
        (3, "Ngày công nhận", "must be a date without a time of day"),
        (
            4,
            "Bộ sản phẩm",
            "names a product group of sheets 1-13: give the sheet number or the sub-group",
        ),
    ]


def test_missing_columns_are_named_on_the_heading_row(tmp_path):
    path = write_csv(tmp_path / "list.csv", [row()[:5]], header=VI[:5])
    with pytest.raises(SpreadsheetError) as error:
        read_products(path)
    assert {(p.row, p.column) for p in error.value.problems} == {
        (1, "Hạng sao"),
        (1, "Số giấy chứng nhận"),
        (1, "Ngày công nhận"),
    }


def test_a_column_mapping_reads_the_sheets_own_headings(tmp_path):
    header = ["STT", "Tên SP OCOP", "Cơ sở", "Phiếu", "Huyện", "Xã", "Sao", "GCN", "Ngày QĐ"]
    path = write_xlsx(tmp_path / "own.xlsx", [[1, *row()]], header=header)
    columns = {
        "product": "Tên SP OCOP",
        "producer": "cơ  sở",  # case and spacing do not matter
        "stars": "Sao",
        "certificate": "GCN",
        "recognised_on": "Ngày QĐ",
    }
    [dossier] = import_dossiers(path, province="Sơn La", columns=columns)
    assert (dossier.producer, dossier.sheet, dossier.certificate.number) == (
        "HTX Chiềng Ban",
        13,
        "SL-1",
    )
    with pytest.raises(InvalidInput, match=r"'columns' key must be one of"):
        read_products(path, columns={"colour": "Sao"})


def test_english_headings_a_bom_and_a_header_below_a_title_are_read(tmp_path):
    english = [HEADINGS["en"][field] for field in FIELDS]
    path = tmp_path / "list.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:  # Excel's "CSV UTF-8"
        writer = csv.writer(handle)
        writer.writerow(["Danh sách sản phẩm OCOP tỉnh Sơn La"])
        writer.writerow(english)
        writer.writerow(row(sheet="coffee and cocoa", stars="4*"))
    [product] = read_products(path, header_row=2)
    assert (product.row, product.sheet, product.stars) == (3, 13, 4)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.csv", "Tên sản phẩm\n".encode("utf-16"), "is not UTF-8 CSV text"),
        ("list.xlsx", b"PK\x03\x04 not really a zip", "is not an .xlsx workbook"),
        ("list.xlsx", b"", "is not an .xlsx workbook"),
    ],
)
def test_a_file_that_is_not_a_list_is_one_spreadsheet_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError, match=message):
        read_products(path)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: read_products(None), "'path' must be a file path"),  # type: ignore[arg-type]
        (lambda p: read_products(p.with_suffix(".ods")), "'path' must end in .xlsx or .csv"),
        (lambda p: read_products(p, header_row=0), "'header_row' must be a whole number"),
        (lambda p: read_products(p, columns=5), "'columns' must map fields"),  # type: ignore[arg-type]
        (lambda p: import_dossiers(p, province=""), "'province' must be a non-empty string"),
        (lambda p: import_dossiers(p, province="X", workflow="x"), "'workflow' must be a"),  # type: ignore[arg-type]
        (lambda p: import_baseline(p, None), "'plan' must be a Plan"),  # type: ignore[arg-type]
        (lambda p: export_portfolio([1], p.with_suffix(".xlsx")), r"'dossiers\[0\]' must be"),  # type: ignore[list-item]
        (lambda p: export_portfolio([], p.with_suffix(".xlsx"), lang="fr"), "'lang' must be"),
        (lambda p: export_portfolio([], p), "'path' must end in .xlsx"),
        (lambda p: export_summary(None, p.with_suffix(".xlsx")), "'result' must be a"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_are_invalid_input_by_name(tmp_path, call, message):
    path = write_csv(tmp_path / "list.csv", [row()])
    with pytest.raises(InvalidInput, match=message):
        call(path)


# -- round trips -----------------------------------------------------------------------------

_names = st.text(alphabet="abcdeghiklmnopqrstuvxyăâđêôơưàảãáạ =+-", min_size=1, max_size=12).map(
    lambda text: " ".join(text.split())
)


@st.composite
def product_lists(draw):
    """Rows of a list of certified products: any date from the first regime to 2028, with a
    district (none is needed from 1489 on, and some rows then leave it out)."""
    count = draw(st.integers(min_value=0, max_value=6))
    rows = []
    for index in range(count):
        on = draw(st.dates(dt.date(2019, 8, 21), dt.date(2028, 12, 31)))
        needs_district = on < rulesets.QD1489_2025.effective_from
        district = draw(_names.filter(bool)) if needs_district or draw(st.booleans()) else ""
        rows.append(
            [
                draw(_names.filter(bool)),
                draw(_names.filter(bool)),
                draw(st.integers(min_value=1, max_value=26)),
                district,
                draw(_names.filter(bool)),
                draw(st.sampled_from([3, 4, 5])),
                f"SL-{index}",
                on.isoformat(),
            ]
        )
    return rows


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(product_lists(), st.sampled_from(["vi", "en"]), st.booleans())
def test_export_then_import_gives_the_same_portfolio(tmp_path, rows, lang, as_csv):
    source = write_csv(tmp_path / "source.csv", rows)
    portfolio = import_dossiers(source, province="Sơn La")
    exported = export_portfolio(portfolio, tmp_path / "export.xlsx", lang=lang)
    if as_csv:  # the list sheet saved as CSV, as an office would
        listed = sheets_of(exported)[HEADINGS[lang]["list"]]
        exported = write_csv(tmp_path / "export.csv", listed[1:], header=listed[0])
    assert import_dossiers(exported, province="Sơn La") == portfolio


def test_a_portfolio_built_by_the_workflow_comes_back_with_its_certificates(tmp_path):
    portfolio = [
        certified_dossier(WF, 75.0, number="SL-1"),
        certified_dossier(WF, 55.0, number="SL-2", district="Mộc Châu", sheet=11),
        certified_dossier(WF, 95.0, number="SL-3", on=dt.date(2024, 12, 20)),
    ]
    path = export_portfolio(portfolio, tmp_path / "portfolio.xlsx")
    back = import_dossiers(path, province="Sơn La")
    fields = lambda d: (d.product, d.producer, d.sheet, d.location, d.certificate)  # noqa: E731
    assert [fields(d) for d in back] == [fields(d) for d in portfolio]


# -- reports ---------------------------------------------------------------------------------


def test_the_report_counts_by_district_and_stars_and_by_kind(tmp_path):
    old = certified_dossier(WF, 75.0, number="SL-1", on=dt.date(2023, 7, 20))
    renewal = registered_dossier(
        WF, kind=DossierKind.REEVALUATION, renews=old, submitted_on=dt.date(2024, 5, 1)
    )
    portfolio = [
        old,
        certified_dossier(WF, 55.0, number="SL-2", district="Mộc Châu"),
        certified_dossier(WF, 56.0, number="SL-3", district="Mộc Châu"),
        registered_dossier(WF, district="Yên Châu"),
        renewal,
    ]
    sheets = sheets_of(export_portfolio(portfolio, tmp_path / "report.xlsx", lang="vi"))
    assert sheets["Theo huyện và hạng sao"] == [
        ("Huyện", "3 sao", "4 sao", "5 sao", "Tổng"),
        ("Mai Sơn", 0, 1, 0, 1),
        ("Mộc Châu", 2, 0, 0, 2),
        ("Tổng", 2, 1, 0, 3),
    ]
    appendix = sheets["Hồ sơ theo huyện"]
    assert appendix[0] == ("Huyện", "Đánh giá lần đầu", "Nâng hạng sao", "Đánh giá lại", "Tổng")
    counts = by_district(portfolio)
    for name, first, upgrade, again, total in appendix[1:-1]:
        assert (first, upgrade, again) == (
            counts[(name, "first_time")],
            counts[(name, "upgrade")],
            counts[(name, "reevaluation")],
        )
        assert total == first + upgrade + again
    assert appendix[-1] == ("Tổng", 4, 0, 1, 5)
    # Only certificates valid on a day; only dossiers filed in a year.
    sheets = sheets_of(
        export_portfolio(
            portfolio, tmp_path / "r.xlsx", lang="en", as_of=dt.date(2027, 7, 1), year=2023
        )
    )
    assert sheets["By district and stars"][-1] == ("Total", 2, 0, 0, 2)
    assert sheets["Dossiers by district"][1:] == [
        ("Mai Sơn", 1, 0, 0, 1),
        ("Total", 1, 0, 0, 1),
    ]


def test_a_simulation_summary_in_either_language(tmp_path, son_la):
    from ocop_workflow.simulation import simulate

    result = simulate(son_la, runs=20, seed=1)
    for lang in ("vi", "en"):
        sheets = sheets_of(export_summary(result, tmp_path / f"{lang}.xlsx", lang=lang))
        words = HEADINGS[lang]
        summary = sheets[words["summary"]]
        assert summary[0] == (words["row"], words["meaning"], words["mean"], "q05", "q50", "q95")
        legend = result.legend(lang)
        table = result.summary()
        rows = summary[1 : 1 + len(table)]
        assert [r[0] for r in rows] == list(table.index)
        assert [r[1] for r in rows] == [legend[name] for name in table.index]
        assert [r[2] for r in rows] == pytest.approx(list(table["mean"]))
        [target] = sheets[words["targets"]][1:]
        assert target[0] == "total"
        assert target[4] == result.target_probability("total")


def test_a_failed_save_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the previous report")

    def broken(book, path):
        with open(path, "wb") as handle:
            handle.write(b"PK half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.Workbook.save", broken)
    with pytest.raises(InvalidInput, match="'path' cannot be written: No space left on device"):
        export_portfolio([], target)
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    assert target.read_bytes() == b"the previous report"


# -- a plan's baseline -----------------------------------------------------------------------


def test_a_list_becomes_a_plans_baseline(tmp_path, son_la):
    rows = [row(str(i), "2022-07-01", 3, "Mộc Châu") for i in range(5)]
    rows += [row("x", "2023-05-02", 4, "Mai Sơn"), row("y", "2023-05-02", 4, "Mai Sơn")]
    plan = import_baseline(write_csv(tmp_path / "list.csv", rows), son_la)
    assert [(b.district, b.stars, b.recognised_on, b.count) for b in plan.baseline] == [
        ("Mộc Châu", 3, dt.date(2022, 7, 1), 5),
        ("Mai Sơn", 4, dt.date(2023, 5, 2), 2),
    ]
    assert plan.filings == son_la.filings


def test_baseline_rows_outside_the_plan_are_reported(tmp_path, son_la):
    rows = [row("1", "2022-07-01", 3, "Hà Nội"), row("2", "2025-01-01"), row("3", "2022-07-01")]
    with pytest.raises(SpreadsheetError) as error:
        import_baseline(write_csv(tmp_path / "list.csv", rows), son_la)
    assert [(p.row, p.column) for p in error.value.problems] == [
        (2, "Huyện"),
        (3, "Ngày công nhận"),
    ]


# -- fuzzing ---------------------------------------------------------------------------------

_SAMPLE = "\n".join(
    ",".join(str(cell) for cell in line)
    for line in [VI, row("A"), row("B", "20/07/2024", "3 sao"), row("C", "2025-08-01", 5, "")]
).encode("utf-8")


@settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutated_text_files(_SAMPLE))
def test_a_mutated_list_imports_or_is_one_ocop_error(tmp_path, data):
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    try:
        dossiers = import_dossiers(path, province="Sơn La")
    except OcopError:
        return
    assert all(d.state is DossierState.CERTIFIED for d in dossiers)
    assert len({d.certificate.number for d in dossiers}) == len(dossiers)
    assert Counter(d.certificate.stars for d in dossiers).keys() <= {3, 4, 5}


@st.composite
def _damaged(draw, original):
    data = bytearray(original)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data[at] = draw(st.integers(min_value=0, max_value=255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    return bytes(data)


def _sample_workbook():
    import io

    book = openpyxl.Workbook()
    sheet = book.active
    for line in [VI, row("A"), row("B", dt.date(2024, 7, 20), "3 sao")]:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(_damaged(_sample_workbook()))
def test_a_damaged_workbook_imports_or_is_one_ocop_error(tmp_path, data):
    path = tmp_path / "list.xlsx"
    path.write_bytes(data)
    with contextlib.suppress(OcopError):
        import_dossiers(path, province="Sơn La")


def test_a_name_that_looks_like_a_formula_stays_text(tmp_path):
    path = write_csv(tmp_path / "list.csv", [row(product='=HYPERLINK("http://x")')])
    portfolio = import_dossiers(path, province="Sơn La")
    exported = export_portfolio(portfolio, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(exported)
    assert book.worksheets[0]["A2"].data_type == "s"
    assert import_dossiers(exported, province="Sơn La") == portfolio


# -- headings from the catalogues, progress ---------------------------------------------------


def test_the_headings_are_the_catalogues_texts():
    from ocop_workflow.labels import text
    from ocop_workflow.spreadsheets import HEADING_KEYS

    for lang in ("vi", "en"):
        assert list(HEADINGS[lang]) == list(HEADING_KEYS)
        for key in HEADING_KEYS:
            assert HEADINGS[lang][key] == text(f"heading.{key}", lang)
    assert HEADINGS["vi"]["stars"] == "Hạng sao"  # what lists in the provinces call it


def test_import_reports_progress_once_per_row(tmp_path):
    path = write_csv(tmp_path / "list.csv", [row("SL-1"), row("SL-2"), row("SL-3")])
    calls: list[int] = []
    dossiers = import_dossiers(path, province="Sơn La", progress=calls.append)
    assert len(dossiers) == 3
    assert calls == [1, 1, 1]
    with pytest.raises(InvalidInput, match=r"'progress' must be a callable or None \(got 1\)"):
        import_dossiers(path, province="Sơn La", progress=1)  # type: ignore[arg-type]
