"""Small composable checks for values that cross the public boundary.

Each takes the value and the name of the field it came in, and returns the value in its canonical
type (a whole number as a Python ``int``, any real number as a ``float``) or raises
:class:`~ocop_workflow.errors.InvalidInput` naming the field and quoting the value. What is
accepted is therefore always JSON-safe. ``attrs_*`` adapt them to attrs field validators.

They run once at the edge of an operation, never inside hot inner loops.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ocop_workflow.errors import InvalidInput

__all__ = [
    "MAX_WHOLE",
    "attrs_date",
    "attrs_optional_text",
    "attrs_text",
    "boolean",
    "finite_real",
    "instance",
    "instances",
    "iterable",
    "json_safe",
    "member",
    "optional_text",
    "shown",
    "text",
    "whole",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

MAX_WHOLE = 2**63 - 1
"""The largest whole number accepted anywhere (a 64-bit integer, what a database column holds)."""


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters (a 5,000-digit number, which
    ``repr`` itself refuses, is shown by its size)."""
    try:
        text = repr(value)
    except ValueError:  # int too large to convert to str
        return f"<a {type(value).__name__} of {getattr(value, 'bit_length', lambda: '?')()} bits>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text(value: object, field: str) -> str:
    """A non-empty string (free text such as a product name)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field!r} must be a non-empty string (got {shown(value)})")
    return value


def optional_text(value: object, field: str) -> str | None:
    """A string or ``None`` (actor, note, reference): stored as given."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{field!r} must be a string or None (got {shown(value)})")
    return value


def boolean(value: object, field: str) -> bool:
    """``True`` or ``False`` itself: no 0/1, no "yes"."""
    if not isinstance(value, bool):
        raise InvalidInput(f"{field!r} must be True or False (got {shown(value)})")
    return value


def _real(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(
        value, int | float | numbers.Real | decimal.Decimal
    )


def whole(value: object, field: str, low: int | None = None, high: int | None = None) -> int:
    """A whole number as a Python ``int``, within ``[low, high]`` when given.

    An exact integral value of another type (``13.0``, ``numpy.int64(13)``, ``Decimal("13")``) is
    normalised to ``int``, so that whatever is accepted round-trips through JSON; a bool is not a
    number here, and nothing beyond a 64-bit integer is accepted (no arithmetic on it can then
    overflow a float or a database column).
    """
    number = _as_int(value)
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        bounds = (
            f" from {low} to {high}"
            if low is not None and high is not None
            else f" of at least {low}"
            if low is not None
            else f" of at most {high}"
            if high is not None
            else ""
        )
        raise InvalidInput(f"{field!r} must be a whole number{bounds} (got {shown(value)})")
    return number


def _as_int(value: object) -> int | None:
    if not _real(value):
        return None
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        try:
            if not math.isfinite(float(value)):  # type: ignore[arg-type]
                return None
            number = int(value)  # type: ignore[call-overload]
        except (OverflowError, ValueError, ArithmeticError):
            return None
        if number != value:
            return None
    return number if abs(number) <= MAX_WHOLE else None


def finite_real(
    value: object, field: str, low: float | None = None, high: float | None = None
) -> float:
    """Any real number (``int``, ``float``, ``Decimal``, ``Fraction``, numpy's) as a finite
    ``float`` within ``[low, high]`` when given; never a bool, a NaN, an infinity, or a number
    too large for a float."""
    if not _real(value):
        raise InvalidInput(f"{field!r} must be a number (got {shown(value)})")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (OverflowError, ValueError, ArithmeticError):
        raise InvalidInput(
            f"{field!r} must be a number a float can hold (got {shown(value)})"
        ) from None
    if not math.isfinite(number):
        raise InvalidInput(f"{field!r} must be a finite number (got {shown(value)})")
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidInput(f"{field!r} must be between {low:g} and {high:g} (got {shown(value)})")
    return number


def member(cls: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``cls``, given as the member or its value (``"district"``)."""
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(m.value) for m in cls)
        raise InvalidInput(f"{field!r} must be one of {allowed} (got {shown(value)})") from None


def instance(value: object, cls: type[T], field: str) -> T:
    """``value`` itself when it is a ``cls``; otherwise refused by name."""
    if not isinstance(value, cls):
        got = shown(value) if type(value) in _JSON_ATOMS else type(value).__name__
        raise InvalidInput(f"{field!r} must be a {cls.__name__} (got {got})")
    return value


def iterable(value: object, field: str, what: str) -> list[Any]:
    """The items of an iterable that is not a string, bytes or a mapping, as a list."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput(f"{field!r} must be {what} (got {type(value).__name__})")
    return list(value)


def instances(value: object, cls: type[T], field: str) -> list[T]:
    """The items of an iterable (not a string, bytes or a mapping), each a ``cls``, as a list;
    a wrong item is refused as ``'field[i]'``."""
    listed = iterable(value, field, f"an iterable of {cls.__name__}")
    for index, item in enumerate(listed):
        instance(item, cls, f"{field}[{index}]")
    return listed


_JSON_ATOMS = (str, int, float, bool, type(None))


def json_safe(value: object, field: str, depth: int = 8) -> None:
    """Refuse anything that JSON cannot hold as it is: only strings, whole numbers, finite
    floats, booleans, ``None``, lists/tuples and string-keyed mappings, nested at most ``depth``."""
    if isinstance(value, _JSON_ATOMS):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(
                f"{field!r} must be JSON-safe: no NaN or infinity (got {shown(value)})"
            )
        if type(value) not in _JSON_ATOMS:
            raise InvalidInput(
                f"{field!r} must be JSON-safe plain values (got {type(value).__name__})"
            )
        return
    if depth <= 0:
        raise InvalidInput(f"{field!r} is nested too deeply to store")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(f"{field!r} must have string keys (got {key!r})")
            json_safe(item, f"{field}.{key}", depth - 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            json_safe(item, f"{field}[{index}]", depth - 1)
    else:
        raise InvalidInput(f"{field!r} must be JSON-safe (got {type(value).__name__})")


def _attrs(check: Callable[[Any, str], object]) -> Callable[[Any, Any, Any], None]:
    def validator(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check(value, attribute.name)

    return validator


def _exact_date(value: object, field: str) -> dt.date:
    if type(value) is not dt.date:
        raise InvalidInput(f"{field!r} must be a datetime.date (got {shown(value)})")
    return value


attrs_text = _attrs(text)
"""attrs validator: a non-empty string."""
attrs_optional_text = _attrs(lambda value, field: value is None or text(value, field))
"""attrs validator: ``None`` or a non-empty string."""
attrs_date = _attrs(_exact_date)
"""attrs validator: a plain ``datetime.date``."""
