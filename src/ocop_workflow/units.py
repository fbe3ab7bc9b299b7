"""Vietnam's official administrative units, before and after the reform of 1 July 2025.

Facts page section 1: on 1 July 2025 Vietnam moved to two-tier local government, from 63
provinces with districts and communes to 34 provinces with communes only. This module reads the
official units and their codes from the ``vietnamadminunits`` package (the ``units`` extra), never
from a list typed here: before :data:`REFORM` a location is a province, a district and a commune
of the 63-province structure; from then on a province and a commune of the 34-province one.

Names are matched whatever their case, whether their accents are composed or decomposed, whether
the tone mark sits on the first or second vowel of "oa", "oe", "uy" (``Hòa``/``Hoà``), and with or
without their type ("Tỉnh", "Huyện", "Xã", ...). A name that matches no unit, or more than one, is
refused with the closest official names: matching never guesses. A location of the old structure
answers which current province and commune it became (:func:`successor`), from the package's
old-to-new table; a commune divided among several new ones answers all of them.

Dossiers keep names, not codes (their stored form is unchanged): a workflow that checks units
stores the official full names, which resolve back to exactly one unit, and :func:`place_of`
gives their codes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import importlib.resources
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ocop_workflow.codes import ProductCode
from ocop_workflow.dossier import Dossier, Location
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import Level
from ocop_workflow.validators import instance, shown, text

if TYPE_CHECKING:
    from ocop_workflow.dates import DateLike

__all__ = [
    "REFORM",
    "Divisions",
    "Place",
    "Succession",
    "Unit",
    "checked",
    "divisions",
    "locate",
    "match_key",
    "place_of",
    "product_code",
    "successor",
]

REFORM = dt.date(2025, 7, 1)
"""Two-tier local government from 1 July 2025: no districts, 34 provinces (facts page section 1)."""

_PREFIXES = (
    *("thành phố", "thị trấn", "thị xã", "thủ đô", "đặc khu"),
    *("tỉnh", "huyện", "quận", "phường", "xã"),
)
"""The types written before a unit's name (longest first where one begins another)."""

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_OLD_TONE = re.compile(f"([oOuU])([{_TONES}])([aAeEyY])")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def match_key(name: str) -> str:
    """The form names are compared in: NFC, case folded, the tone of "oa/oe/uy" on the second
    vowel (both orthographies are in official use), apostrophes and spaces made plain."""
    decomposed = unicodedata.normalize("NFD", name)
    moved = _OLD_TONE.sub(r"\1\3\2", decomposed)
    folded = unicodedata.normalize("NFC", moved).casefold().translate(_QUOTES)
    return " ".join(folded.replace(" - ", "-").split())


def _split(key: str) -> tuple[str | None, str]:
    for prefix in _PREFIXES:
        if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
            return prefix, key[len(prefix) + 1 :]
    return None, key


@attrs.frozen
class Unit:
    """One official unit: its ``code`` as the official list writes it (province 2 digits,
    district 3, commune 5), its official ``name`` with its type, and its ``level``."""

    code: str
    name: str
    level: Level

    @property
    def short(self) -> str:
        """The name without its type ("Mai Sơn" for "Huyện Mai Sơn")."""
        prefix, _ = _split(match_key(self.name))
        if prefix is None:
            return self.name
        return self.name.split(None, len(prefix.split()))[-1]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@attrs.frozen
class Place:
    """A location resolved to official units of one structure; ``district`` is None in the
    34-province structure (``reformed``)."""

    province: Unit
    district: Unit | None
    commune: Unit
    reformed: bool

    @property
    def location(self) -> Location:
        """The location by its official names."""
        return Location(
            self.province.name,
            None if self.district is None else self.district.name,
            self.commune.name,
        )

    def __str__(self) -> str:
        units = (self.commune, self.district, self.province)
        return ", ".join(u.name for u in units if u is not None)


