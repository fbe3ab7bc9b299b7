"""The commune's check items and a dossier's required contents, as data of a rule set.

Facts page section 4.1-4.2 and section 8 (reported): under Decision 148 (Annex II) the commune
checks four things, the origin of the product and its local raw materials, the use of local
labour, the origin of the idea, and local identity and knowledge; Decision 1489 adds receiving
the dossier and checking its format. A dossier holds a registration form, a self-assessment with
evidence (148) or a business plan with evidence (1048 era, An Giang's portal), and five product
samples except for service products (community tourism, sheet 26). Judging a review against
these lists is :func:`judge_review`; the workflow records what it finds.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ocop_workflow.errors import DefinitionError, InvalidInput
from ocop_workflow.labels import Labelled
from ocop_workflow.validators import boolean, member, optional_text, shown, whole

__all__ = [
    "SERVICE_SHEETS",
    "Check",
    "CheckItem",
    "ContentItem",
    "DossierContents",
    "Review",
    "judge_review",
]

SERVICE_SHEETS = frozenset({26})
"""Sheets of service products, which file no samples (section 8: tourism, sheet 26)."""


class CheckItem(Labelled, enum.Enum):
    """One thing the commune checks (section 8: 148's Annex II, amended by 1489)."""

    LOCAL_MATERIALS = "local_materials"
    LOCAL_LABOUR = "local_labour"
    IDEA_ORIGIN = "idea_origin"
    LOCAL_IDENTITY = "local_identity"
    DOSSIER_FORMAT = "dossier_format"


class ContentItem(Labelled, enum.Enum):
    """One part of a dossier as filed (sections 4.1 and 8)."""

    REGISTRATION_FORM = "registration_form"
    BUSINESS_PLAN = "business_plan"
    SELF_ASSESSMENT = "self_assessment"
    EVIDENCE = "evidence"
    SAMPLES = "samples"


def _items(value: Iterable[ContentItem]) -> tuple[ContentItem, ...]:
    items = tuple(value)
    if not all(isinstance(i, ContentItem) for i in items) or len(set(items)) != len(items):
        raise DefinitionError(f"'required' must be distinct ContentItem values (got {items!r})")
    return items


def _sheets(value: Iterable[int]) -> frozenset[int]:
    return frozenset(value)


@attrs.frozen
class DossierContents:
    """What a dossier must hold when the commune receives it: ``required`` items, and ``samples``
    units of the product unless its sheet is in ``exempt_sheets`` (services)."""

    required: tuple[ContentItem, ...] = attrs.field(converter=_items)
    samples: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    exempt_sheets: frozenset[int] = attrs.field(converter=_sheets, default=SERVICE_SHEETS)

    def checklist(self, sheet: int) -> tuple[ContentItem, ...]:
        """The items a dossier on ``sheet`` must hold (no samples for a service product)."""
        if sheet in self.exempt_sheets:
            return tuple(i for i in self.required if i is not ContentItem.SAMPLES)
        return self.required

    def missing(self, sheet: int, contents: Mapping[ContentItem, bool | int]) -> tuple[str, ...]:
        """What ``contents`` (checked: item -> held, samples -> units) lacks for ``sheet``."""
        lacking = []
        for item in self.checklist(sheet):
            held = contents.get(item, False if item is not ContentItem.SAMPLES else 0)
            if item is ContentItem.SAMPLES:
                if isinstance(held, bool) or held < self.samples:
                    lacking.append(
                        f"samples ({0 if isinstance(held, bool) else held} of {self.samples})"
                    )
            elif not held:
                lacking.append(item.value)
        return tuple(lacking)


@attrs.frozen
class Check:
    """One check item's outcome: passed or failed, with the commune's note."""

    passed: bool = attrs.field(validator=lambda _, a, v: boolean(v, a.name))
    note: str | None = attrs.field(default=None, validator=lambda _, a, v: optional_text(v, a.name))


@attrs.frozen
class Review:
    """A commune review judged against its rule set: whether it passes, what failed, and the
    details its history record keeps."""

    passed: bool
    failed: tuple[str, ...]
    details: dict[str, Any]


def _check(value: object, field: str) -> Check:
    if isinstance(value, Check):
        return value
    if isinstance(value, bool):
        return Check(value)
    if isinstance(value, Mapping) and set(value) <= {"passed", "note"} and "passed" in value:
        return Check(
            boolean(value["passed"], f"{field}.passed"),
            optional_text(value.get("note"), f"{field}.note"),
        )
    raise InvalidInput(f"{field!r} must be True, False or a Check (got {shown(value)})")


def _checked_items(
    expected: tuple[CheckItem, ...] | None, items: object, code: str
) -> dict[CheckItem, Check]:
    if expected is None:
        raise InvalidInput(
            f"'items': the facts page lists no commune check items under {code} (a declared "
            "gap); record the review with passed= alone"
        )
    if not isinstance(items, Mapping):
        raise InvalidInput(f"'items' must map check items to outcomes (got {shown(items)})")
    given = {member(CheckItem, key, "items"): _check(v, f"items.{key}") for key, v in items.items()}
    unknown = [i.value for i in given if i not in expected]
    missing = [i.value for i in expected if i not in given]
    if unknown or missing:
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"not checked under {code}: {', '.join(unknown)}"] if unknown else []
        raise InvalidInput(
            f"'items' must give the {code} check items {', '.join(i.value for i in expected)} "
            f"({'; '.join(said)})"
        )
    return {i: given[i] for i in expected}


def _checked_contents(
    rule: DossierContents | None, contents: object, code: str
) -> dict[ContentItem, bool | int]:
    if rule is None:
        raise InvalidInput(f"'contents': the facts page lists no dossier contents under {code}")
    if not isinstance(contents, Mapping):
        raise InvalidInput(
            f"'contents' must map dossier items to what is held (got {shown(contents)})"
        )
    held: dict[ContentItem, bool | int] = {}
    for key, value in contents.items():
        item = member(ContentItem, key, "contents")
        field = f"contents.{item.value}"
        held[item] = (
            whole(value, field, 0) if item is ContentItem.SAMPLES else boolean(value, field)
        )
    return {i: held[i] for i in ContentItem if i in held}


def judge_review(
    *,
    code: str,
    sheet: int,
    expected: tuple[CheckItem, ...] | None,
    contents_rule: DossierContents | None,
    passed: object,
    items: object,
    contents: object,
) -> Review:
    """The review of a dossier on ``sheet`` under rule set ``code``: any failed item or missing
    content returns it. ``passed``, when given with ``items`` or ``contents``, must agree."""
    checks = None if items is None else _checked_items(expected, items, code)
    held = None if contents is None else _checked_contents(contents_rule, contents, code)
    failed = [] if checks is None else [i.value for i, c in checks.items() if not c.passed]
    if held is not None:
        assert contents_rule is not None
        failed += contents_rule.missing(sheet, held)
    outcome = not failed
    if passed is not None and boolean(passed, "passed") is not outcome:
        raise InvalidInput(
            f"'passed' is {passed} but the items say {'passed' if outcome else 'returned'}"
            + (f" (failed: {', '.join(failed)})" if failed else "")
        )
    details: dict[str, Any] = {"passed": outcome}
    if checks is not None:
        details["items"] = {
            i.value: {"passed": c.passed, "note": c.note} for i, c in checks.items()
        }
    if held is not None:
        details["contents"] = {i.value: v for i, v in held.items()}
    details["failed"] = list(failed)
    return Review(outcome, tuple(failed), details)
