"""The regimes, as :class:`~ocop_workflow.rules.RuleSet` values, and which one is in force when.

Facts page section 1. Each regime is in force from its ``effective_from`` up to, not including,
the next one's. Numbers the facts page marks unconfirmed (all of Decision 26/2026) are parameters
of :func:`qd26_2026`, whose defaults build :data:`QD26_2026`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import types
from collections.abc import Iterable, Mapping

import attrs

from ocop_workflow.checklists import CheckItem, ContentItem, DossierContents
from ocop_workflow.dates import DateLike, to_date
from ocop_workflow.errors import InvalidInput
from ocop_workflow.rules import (
    Deadlines,
    KnockOut,
    Level,
    LevelRule,
    RevocationReason,
    Rounding,
    RuleSet,
    StarBands,
    Validity,
)

__all__ = [
    "ALL",
    "CHECKS_148",
    "CHECKS_1489",
    "CONTENTS_148",
    "CONTENTS_1048",
    "MINIMUMS_781",
    "PARTS_148",
    "QD26_2026",
    "QD26_EFFECTIVE",
    "QD148_2023",
    "QD1048_2019",
    "QD1489_2025",
    "before_first_regime",
    "in_force",
    "qd26_2026",
    "timeline_with",
]

# Section 4.8: inspection finds the product below its criteria, a breach of the management rules,
# and, in practice, no re-evaluation within 36 months.
_REVOCATION_148 = frozenset(
    {
        RevocationReason.NO_LONGER_MEETS_CRITERIA,
        RevocationReason.BREACH_OF_RULES,
        RevocationReason.NOT_REEVALUATED,
    }
)

# Section 8 (reported, 148's Annex II): the commune checks the product's origin and local raw
# materials, local labour, the origin of the idea and local identity.
CHECKS_148 = (
    CheckItem.LOCAL_MATERIALS,
    CheckItem.LOCAL_LABOUR,
    CheckItem.IDEA_ORIGIN,
    CheckItem.LOCAL_IDENTITY,
)
# Section 8: Decision 1489 adds receiving the dossier and checking its format.
CHECKS_1489 = (*CHECKS_148, CheckItem.DOSSIER_FORMAT)

# Section 8 (1048 era, An Giang's portal): registration form, business plan, evidence and 5 units
# of samples, except for service products (sheet 26).
CONTENTS_1048 = DossierContents(
    (
        ContentItem.REGISTRATION_FORM,
        ContentItem.BUSINESS_PLAN,
        ContentItem.EVIDENCE,
        ContentItem.SAMPLES,
    )
)
# Section 4.1 (148): registration form, self-assessment with evidence, 5 samples except tourism.
CONTENTS_148 = DossierContents(
    (
        ContentItem.REGISTRATION_FORM,
        ContentItem.SELF_ASSESSMENT,
        ContentItem.EVIDENCE,
        ContentItem.SAMPLES,
    )
)

MINIMUMS_781 = dt.date(2020, 6, 8)
"""Section 8: per-star minimum criteria began with Decision 781/QĐ-TTg of 8 June 2020."""

QD1048_2019 = RuleSet(
    code="QD1048_2019",
    title="Decision 1048/QĐ-TTg of 21 Aug 2019, amended by 781/QĐ-TTg (2020)",
    effective_from=dt.date(2019, 8, 21),
    effective_until=dt.date(2023, 2, 24),
    levels=(
        # Section 1: the district forwards 50 or more to the province and recognises nothing;
        # the province recognises 3 and 4 stars; the central level 5 stars. Section 8 (reported):
        # a five-star candidate holds the province's 4-star certificate while the centre
        # evaluates it.
        LevelRule(Level.DISTRICT, frozenset(), forwards_at=50.0),
        LevelRule(Level.PROVINCE, frozenset({3, 4}), forwards_at=90.0, certifies_forwarded=True),
        LevelRule(Level.CENTRAL, frozenset({5})),
    ),
    # Section 2: whole-number ranges (50-69, 70-89, 90-100); a fraction between them is rounded
    # half up, the documented default policy (a parameter: build a variant with another Rounding).
    bands=StarBands(rounding=Rounding.HALF_UP),
    validity=Validity(months=36, notice_days=30),
    revocation_reasons=_REVOCATION_148,
    # Section 1: 1048's sheets have parts A 35, B 25, C 40.
    part_maxima={"A": 35, "B": 25, "C": 40},
    # The facts page lists no commune check items for 1048 (a gap, declared as None).
    dossier_contents=CONTENTS_1048,
    minimums_from=MINIMUMS_781,
)

PARTS_148: Mapping[str, float] = types.MappingProxyType({"A": 40.0, "B": 25.0, "C": 35.0})
"""Decision 148's sheet parts (facts page section 3)."""