@attrs.frozen
class Succession:
    """The current province and commune(s) of a place of the old structure. ``communes`` holds
    one unit, or several when the old commune was divided among new ones."""

    province: Unit
    communes: tuple[Unit, ...]

    @property
    def commune(self) -> Unit | None:
        """The one current commune, or None when the old one was divided (see ``communes``)."""
        return self.communes[0] if len(self.communes) == 1 else None


_Row = tuple[Unit, Unit | None, Unit | None]
"""A province, its district (old structure) and a commune, as the official tables list them."""


class _Index:
    """The units of one container (the country, a province or a district), by name."""

    __slots__ = ("full", "short", "units")

    def __init__(self) -> None:
        self.full: dict[str, Unit] = {}
        self.short: dict[str, list[Unit]] = {}
        self.units: list[Unit] = []

    def add(self, unit: Unit) -> None:
        key = match_key(unit.name)
        if key in self.full:
            return
        self.full[key] = unit
        self.short.setdefault(_split(key)[1], []).append(unit)
        self.units.append(unit)

    def find(self, name: str) -> list[Unit]:
        """Every unit the name may mean: one, several (ambiguous) or none."""
        key = match_key(name)
        unit = self.full.get(key)
        if unit is not None:
            return [unit]
        prefix, rest = _split(key)
        if prefix is not None:  # a type was written, and it is not this unit's: no guess
            return []
        return list(self.short.get(rest, ()))

    def closest(self, name: str, count: int = 3) -> list[str]:
        key = match_key(name)
        rest = _split(key)[1]
        keys = {match_key(u.name): u for u in self.units}
        shorts = {_split(k)[1]: u for k, u in keys.items()}
        found = [shorts[k] for k in difflib.get_close_matches(rest, shorts, count, 0.6)]
        found += [keys[k] for k in difflib.get_close_matches(key, keys, count, 0.6)]
        return list(dict.fromkeys(u.name for u in found))[:count]


