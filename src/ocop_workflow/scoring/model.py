"""The scoring sheet as a tree of frozen value objects: sheet, part, group, criterion, option.

Facts page section 3: a Decision 148 sheet has parts A, B and C; each part holds criterion groups;
each group holds criteria, or is itself a criterion when its answer options sit directly under it;
each option is worth some points and may carry a per-star minimum marker (3, 4 or 5 stars).

Construction checks every value on its own (types, ranges, codes, markers) and raises
:class:`~ocop_workflow.errors.InvalidInput` naming the field and quoting the value. Whether the
declared maxima *add up* is a different question, asked by :meth:`ScoringSheet.problems`: a lenient
load must be able to build a sheet from a transcription whose sums are wrong, so that arithmetic is
reported rather than enforced here.

Codes are positional: ``"C.6.3"`` is the third criterion of group 6, and group numbers count groups
across the whole sheet (group 6 is the first group of part C on most sheets). A group whose options
sit directly under it is a *direct* group: it holds exactly one criterion, coded ``"<part>.<n>.1"``,
that repeats the group's title, description, maximum and marker.

A sheet also declares its *gaps* (:class:`Gap`): the places where the sources do not add up or are
silent, and what the sheet does about each. The facts page (section 3) asks for them to be reported,
never repaired silently; :meth:`ScoringSheet.problems` checks each declaration against the sheet.
"""

from __future__ import annotations

import enum
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import RECOGNISED_STARS, StarBands
from ocop_workflow.scoring import evaluation as _evaluation

if TYPE_CHECKING:
    from ocop_workflow.scoring.evaluation import Answers, SheetResult
    from ocop_workflow.scoring.problems import Problem

__all__ = [
    "MINIMUM_STARS",
    "Criterion",
    "Gap",
    "GapResolution",
    "Group",
    "Option",
    "Part",
    "ScoringSheet",
]

MINIMUM_STARS = RECOGNISED_STARS
"""The stars a per-star minimum marker can name (facts page section 3: ``***`` to ``*****``)."""

_DEFAULT_BANDS = StarBands()  # Decision 148's half-open bands (facts page section 2)

_CODE = re.compile(r"[A-Z]\.[1-9][0-9]*\.[1-9][0-9]*")
_GAP_CODE = re.compile(r"[A-Z](?:\.[1-9][0-9]*(?:\.[1-9][0-9]*(?:/(?:0|[1-9][0-9]*))?)?)?")
"""Where a gap is: a part ``"C"``, a group ``"C.6"``, a criterion ``"C.6.4"`` or an option
``"A.1.4/1"`` (0-based, as answers count them)."""