QD148_2023 = RuleSet(
    code="QD148_2023",
    title="Decision 148/QĐ-TTg of 24 Feb 2023",
    # Section 1: in force from 24 Feb 2023; amended by 1489 from 6 Jul 2025.
    effective_from=dt.date(2023, 2, 24),
    effective_until=dt.date(2025, 7, 6),
    levels=(
        # Sections 1 and 4: the district recognises 3 stars and forwards 70 or more; the province
        # recognises 4 stars and forwards 90 or more; the central level recognises 5 stars.
        LevelRule(Level.DISTRICT, frozenset({3}), forwards_at=70.0),
        LevelRule(Level.PROVINCE, frozenset({4}), forwards_at=90.0),
        LevelRule(Level.CENTRAL, frozenset({5})),
    ),
    bands=StarBands(),  # section 2: half-open bands 30/50/70/90
    validity=Validity(months=36, notice_days=30),  # section 4.6
    revocation_reasons=_REVOCATION_148,
    part_maxima=PARTS_148,  # sections 1 and 3: A 40, B 25, C 35
    commune_checks=CHECKS_148,
    dossier_contents=CONTENTS_148,
)

QD26_EFFECTIVE = dt.date(2026, 7, 21)
"""Decision 26/2026 takes effect 60 days after 22 May 2026 (section 1, unconfirmed)."""

QD1489_2025 = RuleSet(
    code="QD1489_2025",
    title="Decision 1489/QĐ-TTg of 6 Jul 2025, amending Decision 148",
    effective_from=dt.date(2025, 7, 6),
    effective_until=QD26_EFFECTIVE,
    levels=(
        # Section 1: no district level since the two-tier local government of 1 Jul 2025; the
        # province recognises 3 and 4 stars and forwards 90 or more to the ministry.
        LevelRule(Level.PROVINCE, frozenset({3, 4}), forwards_at=90.0),
        LevelRule(Level.CENTRAL, frozenset({5})),
    ),
    bands=StarBands(),
    validity=Validity(months=36, notice_days=30),
    revocation_reasons=_REVOCATION_148,
    part_maxima=PARTS_148,  # 1489 amends 148 and keeps its sheets
    commune_checks=CHECKS_1489,
    dossier_contents=CONTENTS_148,  # 1489 amends 148; the facts page reports no change
)


_REVOCATION_26 = frozenset(
    # Section 6: the grounds for revocation.
    {
        RevocationReason.FALSE_DOSSIER,
        RevocationReason.NO_LONGER_MEETS_CRITERIA,
        RevocationReason.BREACH_OF_LAW,
        RevocationReason.MISUSE_OF_MARK,
        RevocationReason.PRODUCTION_STOPPED,
        RevocationReason.OTHER_AUTHORITY_FINDING,
    }
)