class Divisions:
    """The official units of one structure: the 63 provinces with their districts and communes
    (before :data:`REFORM`), or the 34 provinces with their communes (from then on)."""

    def __init__(self, reformed: bool, rows: Iterable[_Row]) -> None:
        self.reformed = reformed
        self._provinces = _Index()
        self._below: dict[str, _Index] = {}  # province code -> its districts (old structure)
        self._communes: dict[str, _Index] = {}  # province or district code -> its communes
        self.by_code: dict[str, Unit] = {}
        self.parent: dict[str, str] = {}  # a unit's code -> the code of the unit it lies in
        for province, district, commune in rows:
            self._provinces.add(province)
            self.by_code[province.code] = province
            if district is not None:
                self._below.setdefault(province.code, _Index()).add(district)
                self.by_code[district.code] = district
                self.parent[district.code] = province.code
            if commune is not None:
                holder = province if district is None else district
                if district is not None:
                    self._communes.setdefault(district.code, _Index()).add(commune)
                self._communes.setdefault(province.code, _Index()).add(commune)
                self.by_code[commune.code] = commune
                self.parent[commune.code] = holder.code

    @property
    def provinces(self) -> tuple[Unit, ...]:
        """Every province of the structure."""
        return tuple(self._provinces.units)

    def districts_of(self, province: Unit) -> tuple[Unit, ...]:
        """The districts of a province (none in the 34-province structure)."""
        index = self._below.get(province.code)
        return () if index is None else tuple(index.units)

    def communes_of(self, unit: Unit) -> tuple[Unit, ...]:
        """The communes of a province, or of a district of the old structure."""
        index = self._communes.get(unit.code)
        return () if index is None else tuple(index.units)

    def _when(self) -> str:
        return (
            f"in force from {REFORM} (34 provinces, no districts)"
            if self.reformed
            else f"in force before {REFORM} (63 provinces)"
        )

    def _one(self, index: _Index | None, name: object, field: str, where: str) -> Unit:
        name = text(name, field)
        found = [] if index is None else index.find(name)
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(repr(u.name) for u in found)
            raise InvalidInput(
                f"{field!r} {name!r} is ambiguous{where}: it may be {names}; write its type "
                "to choose one"
            )
        closest = [] if index is None else index.closest(name)
        near = ", ".join(map(repr, closest)) if closest else "none close"
        raise InvalidInput(
            f"{field!r} {name!r} is not a {field}{where} {self._when()} "
            f"(closest official names: {near})"
        )

    def province(self, name: object, field: str = "province") -> Unit:
        """The province of that name; :class:`InvalidInput` naming the closest otherwise."""
        return self._one(self._provinces, name, field, "")

    def district(self, province: Unit, name: object, field: str = "district") -> Unit:
        """The district of that name in ``province`` (old structure only)."""
        if self.reformed:
            raise InvalidInput(
                f"{field!r} must be None from {REFORM}: districts were dissolved "
                f"(got {shown(name)})"
            )
        instance(province, Unit, "province")
        return self._one(self._below.get(province.code), name, field, f" in {province.name}")

    def commune(
        self, province: Unit, district: Unit | None, name: object, field: str = "commune"
    ) -> Unit:
        """The commune of that name in ``district`` (old structure) or in ``province`` (new
        structure, or old when no district is given)."""
        instance(province, Unit, "province")
        if district is not None:
            instance(district, Unit, "district")
        holder = province if district is None else district
        where = f" in {holder.name}" + ("" if district is None else f", {province.name}")
        return self._one(self._communes.get(holder.code), name, field, where)

    def lookup(self, location: Location) -> Place | None:
        """As :meth:`locate`, but None for a location that is not exactly one unit at each
        level (no error built, no closest names sought: cheap for legacy free text)."""
        provinces = self._provinces.find(location.province)
        if len(provinces) != 1:
            return None
        province = provinces[0]
        district = None
        if location.district is not None:
            index = None if self.reformed else self._below.get(province.code)
            found = [] if index is None else index.find(location.district)
            if len(found) != 1:
                return None
            district = found[0]
        holder = province if district is None else district
        index = self._communes.get(holder.code)
        communes = [] if index is None else index.find(location.commune)
        if len(communes) != 1:
            return None
        commune = communes[0]
        if district is None and not self.reformed:
            district = self.by_code[self.parent[commune.code]]
        return Place(province, district, commune, self.reformed)

    def locate(self, location: Location) -> Place:
        """``location`` resolved to official units; :class:`InvalidInput` naming the first
        unit that is unknown or ambiguous."""
        province = self.province(location.province)
        district = None if location.district is None else self.district(province, location.district)
        commune = self.commune(province, district, location.commune)
        if district is None and not self.reformed:
            district = self.by_code[self.parent[commune.code]]
        return Place(province, district, commune, self.reformed)


def _rows(table: list[dict[str, Any]], reformed: bool) -> list[_Row]:
    rows: list[_Row] = []
    for row in table:
        province = Unit(row["provinceCode"], row["province"], Level.PROVINCE)
        district = None
        if not reformed:
            district = Unit(row["districtCode"], row["district"], Level.DISTRICT)
        commune = None
        if row["wardCode"]:  # a few island districts had no communes before the reform
            commune = Unit(row["wardCode"], row["ward"], Level.COMMUNE)
        rows.append((province, district, commune))
    return rows


@attrs.frozen
class _Data:
    old: Divisions
    new: Divisions
    province_after: Mapping[str, str]  # old province code -> new province code
    commune_after: Mapping[str, tuple[str, ...]]  # old commune code -> new commune codes


