"""Official administrative units: matching names, codes, the 2025 reform and its successors."""

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocop_workflow import InvalidInput, Level, Location, Workflow, rulesets, units

BEFORE = dt.date(2024, 3, 1)
AFTER = dt.date(2025, 8, 1)


@pytest.mark.parametrize(
    ("province", "district", "commune"),
    [
        ("Sơn La", "Mai Sơn", "Chiềng Ban"),
        ("Tỉnh Sơn La", "Huyện Mai Sơn", "Xã Chiềng Ban"),
        ("SƠN LA", "huyện mai sơn", "xã chiềng ban"),
        *[
            (unicodedata.normalize("NFD", p), unicodedata.normalize("NFD", d), "Chiềng Ban")
            for p, d in [("Sơn La", "Mai Sơn")]
        ],
    ],
)
def test_names_match_whatever_case_composition_and_prefix(province, district, commune):
    place = units.locate(Location(province, district, commune), on=BEFORE)
    assert (place.province.code, place.district.code, place.commune.code) == ("14", "125", "04120")
    assert place.location == Location("Tỉnh Sơn La", "Huyện Mai Sơn", "Xã Chiềng Ban")


def test_tone_mark_on_either_vowel_is_the_same_name():
    old_style = units.locate(Location("Thanh Hóa", "Thị xã Nghi Sơn", "Hải Hòa"), on=BEFORE)
    new_style = units.locate(Location("Thanh Hoá", "Thị xã Nghi Sơn", "Hải Hoà"), on=BEFORE)
    assert old_style == new_style


def test_son_la_before_the_reform_has_its_twelve_districts_of_the_seed():
    structure = units.divisions(BEFORE)
    son_la = structure.province("Sơn La")
    assert son_la.code == "14"
    shorts = {d.short for d in structure.districts_of(son_la)}
    # Facts page section 4: the seed appendix lists the province's 12 districts.
    assert shorts == {
        "Sơn La", "Mai Sơn", "Yên Châu", "Sốp Cộp", "Mộc Châu", "Sông Mã",
        "Thuận Châu", "Quỳnh Nhai", "Mường La", "Bắc Yên", "Vân Hồ", "Phù Yên",
    }  # fmt: skip
    assert len(units.divisions(BEFORE).provinces) == 63


def test_son_la_after_the_reform_keeps_its_code_and_has_communes_only():
    structure = units.divisions(AFTER)
    son_la = structure.province("Sơn La")
    assert son_la.code == "14"
    assert structure.districts_of(son_la) == ()
    communes = structure.communes_of(son_la)
    assert len(communes) == 75
    assert all(len(c.code) == 5 and c.level is Level.COMMUNE for c in communes)
    assert len(structure.provinces) == 34


def test_every_old_son_la_commune_has_successors_in_son_la():
    old = units.divisions(BEFORE)
    son_la = old.province("Sơn La")
    for district in old.districts_of(son_la):
        for commune in old.communes_of(district):
            place = old.locate(Location(son_la.name, district.name, commune.name))
            after = units.successor(place)
            assert after.province.code == "14"
            assert after.communes


def test_chieng_ban_became_chieng_mai():
    place = units.locate(Location("Sơn La", "Mai Sơn", "Chiềng Ban"), on=BEFORE)
    after = units.successor(place)
    assert after.commune is not None
    assert (after.commune.name, after.commune.code) == ("Xã Chiềng Mai", "04132")
    assert str(units.product_code(place, sequence="017", year=2026)) == "14-04132-017-2026"


def test_merged_provinces_answer_their_successor_and_are_gone_after_the_reform():
    place = units.locate(Location("Hà Giang", "Đồng Văn", "Lũng Cú"), on=BEFORE)
    assert units.successor(place).province.name == "Tỉnh Tuyên Quang"
    vung_tau = units.divisions(BEFORE).province("Bà Rịa - Vũng Tàu")
    assert vung_tau.code == "77"
    with pytest.raises(InvalidInput, match="'province' 'Hà Giang' is not a province"):
        units.locate(Location("Hà Giang", None, "Lũng Cú"), on=AFTER)


def test_an_unknown_unit_is_named_with_the_closest_official_names():
    with pytest.raises(InvalidInput, match="'province' 'Atlantis' is not a province"):
        units.locate(Location("Atlantis", "Mai Sơn", "Chiềng Ban"), on=BEFORE)
    with pytest.raises(InvalidInput, match="'district' 'Quận Không Tồn Tại' is not a district"):
        units.locate(Location("Sơn La", "Quận Không Tồn Tại", "Chiềng Ban"), on=BEFORE)
    with pytest.raises(InvalidInput, match="closest official names: 'Xã Chiềng Ban'"):
        units.locate(Location("Sơn La", "Mai Sơn", "Chiềng Bann"), on=BEFORE)