def _check_str(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidInput(f"{attribute.name!r} must be a string (got {value!r})")


def _check_points(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if not isinstance(value, float) or not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{attribute.name!r} must be a finite number >= 0 (got {value!r})")


def _to_points(value: object) -> object:
    """Accept ints for convenience; keep anything else as is for the validator to judge."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _check_bool(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"{attribute.name!r} must be True or False (got {value!r})")


def _check_marker(instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (isinstance(value, bool) or value not in MINIMUM_STARS):
        raise InvalidInput(f"{attribute.name!r} must be None, 3, 4 or 5 (got {value!r})")


def _tuple_of(name: str) -> Callable[[object], tuple[object, ...]]:
    def convert(value: object) -> tuple[object, ...]:
        if isinstance(value, tuple):
            return value
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise InvalidInput(f"{name!r} must be a sequence (got {value!r})")
        return tuple(value)

    return convert


def _options_tuple(value: Iterable[Option]) -> tuple[Option, ...]:
    return _tuple_of("options")(value)  # type: ignore[return-value]


def _criteria_tuple(value: Iterable[Criterion]) -> tuple[Criterion, ...]:
    return _tuple_of("criteria")(value)  # type: ignore[return-value]


def _groups_tuple(value: Iterable[Group]) -> tuple[Group, ...]:
    return _tuple_of("groups")(value)  # type: ignore[return-value]


def _parts_tuple(value: Iterable[Part]) -> tuple[Part, ...]:
    return _tuple_of("parts")(value)  # type: ignore[return-value]


@attrs.frozen
class Option:
    """One answer option of a criterion: its points and, maybe, a per-star minimum marker.

    ``min_star`` = 4 means: to be ranked 4 stars (or more) the product must reach at least this
    option on its criterion, that is, an option worth at least ``points`` (facts page section 3).
    """

    title: str = attrs.field(validator=_check_str)
    points: float = attrs.field(converter=_to_points, validator=_check_points)
    min_star: int | None = attrs.field(default=None, validator=_check_marker)


def _check_options(instance: Criterion, attribute: attrs.Attribute[object], value: object) -> None:
    if not isinstance(value, tuple) or not value or not all(isinstance(o, Option) for o in value):
        raise InvalidInput(
            f"criterion {instance.code!r}: 'options' must be a non-empty tuple of Option "
            f"(got {value!r})"
        )


def _check_code(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise InvalidInput(f"'code' must look like 'C.6.3' (got {value!r})")


@attrs.frozen
class Criterion:
    """A criterion: the thing a council answers by choosing one option (0-based, sheet order).

    ``maximum`` is the maximum declared by the sheet; on a consistent sheet it equals the best
    option's points. ``min_star`` on the criterion itself makes it mandatory for that star: the
    chosen option must be worth more than zero points (see :meth:`requirement`).
    """

    code: str = attrs.field(validator=_check_code)
    title: str = attrs.field(validator=_check_str)
    maximum: float = attrs.field(converter=_to_points, validator=_check_points)
    options: tuple[Option, ...] = attrs.field(converter=_options_tuple, validator=_check_options)
    min_star: int | None = attrs.field(default=None, validator=_check_marker)
    description: str = attrs.field(default="", validator=_check_str)

    @property
    def best(self) -> float:
        """Points of the best option."""
        return max(o.points for o in self.options)

    def requirement(self, star: int) -> float:
        """The fewest points this criterion needs for the product to be ranked ``star`` stars.

        Facts page section 3. Markers are cumulative: 4 stars also needs the 3-star minimums, so
        the requirement for ``star`` is the largest of

        * the points of every option marked for ``star`` or fewer stars (reaching "at least that
          option" is judged by points, so the rule does not depend on the options' order), and
        * when the criterion itself is marked for ``star`` or fewer: the smallest non-zero option,
          i.e. the product must earn something here (``inf`` if no option earns points, which no
          answer can meet).

        0 means no minimum applies. ``star`` is a whole number (any: 2 or fewer have no minimums).
        """
        if type(star) is not int:
            raise InvalidInput(f"'star' must be a whole number such as 3 (got {star!r})")
        need = 0.0
        for option in self.options:
            if option.min_star is not None and option.min_star <= star:
                need = max(need, option.points)
        if self.min_star is not None and self.min_star <= star:
            positive = [o.points for o in self.options if o.points > 0]
            need = max(need, min(positive) if positive else math.inf)
        return need

    def lowest_option_reaching(self, points: float) -> int | None:
        """Index of the cheapest option worth at least ``points`` (first in sheet order on ties)."""
        if isinstance(points, bool) or not isinstance(points, int | float) or math.isnan(points):
            raise InvalidInput(f"'points' must be a number (got {points!r})")
        best: int | None = None
        for index, option in enumerate(self.options):
            if option.points >= points and (
                best is None or option.points < self.options[best].points
            ):
                best = index
        return best


def _check_criteria(instance: Group, attribute: attrs.Attribute[object], value: object) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(c, Criterion) for c in value)
    ):
        raise InvalidInput(
            f"group {instance.number!r}: 'criteria' must be a non-empty tuple of Criterion "
            f"(got {value!r})"
        )


def _check_number(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{attribute.name!r} must be a whole number >= 1 (got {value!r})")


@attrs.frozen
class Group:
    """A criterion group ("1. TỔ CHỨC SẢN XUẤT"), numbered across the whole sheet.

    ``direct`` is true when the group's options sit directly under it: the group is then its own
    single criterion (code ``"<part>.<number>.1"``).
    """

    number: int = attrs.field(validator=_check_number)
    title: str = attrs.field(validator=_check_str)
    maximum: float = attrs.field(converter=_to_points, validator=_check_points)
    criteria: tuple[Criterion, ...] = attrs.field(
        converter=_criteria_tuple, validator=_check_criteria
    )
    direct: bool = attrs.field(default=False, validator=_check_bool)
    description: str = attrs.field(default="", validator=_check_str)

    def __attrs_post_init__(self) -> None:
        if self.direct:
            if len(self.criteria) != 1:
                raise InvalidInput(
                    f"group {self.number}: a direct group holds exactly one criterion "
                    f"(got {len(self.criteria)})"
                )
            only = self.criteria[0]
            if (only.title, only.description, only.maximum) != (
                self.title,
                self.description,
                self.maximum,
            ):
                raise InvalidInput(
                    f"group {self.number}: a direct group's criterion {only.code!r} must "
                    "repeat the group's title, description and maximum "
                    f"(got {only.title!r}, {only.maximum})"
                )


def _check_letter(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]", value):
        raise InvalidInput(f"'letter' must be one capital letter such as 'A' (got {value!r})")


def _check_groups(instance: Part, attribute: attrs.Attribute[object], value: object) -> None:
    if not isinstance(value, tuple) or not value or not all(isinstance(g, Group) for g in value):
        raise InvalidInput(
            f"part {instance.letter!r}: 'groups' must be a non-empty tuple of Group (got {value!r})"
        )


@attrs.frozen
class Part:
    """A part of the sheet: A (40 points), B (25) or C (35) under Decision 148 (section 3)."""

    letter: str = attrs.field(validator=_check_letter)
    title: str = attrs.field(validator=_check_str)
    maximum: float = attrs.field(converter=_to_points, validator=_check_points)
    groups: tuple[Group, ...] = attrs.field(converter=_groups_tuple, validator=_check_groups)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """The part's criteria in sheet order."""
        return tuple(c for g in self.groups for c in g.criteria)


class GapResolution(enum.Enum):
    """What a sheet does where its sources leave a gap (facts page section 3)."""

    SHORTFALL = "shortfall"
    """Kept: the part, group or criterion keeps the decision's maximum (``required``), but what it
    holds gives only ``given``, so no product can reach that maximum."""
    ASSUMED = "assumed"
    """Filled: the sheet adds ``criteria`` that no source gives, marked as this assumption, so that
    ``given`` plus their maxima reaches ``required``."""
    INFERRED = "inferred"
    """A value the source lacks or garbles (``given`` is ``None``: no number), taken from the rest
    of the sheet; the sheet uses ``required`` there and the note says why."""
    ONE_OF = "one_of"
    """The source lists alternative criteria ("choose the case that applies") whose maxima add up
    to ``given``; the sheet makes them one criterion worth ``required``, with all their options."""


def _check_resolution(
    instance: object, attribute: attrs.Attribute[GapResolution], value: object
) -> None:
    if not isinstance(value, GapResolution):
        raise InvalidInput(f"'resolution' must be a GapResolution (got {value!r})")


def _check_gap_code(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _GAP_CODE.fullmatch(value):
        raise InvalidInput(
            f"'code' must name a part, group, criterion or option such as 'C', 'C.6', 'C.6.4' "
            f"or 'A.1.4/1' (got {value!r})"
        )


def _check_given(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _check_points(instance, attribute, value)


def _codes_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return _tuple_of("criteria")(value)  # type: ignore[return-value]


def _check_assumed(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(c, str) and _CODE.fullmatch(c) for c in value
    ):
        raise InvalidInput(f"'criteria' must be criterion codes such as 'C.6.8' (got {value!r})")


@attrs.frozen
class Gap:
    """One place where the sources do not add up or are silent, declared by the sheet as data.

    ``code`` says where (a part, group, criterion or option); ``given`` is what the source gives
    there (points, or ``None`` when it gives no number); ``required`` what the decision's totals
    require there, which is what the sheet declares; ``resolution`` what the sheet does about it;
    ``criteria`` (only for :attr:`GapResolution.ASSUMED`) the criteria it adds as an assumption;
    ``note`` a short explanation for people. A portal can show these next to any result of the
    sheet: every result carries its sheet's ``gaps``.
    """

    code: str = attrs.field(validator=_check_gap_code)
    resolution: GapResolution = attrs.field(validator=_check_resolution)
    given: float | None = attrs.field(converter=_to_points, validator=_check_given)
    required: float = attrs.field(converter=_to_points, validator=_check_points)
    note: str = attrs.field(default="", validator=_check_str)
    criteria: tuple[str, ...] = attrs.field(
        default=(),
        converter=_codes_tuple,
        validator=_check_assumed,
    )

    def __attrs_post_init__(self) -> None:
        given, required, resolution = self.given, self.required, self.resolution
        if resolution is GapResolution.INFERRED:
            if given == required:
                raise InvalidInput(
                    f"gap {self.code!r}: an inferred value must differ from what the source "
                    f"gives (got given {given!r}, required {required!r})"
                )
        elif given is None:
            raise InvalidInput(
                f"gap {self.code!r}: 'given' is required for a {resolution.value} gap (got None)"
            )
        elif resolution is GapResolution.ONE_OF and not given > required:
            raise InvalidInput(
                f"gap {self.code!r}: alternatives add up to more than the group "
                f"(got given {given!r}, required {required!r})"
            )
        elif resolution in (GapResolution.SHORTFALL, GapResolution.ASSUMED) and not (
            given < required
        ):
            raise InvalidInput(
                f"gap {self.code!r}: a {resolution.value} gives less than required "
                f"(got given {given!r}, required {required!r})"
            )
        if (resolution is GapResolution.ASSUMED) != bool(self.criteria):
            raise InvalidInput(
                f"gap {self.code!r}: 'criteria' lists the criteria an assumed gap adds, and only "
                f"then (got {self.criteria!r} for a {resolution.value} gap)"
            )
        if resolution is GapResolution.ONE_OF and self.code.count(".") != 1:
            raise InvalidInput(
                f"gap {self.code!r}: alternatives are merged within a group such as 'C.8'"
            )
        if resolution in (GapResolution.SHORTFALL, GapResolution.ASSUMED) and "/" in self.code:
            raise InvalidInput(
                f"gap {self.code!r}: a {resolution.value} is in a part, group or criterion"
            )


def _gaps_tuple(value: Iterable[Gap]) -> tuple[Gap, ...]:
    return _tuple_of("gaps")(value)  # type: ignore[return-value]


def _check_gaps(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(g, Gap) for g in value):
        raise InvalidInput(f"'gaps' must be a tuple of Gap (got {value!r})")


def _check_parts(instance: ScoringSheet, attribute: attrs.Attribute[object], value: object) -> None:
    if not isinstance(value, tuple) or not value or not all(isinstance(p, Part) for p in value):
        raise InvalidInput(f"'parts' must be a non-empty tuple of Part (got {value!r})")


def _check_sheet_number(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 26:
        raise InvalidInput(f"'number' must be a sheet number from 1 to 26 (got {value!r})")


def _picker(keys: tuple[Any, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A C-speed function returning the items at ``keys`` as a tuple (even for 0 or 1 key)."""
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    if keys:
        only = keys[0]
        return lambda values: (values[only],)
    return lambda values: ()


@attrs.frozen
class _Compiled:
    """Flat tables built once per sheet so that :meth:`ScoringSheet.evaluate` stays cheap."""

    codes: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    points: tuple[dict[int | None, float], ...]
    part_slices: tuple[tuple[str, slice], ...]
    """Each part's letter and the slice of its criteria in sheet order."""
    pick_answers: Callable[[Mapping[str, int | None]], tuple[int | None, ...]]
    """Picks every criterion's answer, in sheet order, from an answers mapping."""
    pick_marked: Callable[[Sequence[float]], tuple[float, ...]]
    """Picks, from the points in sheet order, those of the criteria that have a minimum."""
    needs: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]
    """For 3, 4 and 5 stars: the points each of those criteria needs (0 when none)."""
    index: Mapping[str, int]


@attrs.frozen
class ScoringSheet:
    """One of Decision 148's 26 scoring sheets ("Bộ tiêu chí"), facts page section 3.

    ``number`` is the sheet (1-26), ``group`` the product group ("food") and ``sub_group`` the
    product sub-group ("coffee and cocoa"). ``criteria`` lists every criterion in sheet order.
    ``gaps`` declares what the sources leave open (:class:`Gap`); each is checked against the
    sheet by :meth:`problems`, and an undeclared one is a problem there.
    """

    number: int = attrs.field(validator=_check_sheet_number)
    group: str = attrs.field(validator=_check_str)
    sub_group: str = attrs.field(validator=_check_str)
    parts: tuple[Part, ...] = attrs.field(converter=_parts_tuple, validator=_check_parts)
    gaps: tuple[Gap, ...] = attrs.field(default=(), converter=_gaps_tuple, validator=_check_gaps)
    _compiled: _Compiled = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        letters = [p.letter for p in self.parts]
        if len(set(letters)) != len(letters):
            raise InvalidInput(f"'parts' letters must be unique (got {letters})")
        last = 0
        for part in self.parts:
            for group in part.groups:
                if group.number <= last:
                    raise InvalidInput(
                        f"part {part.letter}: group numbers must rise across the sheet "
                        f"(got {group.number} after {last})"
                    )
                last = group.number
                for position, criterion in enumerate(group.criteria, start=1):
                    expected = f"{part.letter}.{group.number}.{position}"
                    if criterion.code != expected:
                        raise InvalidInput(
                            f"criterion {criterion.code!r} sits at position {expected!r}: "
                            "codes follow the position (part, group number, criterion number)"
                        )
        object.__setattr__(self, "_compiled", self._compile())

    def _compile(self) -> _Compiled:
        all_criteria = tuple(c for p in self.parts for c in p.criteria)
        codes: list[str] = []
        points: list[dict[int | None, float]] = []
        slices: list[tuple[str, slice]] = []
        marked: list[int] = []
        for part in self.parts:
            start = len(codes)
            for criterion in part.criteria:
                position = len(codes)
                codes.append(criterion.code)
                table: dict[int | None, float] = dict(
                    enumerate(o.points for o in criterion.options)
                )
                table[None] = 0.0  # None: assessed, and no option applies (section 3's "not met")
                points.append(table)
                if criterion.requirement(MINIMUM_STARS[-1]):
                    marked.append(position)
            slices.append((part.letter, slice(start, len(codes))))
        return _Compiled(
            codes=tuple(codes),
            criteria=all_criteria,
            points=tuple(points),
            part_slices=tuple(slices),
            pick_answers=_picker(tuple(codes)),
            pick_marked=_picker(tuple(marked)),
            needs=(
                tuple(all_criteria[i].requirement(3) for i in marked),
                tuple(all_criteria[i].requirement(4) for i in marked),
                tuple(all_criteria[i].requirement(5) for i in marked),
            ),
            index={code: i for i, code in enumerate(codes)},
        )

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion in sheet order."""
        return self._compiled.criteria

    @property
    def codes(self) -> tuple[str, ...]:
        """Every criterion code in sheet order."""
        return self._compiled.codes

    @property
    def maximum(self) -> float:
        """The declared total: the sum of the parts' maxima (100 on a consistent sheet)."""
        return math.fsum(p.maximum for p in self.parts)

    @property
    def part_maxima(self) -> dict[str, float]:
        """Each part's declared maximum by letter: ``{"A": 40, "B": 25, "C": 35}`` under Decision
        148 (a rule set's ``part_maxima`` says which a regime's sheets have)."""
        return {p.letter: p.maximum for p in self.parts}

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code``; :class:`InvalidInput` naming the code if there is none."""
        position = self._compiled.index.get(code) if isinstance(code, str) else None
        if position is None:
            raise InvalidInput(f"sheet {self.number} has no criterion {code!r}")
        return self.criteria[position]

    def problems(self) -> tuple[Problem, ...]:
        """Every arithmetic inconsistency of the declared maxima that no gap declares, and every
        gap declaration that does not match the sheet (empty on a sound sheet)."""
        from ocop_workflow.scoring.checks import check_sheet

        return check_sheet(self)

    def evaluate(self, answers: Answers, bands: StarBands | None = None) -> SheetResult:
        """Score one set of answers: ``{"A.1.1": 2, ...}``, option indexes from 0 in sheet order.

        Every criterion must be answered. ``None`` is an explicit answer meaning "assessed, and no
        option applies": it earns 0 points and fails any minimum on that criterion. ``bands``
        (a :class:`~ocop_workflow.rules.StarBands`) defaults to Decision 148's. See
        :class:`~ocop_workflow.scoring.evaluation.SheetResult`.
        """
        if bands is None:
            return _evaluation.evaluate(self, answers, _DEFAULT_BANDS)
        if not isinstance(bands, StarBands):
            raise InvalidInput(f"'bands' must be a StarBands or None (got {bands!r})")
        return _evaluation.evaluate(self, answers, bands)

    @classmethod
    def load(cls, path: str | Path) -> ScoringSheet:
        """Read a sheet from this library's TOML or JSON format (``docs/sheet-format.md``).

        Strict: raises :class:`~ocop_workflow.scoring.problems.SheetError` listing every problem.
        """
        from ocop_workflow.scoring.sheet_format import load_sheet

        return load_sheet(path)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ScoringSheet:
        """Build a sheet from the parsed TOML/JSON structure; strict, like :meth:`load`."""
        from ocop_workflow.scoring.sheet_format import sheet_from_dict

        return sheet_from_dict(data)

    def to_dict(self) -> dict[str, object]:
        """The sheet as the plain structure :meth:`from_dict` reads (JSON-ready)."""
        from ocop_workflow.scoring.sheet_format import sheet_to_dict

        return sheet_to_dict(self)

    @overload
    @classmethod
    def from_outline_csv(
        cls,
        path: str | Path,
        *,
        strict: Literal[True] = True,
        number: int | None = None,
        group: str | None = None,
        sub_group: str | None = None,
    ) -> ScoringSheet: ...

    @overload
    @classmethod
    def from_outline_csv(
        cls,
        path: str | Path,
        *,
        strict: Literal[False],
        number: int | None = None,
        group: str | None = None,
        sub_group: str | None = None,
    ) -> tuple[ScoringSheet, tuple[Problem, ...]]: ...

    @classmethod
    def from_outline_csv(
        cls,
        path: str | Path,
        *,
        strict: bool = True,
        number: int | None = None,
        group: str | None = None,
        sub_group: str | None = None,
    ) -> ScoringSheet | tuple[ScoringSheet, tuple[Problem, ...]]:
        """Read a flat outline CSV (``title, description, level, stars, score``).

        Strict (the default): raise :class:`~ocop_workflow.scoring.problems.SheetError` listing
        every problem. ``strict=False``: return ``(sheet, problems)``, the sheet built as described
        in :func:`ocop_workflow.scoring.outline_csv.read_outline_csv`. ``number`` defaults to the
        number in the file name (``sheet-13.csv``); ``group`` and ``sub_group`` default to the
        catalogue entry of that number.
        """
        from ocop_workflow.scoring.outline_csv import read_outline_csv

        if not isinstance(strict, bool):
            raise InvalidInput(f"'strict' must be True or False (got {strict!r})")
        sheet, problems = read_outline_csv(path, number=number, group=group, sub_group=sub_group)
        if not strict:
            return sheet, problems
        if problems:
            from ocop_workflow.scoring.problems import SheetError

            raise SheetError(str(path), problems)
        return sheet

    def to_outline_csv(self, path: str | Path) -> None:
        """Write the sheet as a flat outline CSV that :meth:`from_outline_csv` reads back equal."""
        from ocop_workflow.scoring.outline_csv import write_outline_csv

        write_outline_csv(self, path)