@functools.cache
def _data() -> _Data:
    """The official units, read once from the ``vietnamadminunits`` package (its documented
    ``database`` tables, and the old-to-new table its converter uses)."""
    try:
        from vietnamadminunits.database import query
    except ImportError:
        raise ImportError(
            "Administrative units need the 'units' extra: pip install \"ocop-workflow[units]\""
        ) from None
    fields = "provinceCode, province, wardCode, ward, provinceKey, wardKey"
    new_rows = query(f"SELECT {fields} FROM admin_units")
    old_rows = query(
        f"SELECT {fields}, districtCode, district, districtKey FROM admin_units_legacy"
    )
    table = json.loads(
        (importlib.resources.files("vietnamadminunits") / "data" / "converter_2025.json").read_text(
            encoding="utf-8"
        )
    )
    new_province = {r["provinceKey"]: r["provinceCode"] for r in new_rows}
    old_province = {r["provinceKey"]: r["provinceCode"] for r in old_rows}
    new_commune = {(r["provinceKey"], r["wardKey"]): r["wardCode"] for r in new_rows}
    old_commune = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": r["wardCode"]
        for r in old_rows
        if r["wardCode"]
    }
    province_after = {
        old_province[old]: new_province[new]
        for new, olds in table["DICT_PROVINCE"].items()
        for old in olds
    }
    after: dict[str, set[str]] = {}
    for new_key, wards in table["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            for old in olds:
                if old in old_commune and (new_key, ward) in new_commune:
                    after.setdefault(old_commune[old], set()).add(new_commune[new_key, ward])
    for new_key, olds in table["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            for part in parts:
                code = new_commune.get((new_key, part["newWardKey"]))
                if old in old_commune and code is not None:
                    after.setdefault(old_commune[old], set()).add(code)
    return _Data(
        Divisions(False, _rows(old_rows, reformed=False)),
        Divisions(True, _rows(new_rows, reformed=True)),
        province_after,
        {old: tuple(sorted(new)) for old, new in after.items()},
    )


def divisions(on: DateLike) -> Divisions:
    """The structure in force on ``on``."""
    from ocop_workflow.dates import to_date

    data = _data()
    return data.new if to_date(on) >= REFORM else data.old


def locate(location: Location, *, on: DateLike) -> Place:
    """``location`` resolved to the official units in force on ``on``."""
    instance(location, Location, "location")
    return divisions(on).locate(location)


def checked(location: Location, on: dt.date) -> Location:
    """``location`` by the official full names of its units in force on ``on`` (what a workflow
    that checks units stores); :class:`InvalidInput` for an unknown or ambiguous unit."""
    return divisions(on).locate(location).location


def place_of(dossier: Dossier) -> Place:
    """The official units (and codes) of a dossier's location, in the structure of the day it
    was registered."""
    instance(dossier, Dossier, "dossier")
    return locate(dossier.location, on=dossier.submitted_on)


def successor(place: Place | Dossier) -> Succession:
    """The current province and commune(s) of a place (or of a dossier's location): a place of
    the old structure by the official old-to-new table, a current one as it is."""
    if isinstance(place, Dossier):
        place = place_of(place)
    instance(place, Place, "place")
    data = _data()
    if place.reformed:
        return Succession(place.province, (place.commune,))
    province = data.new.by_code[data.province_after[place.province.code]]
    codes = data.commune_after.get(place.commune.code, ())
    if not codes:
        raise InvalidInput(
            f"'place' {place.commune.name!r}: the old-to-new table gives no current commune"
        )
    return Succession(province, tuple(data.new.by_code[code] for code in codes))


def product_code(place: Place | Dossier, *, sequence: str, year: int) -> ProductCode:
    """A Decision 26/2026 product code (facts page section 6) from the official codes of the
    current province and commune: a place of the old structure is taken to its successor, and
    refused when its commune was divided (no guess)."""
    after = successor(place)
    commune = after.commune
    if commune is None:
        names = ", ".join(repr(u.name) for u in after.communes)
        raise InvalidInput(
            f"'place': the old commune was divided among {names}; locate the product in one of them"
        )
    return ProductCode(after.province.code, commune.code, sequence, year)
