"""The regimes, as :class:`~ocop_workflow.rules.RuleSet` values (facts page section 1)."""

from __future__ import annotations

import datetime as dt

from ocop_workflow.rules import Level, LevelRule, RevocationReason, RuleSet, StarBands, Validity

__all__ = ["ALL", "QD148_2023"]

QD148_2023 = RuleSet(
    code="QD148_2023",
    title="Decision 148/QĐ-TTg of 24 Feb 2023",
    # Facts page section 1: in force from 24 Feb 2023; amended by 1489 from 6 Jul 2025.
    effective_from=dt.date(2023, 2, 24),
    effective_until=dt.date(2025, 7, 6),
    levels=(
        # Section 1 and 4: the district recognises 3 stars and forwards 70 or more; the province
        # recognises 4 stars and forwards 90 or more; the central level recognises 5 stars.
        LevelRule(Level.DISTRICT, frozenset({3}), forwards_at=70.0),
        LevelRule(Level.PROVINCE, frozenset({4}), forwards_at=90.0),
        LevelRule(Level.CENTRAL, frozenset({5})),
    ),
    bands=StarBands(),  # section 2: half-open bands 30/50/70/90
    validity=Validity(months=36, notice_days=30),  # section 4.6
    revocation_reasons=frozenset(
        {
            # Section 4.8: after inspection, a breach of the management rules, and in practice
            # no re-evaluation within 36 months.
            RevocationReason.NO_LONGER_MEETS_CRITERIA,
            RevocationReason.BREACH_OF_RULES,
            RevocationReason.NOT_REEVALUATED,
        }
    ),
)

ALL: tuple[RuleSet, ...] = (QD148_2023,)
"""Every shipped rule set, oldest first."""
