import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import InvalidInput
from ocop_workflow.codes import ProductCode

digits = st.text(alphabet="0123456789", min_size=1, max_size=6)


@given(digits, digits, digits, st.integers(min_value=2019, max_value=9999))
def test_a_code_reads_back_exactly_as_written(province, commune, sequence, year):
    code = ProductCode(province, commune, sequence, year)
    assert ProductCode.parse(str(code)) == code
    assert str(ProductCode.parse(str(code))) == f"{province}-{commune}-{sequence}-{year}"


def test_leading_zeros_are_kept():
    code = ProductCode.parse("14-04045-017-2026")
    assert (code.province, code.commune, code.sequence, code.year) == ("14", "04045", "017", 2026)
    assert str(code) == "14-04045-017-2026"


@pytest.mark.parametrize(
    "text",
    ["14-04045-017", "14-04045-017-26", "14-4045a-017-2026", "14--017-2026", 14, "١٤-1-1-2026"],
)
def test_malformed_codes_are_quoted(text):
    with pytest.raises(InvalidInput, match="'code' must read province-commune-sequence-year"):
        ProductCode.parse(text)


def test_parts_are_checked_when_built():
    with pytest.raises(InvalidInput, match="'commune' must be a string of digits \\(got 4045\\)"):
        ProductCode("14", 4045, "1", 2026)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="'year' must be a year from 2019"):
        ProductCode("14", "04045", "1", 2018)