def test_a_wrong_type_is_refused_not_guessed():
    with pytest.raises(InvalidInput, match="closest official names: 'Thành phố Sơn La'"):
        units.locate(Location("Sơn La", "Huyện Sơn La", "Chiềng Cơi"), on=BEFORE)


def test_an_ambiguous_name_is_refused_naming_every_candidate():
    with pytest.raises(InvalidInput, match="'Huyện Kỳ Anh', 'Thị xã Kỳ Anh'"):
        units.locate(Location("Hà Tĩnh", "Kỳ Anh", "Kỳ Hoa"), on=BEFORE)


def test_no_district_after_the_reform():
    with pytest.raises(InvalidInput, match="'district' must be None from 2025-07-01"):
        units.locate(Location("Sơn La", "Mai Sơn", "Chiềng Mai"), on=AFTER)


def test_a_divided_commune_answers_all_its_successors_and_no_product_code():
    place = units.locate(Location("Cần Thơ", "Thới Lai", "Tân Thạnh"), on=BEFORE)
    after = units.successor(place)
    assert {u.name for u in after.communes} == {"Xã Trường Thành", "Xã Tân Thạnh"}
    assert after.commune is None
    with pytest.raises(InvalidInput, match="divided among"):
        units.product_code(place, sequence="1", year=2026)


_OLD = units.divisions(BEFORE)
_OLD_COMMUNES = [
    (p, d, c) for p in _OLD.provinces for d in _OLD.districts_of(p) for c in _OLD.communes_of(d)
]


@given(st.sampled_from(_OLD_COMMUNES), st.booleans())
def test_official_names_locate_their_own_unit_by_full_or_short_name(units_of, short):
    province, district, commune = units_of
    name = (lambda u: u.short) if short else (lambda u: u.name)
    location = Location(name(province), name(district), name(commune))
    shared = any(
        len([u for u in among if u.short == unit.short]) > 1
        for unit, among in (
            (province, _OLD.provinces),
            (district, _OLD.districts_of(province)),
            (commune, _OLD.communes_of(district)),
        )
    )
    if short and shared:  # a short name two communes share is refused, never guessed
        with pytest.raises(InvalidInput, match="ambiguous"):
            _OLD.locate(location)
        return
    place = _OLD.locate(location)
    assert (place.province, place.district, place.commune) == (province, district, commune)
    assert _OLD.locate(place.location) == place


def test_a_workflow_checking_units_stores_official_names():
    wf = Workflow(rulesets.QD148_2023, units=True)
    d = wf.register(
        product="Cà phê",
        sheet=13,
        producer="HTX",
        province="sơn la",
        district="Mai Sơn",
        commune="Chiềng Ban",
        submitted_on=BEFORE,
    )
    assert d.location == Location("Tỉnh Sơn La", "Huyện Mai Sơn", "Xã Chiềng Ban")
    assert units.place_of(d).commune.code == "04120"
    with pytest.raises(InvalidInput, match="'province' 'Atlantis'"):
        wf.register(
            product="x",
            sheet=13,
            producer="y",
            province="Atlantis",
            district="Mai Sơn",
            commune="Chiềng Ban",
            submitted_on=BEFORE,
        )


def test_without_units_legacy_free_text_is_kept():
    wf = Workflow(rulesets.QD148_2023)
    d = wf.register(
        product="x",
        sheet=13,
        producer="y",
        province="Atlantis",
        district="Quận Không Tồn Tại",
        commune="z",
        submitted_on=BEFORE,
    )
    assert d.province == "Atlantis"


def test_a_commune_looked_up_without_its_province_is_refused_by_name():
    with pytest.raises(InvalidInput, match="'province' must be a Unit"):
        units.divisions(BEFORE).commune(None, None, "Chiềng Ban")  # type: ignore[arg-type]


@given(
    st.sampled_from(["Sơn La", "sơn la", "Tỉnh Sơn La", "Hà Giang", "Tuyên Quang", "Atlantis"]),
    st.sampled_from([None, "Mai Sơn", "huyện mai sơn", "Mộc Châu", "Thành phố Hà Giang", "X"]),
    st.sampled_from(["Chiềng Ban", "xã chiềng ban", "Chiềng Mai", "Đông Sang", "Quang Trung"]),
    st.booleans(),
)
def test_lookup_finds_what_locate_finds_and_none_where_it_refuses(province, district, commune, new):
    structure = units.divisions(dt.date(2025, 8, 1) if new else dt.date(2024, 1, 1))
    location = Location(province, district, commune)
    try:
        expected = structure.locate(location)
    except InvalidInput:
        expected = None
    assert structure.lookup(location) == expected
