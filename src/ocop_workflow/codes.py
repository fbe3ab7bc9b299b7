"""OCOP product codes under Decision 26/2026: ``(province code)-(commune code)-(sequence)-(year)``.

Facts page section 6 (unconfirmed): the four parts and their order. The widths are not given, so
each numeric part keeps the digits it was written with (leading zeros included) and a code reads
back exactly as written. An application can keep a code in ``Dossier.reference``.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from ocop_workflow.errors import InvalidInput

__all__ = ["ProductCode"]

_PATTERN = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)-([0-9]{4})")


def _digits(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise InvalidInput(f"{attribute.name!r} must be a string of digits (got {value!r})")


def _year(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 2019 <= value <= 9999:
        raise InvalidInput(f"'year' must be a year from 2019, OCOP's first (got {value!r})")


@attrs.frozen
class ProductCode:
    """A product's code: ``ProductCode.parse("14-04045-017-2026")`` and ``str(code)`` back.

    ``province`` and ``commune`` are the administrative unit codes, ``sequence`` the product's
    number in that commune, all as digit strings; ``year`` the year the code was given.
    """

    province: str = attrs.field(validator=_digits)
    commune: str = attrs.field(validator=_digits)
    sequence: str = attrs.field(validator=_digits)
    year: int = attrs.field(validator=_year)

    @classmethod
    def parse(cls, text: object) -> ProductCode:
        """Read a code written as ``province-commune-sequence-year``."""
        match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidInput(
                "'code' must read province-commune-sequence-year in digits, "
                f"like '14-04045-017-2026' (got {text!r})"
            )
        province, commune, sequence, year = match.groups()
        return cls(province, commune, sequence, int(year))

    def __str__(self) -> str:
        return f"{self.province}-{self.commune}-{self.sequence}-{self.year}"