def qd26_2026(
    effective_from: dt.date = QD26_EFFECTIVE,
    *,
    forwards_at: float = 90.0,
    validity_months: int = 36,
    notice_days: int = 30,
    revocation_reasons: Iterable[RevocationReason] = _REVOCATION_26,
    part_maxima: Mapping[str, float] | None = PARTS_148,
    knockouts: Iterable[KnockOut] = tuple(KnockOut),
    reevaluation_window: tuple[int, int] = (180, 120),
    evaluation_days: int = 45,
    commune_check_working_days: int = 15,
    finish_first_time_days: int = 60,
    finish_reevaluation_days: int = 30,
    extension_days: int = 180,
    revocation_days: int = 15,
    commune_checks: Iterable[CheckItem] = CHECKS_1489,
    dossier_contents: DossierContents = CONTENTS_148,
) -> RuleSet:
    """Decision 26/2026/QĐ-TTg (section 6). Every number is unconfirmed, so each is a parameter:
    the province forwards ``forwards_at`` or more to the ministry; certificates are valid
    ``validity_months`` with ``notice_days`` of notice; ``revocation_reasons`` are the grounds;
    its sheets have ``part_maxima`` (the facts page gives none for 26/2026: 148's by default);
    ``knockouts`` reject a dossier outright; a revocation follows its finding within
    ``revocation_days``. The facts page gives no commune check items or dossier contents of its
    own for 26/2026: ``commune_checks`` defaults to 1489's, ``dossier_contents`` to 148's."""
    return RuleSet(
        code="QD26_2026",
        title="Decision 26/2026/QĐ-TTg of 22 May 2026 (unconfirmed transcript)",
        effective_from=effective_from,
        levels=(
            # Section 6: the province recognises 3 and 4 stars (also after a ministry score under
            # 90, which RuleSet.route gives); the ministry (central level) recognises 5 stars.
            LevelRule(Level.PROVINCE, frozenset({3, 4}), forwards_at=forwards_at),
            LevelRule(Level.CENTRAL, frozenset({5})),
        ),
        bands=StarBands(),
        validity=Validity(months=validity_months, notice_days=notice_days),
        revocation_reasons=frozenset(revocation_reasons),
        part_maxima=part_maxima,
        # Section 6: forged documents or no valid food-safety certificate reject outright.
        knockouts=frozenset(knockouts),
        deadlines=Deadlines(
            reevaluation_window=reevaluation_window,
            evaluation_days=evaluation_days,
            commune_check_working_days=commune_check_working_days,
            finish_first_time_days=finish_first_time_days,
            finish_reevaluation_days=finish_reevaluation_days,
            extension_days=extension_days,
            # Section 6: the province or the ministry revokes "within 15 days" (of the finding).
            revocation_days=revocation_days,
        ),
        commune_checks=tuple(commune_checks),
        dossier_contents=dossier_contents,
    )


QD26_2026 = qd26_2026()

ALL: tuple[RuleSet, ...] = (QD1048_2019, QD148_2023, QD1489_2025, QD26_2026)
"""Every shipped regime, oldest first: the timeline :func:`in_force` reads."""


def in_force(on: DateLike, timeline: tuple[RuleSet, ...] = ALL) -> RuleSet:
    """The regime of ``timeline`` in force on ``on`` (a date or an ISO string);
    :class:`InvalidInput` before the first."""
    day = to_date(on, "on")
    for ruleset in reversed(timeline):
        if ruleset.effective_from <= day:
            return ruleset
    raise InvalidInput(before_first_regime("on", day, timeline[0]))


def before_first_regime(field: str, day: dt.date, first: RuleSet) -> str:
    """The one message for a date before the first regime of a timeline."""
    return (
        f"{field!r} must be on or after {first.effective_from}, when {first.code} took effect "
        f"(got {day})"
    )


def timeline_with(ruleset: RuleSet) -> tuple[RuleSet, ...]:
    """The shipped timeline with ``ruleset`` in place of the shipped regime of the same code.

    Tuning an unconfirmed number (``qd26_2026(extension_days=90)``) should not change which regime
    applies when; :class:`InvalidInput` when no shipped regime has that code, or when the
    replacement's effective date breaks the timeline's order.
    """
    if not isinstance(ruleset, RuleSet):
        raise InvalidInput(f"'ruleset' must be a RuleSet (got {ruleset!r})")
    if all(r.code != ruleset.code for r in ALL):
        codes = ", ".join(r.code for r in ALL)
        raise InvalidInput(f"'ruleset' code must be one of {codes} (got {ruleset.code!r})")
    chain = [ruleset if r.code == ruleset.code else r for r in ALL]
    starts = [r.effective_from for r in chain]
    if starts != sorted(set(starts)):
        raise InvalidInput(
            f"'ruleset' {ruleset.code} takes effect on {ruleset.effective_from}, out of the "
            f"timeline's order (effective dates {', '.join(map(str, starts))})"
        )
    # Each regime ends when the next begins, also when the replacement moved that day.
    for index, (current, following) in enumerate(itertools.pairwise(chain)):
        if current.effective_until != following.effective_from:
            chain[index] = attrs.evolve(current, effective_until=following.effective_from)
    return tuple(chain)
