"""Rule objects: star bands, who recognises which stars, forwarding, certificate validity.

Every class here is a frozen attrs value object, validated when it is built, and pure: methods take
their dates as arguments and never read the clock. A :class:`RuleSet` bundles them for one regime;
the regimes themselves live in :mod:`ocop_workflow.rulesets`.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ocop_workflow.checklists import CheckItem, DossierContents
from ocop_workflow.dates import add_months, to_date
from ocop_workflow.errors import DefinitionError, InvalidInput
from ocop_workflow.labels import Labelled
from ocop_workflow.validators import finite_real, member

__all__ = [
    "RECOGNISED_STARS",
    "Deadlines",
    "KnockOut",
    "Level",
    "LevelRule",
    "RevocationReason",
    "Rounding",
    "Route",
    "RouteKind",
    "RuleSet",
    "StarBands",
    "Validity",
    "check_score",
    "enum_member",
]

RECOGNISED_STARS = (3, 4, 5)
"""Only 3, 4 and 5 star products are recognised and certified (facts page section 2)."""


enum_member = member
"""``value`` as a member of an enum, given as the member or its value (kept name of
:func:`ocop_workflow.validators.member`)."""


class Level(Labelled, enum.Enum):
    """An administrative level that checks, scores or recognises a dossier."""

    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"
    CENTRAL = "central"

    # Members are singletons compared by identity: hash them the same way, in C, instead of
    # Enum's Python-level hash of the name (levels key the rule sets' lookups on the hot path).
    __hash__ = object.__hash__

    @property
    def rank(self) -> int:
        """0 for the commune up to 3 for the central level."""
        return _LEVEL_ORDER.index(self)

    @classmethod
    def parse(cls, value: object, field: str = "level") -> Level:
        """``value`` as a level: a :class:`Level` or its value (``"district"``); otherwise an
        :class:`InvalidInput` naming ``field``."""
        return enum_member(cls, value, field)


_LEVEL_ORDER = (Level.COMMUNE, Level.DISTRICT, Level.PROVINCE, Level.CENTRAL)


def check_score(value: object, field: str = "score") -> float:
    """Return ``value`` as a float in [0, 100]; raise :class:`InvalidInput` naming ``field``.

    A council's score is the average of its members' scores, so fractions are normal (section 2).
    Any real number is accepted (``Decimal``, ``Fraction``, numpy's), never a bool, a NaN or a
    number too large for a float.
    """
    if type(value) is float and 0.0 <= value <= 100.0:  # the hot path (NaN fails the range)
        return value
    return finite_real(value, field, 0.0, 100.0)


class Rounding(enum.Enum):
    """How a fractional score is placed in bands written as whole-number ranges (1048's 50-69)."""

    NONE = "none"
    """Half-open bands: the score is compared as it is (Decision 148: 69.99 is 3 stars)."""
    HALF_UP = "half_up"
    """Round to the nearest whole point, halves up, then compare (69.5 -> 70 -> 4 stars)."""
    DOWN = "down"
    """Drop the fraction, then compare (69.5 -> 69 -> 3 stars)."""


def _thresholds_valid(instance: StarBands, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or len(value) != 4:
        raise DefinitionError(
            f"'thresholds' must be four lower bounds for 2-5 stars (got {value!r})"
        )
    if not all(a < b for a, b in zip((0, *value), (*value, 100.000001), strict=True)):
        raise DefinitionError(f"'thresholds' must rise strictly within (0, 100] (got {value!r})")


@attrs.frozen
class StarBands:
    """Star bands of a total score out of 100 (facts page section 2).

    ``thresholds`` are the lowest scores of 2, 3, 4 and 5 stars. Decision 148 uses half-open bands
    (50 to under 70 is 3 stars), the default. Decision 1048 wrote whole-number ranges (50-69), which
    leave a fractional score such as 69.5 between bands: ``rounding`` says how to place it.
    """

    thresholds: tuple[float, float, float, float] = attrs.field(
        default=(30.0, 50.0, 70.0, 90.0), validator=_thresholds_valid
    )
    rounding: Rounding = attrs.field(
        default=Rounding.NONE, validator=attrs.validators.instance_of(Rounding)
    )

    def placed(self, score: float) -> float:
        """The score as the bands compare it: rounded by the policy (unchanged under NONE).

        Forwarding thresholds are compared with this value too, so that 1048's 49.6 is a 50
        both for its star and for going on to the province.
        """
        if self.rounding is Rounding.HALF_UP:
            return float(math.floor(score + 0.5))
        if self.rounding is Rounding.DOWN:
            return float(math.floor(score))
        return score

    def highest_below(self, threshold: float) -> float:
        """The highest placed score under ``threshold``."""
        if self.rounding is Rounding.NONE:
            return math.nextafter(threshold, 0.0)
        return float(math.ceil(threshold) - 1)

    def stars(self, score: float) -> int:
        """The star band (1-5) of a total score; the score must already be checked."""
        score = self.placed(score)
        t2, t3, t4, t5 = self.thresholds
        if score >= t3:
            return 5 if score >= t5 else 4 if score >= t4 else 3
        return 2 if score >= t2 else 1

    def lowest_score(self, stars: int) -> float:
        """The lowest total that falls in ``stars`` (0 for one star)."""
        if stars not in (1, 2, 3, 4, 5):
            raise InvalidInput(f"'stars' must be 1-5 (got {stars!r})")
        return 0.0 if stars == 1 else self.thresholds[stars - 2]


def _frozen_stars(value: Iterable[int]) -> frozenset[int]:
    return frozenset(value)


def _stars_valid(instance: LevelRule, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, frozenset) or not value <= frozenset(RECOGNISED_STARS):
        raise DefinitionError(f"'recognises' must be a set of 3, 4 or 5 stars (got {value!r})")


def _flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not bool:
        raise DefinitionError(f"{attribute.name!r} must be True or False (got {value!r})")


@attrs.frozen
class LevelRule:
    """What one scoring level does: which stars it recognises and from which score it forwards.

    ``forwards_at`` is the score at or above which the dossier must be scored by the next level up
    before any certificate (Decision 148: the district forwards 70 or more, the province 90 or
    more).
    ``None`` means the level forwards nothing (the top level).

    ``certifies_forwarded``: the level may certify a score it forwards at the highest stars it
    recognises, and the dossier then holds that certificate while the next (top) level evaluates
    it. Facts page section 8 reports it for Decision 1048's province (its 4-star certificate went
    with a five-star candidate to the ministry), not verified for 148: a parameter, on for 1048.
    (The top level may still score a forwarded dossier that holds none, as stored ones did.)
    """

    level: Level = attrs.field(validator=attrs.validators.instance_of(Level))
    recognises: frozenset[int] = attrs.field(converter=_frozen_stars, validator=_stars_valid)
    forwards_at: float | None = None
    certifies_forwarded: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.level is Level.COMMUNE:
            raise DefinitionError(
                "the commune checks dossiers but does not score them (level=COMMUNE)"
            )
        if self.forwards_at is not None:
            check_score(self.forwards_at, "forwards_at")
        if self.certifies_forwarded and (self.forwards_at is None or not self.recognises):
            raise DefinitionError(
                f"level {self.level.value!r}: 'certifies_forwarded' needs 'forwards_at' and stars "
                "it recognises"
            )

    @property
    def held_stars(self) -> int | None:
        """The stars of the certificate held while forwarded; None if the level issues none."""
        return max(self.recognises) if self.certifies_forwarded else None


def _days(attribute: attrs.Attribute[Any], value: object, least: int) -> None:
    """A count of days or months in a rule set: a whole number (an ``int``) of at least
    ``least``; a :class:`DefinitionError` otherwise."""
    if type(value) is not int or value < least:
        raise DefinitionError(
            f"{attribute.name!r} must be a whole number of at least {least} (got {value!r})"
        )


def _definition_date(value: object) -> dt.date:
    """A rule set's date: a ``datetime.date`` or an ISO string (a :class:`DefinitionError`
    otherwise, the rule set being a definition)."""
    try:
        return to_date(value, "effective_from")
    except InvalidInput as error:
        raise DefinitionError(str(error)) from None


def _optional_definition_date(value: object) -> dt.date | None:
    if value is None:
        return None
    try:
        return to_date(value, "effective_until")
    except InvalidInput as error:
        raise DefinitionError(str(error)) from None


@attrs.frozen
class Validity:
    """How long a certificate lasts and when its holder must be told (facts page section 4.6).

    Valid for ``months`` from the date of recognition; ``expires_on`` is the first day it is no
    longer valid. The issuing body notifies at least ``notice_days`` before that day.
    """

    months: int = attrs.field(default=36, validator=lambda i, a, v: _days(a, v, 1))
    notice_days: int = attrs.field(default=30, validator=lambda i, a, v: _days(a, v, 0))

    def expires_on(self, issued_on: dt.date) -> dt.date:
        """Issue date plus ``months`` calendar months (29 Feb + 36 months is 28 Feb)."""
        return add_months(issued_on, self.months)


class RevocationReason(enum.Enum):
    """Why a certificate is withdrawn ("thu hồi"); a rule set says which reasons it allows."""

    NO_LONGER_MEETS_CRITERIA = "no_longer_meets_criteria"
    """Post-certification inspection finds the product below its criteria (148, 26/2026)."""
    BREACH_OF_RULES = "breach_of_rules"
    """The producer breaks the programme's management rules (148)."""
    NOT_REEVALUATED = "not_reevaluated"
    """Not re-evaluated within 36 months, as provinces do in practice (facts page 4.8)."""
    FALSE_DOSSIER = "false_dossier"
    """False or forged dossier (26/2026)."""
    BREACH_OF_LAW = "breach_of_law"
    """Breach of quality, food-safety, environment, IP or labelling law (26/2026)."""
    MISUSE_OF_MARK = "misuse_of_mark"
    """Misuse of the OCOP mark (26/2026)."""
    PRODUCTION_STOPPED = "production_stopped"
    """Production stopped (26/2026)."""
    OTHER_AUTHORITY_FINDING = "other_authority_finding"
    """Another finding by a competent authority (26/2026)."""


def _frozen_reasons(value: Iterable[RevocationReason]) -> frozenset[RevocationReason]:
    return frozenset(value)


class KnockOut(enum.Enum):
    """A ground that rejects a dossier outright, whatever its score (26/2026, section 6)."""

    FORGED_DOCUMENTS = "forged_documents"
    """Forged documents in the dossier."""
    NO_FOOD_SAFETY_CERTIFICATE = "no_food_safety_certificate"
    """No valid food-safety certificate."""


def _frozen_knockouts(value: Iterable[KnockOut]) -> frozenset[KnockOut]:
    found = frozenset(value)
    if not all(isinstance(k, KnockOut) for k in found):
        raise DefinitionError(
            f"'knockouts' must be KnockOut grounds (got {sorted(map(str, found))})"
        )
    return found


def _level_tuple(value: Iterable[LevelRule]) -> tuple[LevelRule, ...]:
    return tuple(value)


def _check_items(value: Iterable[CheckItem] | None) -> tuple[CheckItem, ...] | None:
    if value is None:
        return None
    items = tuple(value)
    if (
        not items
        or not all(isinstance(i, CheckItem) for i in items)
        or len(set(items)) != len(items)
    ):
        raise DefinitionError(
            f"'commune_checks' must be distinct CheckItem values or None (got {items!r})"
        )
    return items


def _optional_days(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _days(attribute, value, 0)


@attrs.frozen
class Deadlines:
    """Time limits of a regime; ``None`` where the regime sets none.

    Decision 26/2026 (facts page section 6, unconfirmed, so every number is a parameter): a
    re-evaluation is filed no earlier than ``reevaluation_window[0]`` and no later than
    ``reevaluation_window[1]`` days before the certificate expires and is evaluated within
    ``evaluation_days``; the commune checks a dossier within ``commune_check_working_days``
    working days. Transitional rules for dossiers still in flight when the regime starts:
    first-time and upgrade dossiers finish within ``finish_first_time_days``, re-evaluations
    within ``finish_reevaluation_days``; a certificate whose filing window was missed can be
    extended by up to ``extension_days`` past its expiry. A finding of an inspection that is a
    revocation ground must lead to the revocation within ``revocation_days`` of the finding.
    """

    reevaluation_window: tuple[int, int] | None = None
    evaluation_days: int | None = attrs.field(default=None, validator=_optional_days)
    commune_check_working_days: int | None = attrs.field(default=None, validator=_optional_days)
    finish_first_time_days: int | None = attrs.field(default=None, validator=_optional_days)
    finish_reevaluation_days: int | None = attrs.field(default=None, validator=_optional_days)
    extension_days: int | None = attrs.field(default=None, validator=_optional_days)
    revocation_days: int | None = attrs.field(default=None, validator=_optional_days)

    def __attrs_post_init__(self) -> None:
        window = self.reevaluation_window
        if window is not None and not (
            isinstance(window, tuple)
            and len(window) == 2
            and all(type(days) is int for days in window)
            and window[0] > window[1] >= 0
        ):
            raise DefinitionError(
                f"'reevaluation_window' must be (earliest, latest) days before expiry, earliest "
                f"first (got {window!r})"
            )


class RouteKind(enum.Enum):
    """What a score means for the dossier."""

    NOT_RECOGNISED = "not_recognised"
    FORWARD = "forward"
    RECOGNISE = "recognise"


@attrs.frozen
class Route:
    """What a score leads to: not recognised, forwarded to ``level``, or recognised by ``level``."""

    kind: RouteKind
    stars: int
    level: Level | None


def _part_pairs(value: object) -> tuple[tuple[str, float], ...] | None:
    if value is None:
        return None
    try:
        given = dict(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        given = None
    if not given or not all(
        isinstance(k, str)
        and k
        and not isinstance(v, bool)
        and isinstance(v, int | float)
        and 0 <= v <= 100
        for k, v in given.items()
    ):
        raise DefinitionError(
            f"'part_maxima' must map part letters to points from 0 to 100 (got {value!r})"
        )
    if not math.isclose(math.fsum(given.values()), 100.0):
        raise DefinitionError(f"'part_maxima' must add up to 100 (got {given})")
    return tuple((k, float(given[k])) for k in sorted(given))


@attrs.frozen
class RuleSet:
    """Every rule of one regime, with the dates it is in force.

    ``levels`` lists the scoring levels from lowest to highest; it is data because Decision 1489
    removed the district level in 2025 (facts page section 1).
    """

    code: str
    title: str
    effective_from: dt.date = attrs.field(converter=_definition_date)
    levels: tuple[LevelRule, ...] = attrs.field(converter=_level_tuple)
    bands: StarBands = attrs.field(factory=StarBands)
    validity: Validity = attrs.field(factory=Validity)
    revocation_reasons: frozenset[RevocationReason] = attrs.field(
        converter=_frozen_reasons, default=frozenset(RevocationReason)
    )
    effective_until: dt.date | None = attrs.field(default=None, converter=_optional_definition_date)
    deadlines: Deadlines = attrs.field(factory=Deadlines)
    _part_maxima: tuple[tuple[str, float], ...] | None = attrs.field(
        default=None, converter=_part_pairs, alias="part_maxima"
    )
    """Given as a mapping ``part_maxima``; kept as pairs, so that a rule set hashes and pickles."""
    knockouts: frozenset[KnockOut] = attrs.field(converter=_frozen_knockouts, default=frozenset())
    """Grounds that reject a dossier outright (26/2026); none before."""
    commune_checks: tuple[CheckItem, ...] | None = attrs.field(default=None, converter=_check_items)
    """What the commune checks (facts page section 8); ``None``: the facts page gives no list for
    this regime (a declared gap), so only a plain pass or return can be recorded."""
    dossier_contents: DossierContents | None = None
    """What a dossier must hold when filed (sections 4.1 and 8); ``None``: not known."""
    minimums_from: dt.date | None = None
    """The first day a sheet's per-star minimums cap the stars (section 8: Decision 781 of 8 June
    2020 introduced them into 1048); ``None``: from the regime's start."""
    # Lookups derived from ``levels`` once, for the per-dossier hot path.
    _index: Mapping[Level, int] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _recogniser: Mapping[int, Level] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _scoring_levels: tuple[Level, ...] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {r.level: i for i, r in enumerate(self.levels)})
        object.__setattr__(
            self, "_recogniser", {s: r.level for r in self.levels for s in r.recognises}
        )
        object.__setattr__(self, "_scoring_levels", tuple(r.level for r in self.levels))
        if not self.levels:
            raise DefinitionError(f"rule set {self.code!r}: 'levels' must not be empty")
        ranks = [rule.level.rank for rule in self.levels]
        if ranks != sorted(set(ranks)):
            raise DefinitionError(
                f"rule set {self.code!r}: 'levels' must rise without repeats "
                f"(got {[rule.level.value for rule in self.levels]})"
            )
        for star in RECOGNISED_STARS:
            owners = [rule.level.value for rule in self.levels if star in rule.recognises]
            if len(owners) != 1:
                raise DefinitionError(
                    f"rule set {self.code!r}: {star} stars must be recognised by exactly one "
                    f"level (got {owners})"
                )
        *lower, top = self.levels
        if top.forwards_at is not None:
            raise DefinitionError(f"rule set {self.code!r}: the top level cannot forward")
        for rule in lower:
            if rule.forwards_at is None:
                raise DefinitionError(
                    f"rule set {self.code!r}: level {rule.level.value!r} needs 'forwards_at'"
                )
            # A score just under the forwarding threshold stays at this level, so its stars must
            # be recognised here or below.
            below = self.bands.stars(self.bands.highest_below(rule.forwards_at))
            if below in RECOGNISED_STARS and self.recognising_level(below).rank > rule.level.rank:
                raise DefinitionError(
                    f"rule set {self.code!r}: level {rule.level.value!r} keeps {below}-star scores "
                    f"under {rule.forwards_at} but cannot recognise them"
                )
        held = [rule.level for rule in lower if rule.certifies_forwarded]
        if held and held != [lower[-1].level]:
            raise DefinitionError(
                f"rule set {self.code!r}: only the level below the top may certify what it "
                f"forwards (got {[level.value for level in held]})"
            )
        if self.effective_until is not None and self.effective_until <= self.effective_from:
            raise DefinitionError(
                f"rule set {self.code!r}: 'effective_until' must follow 'effective_from' "
                f"(got {self.effective_until})"
            )

    @property
    def part_maxima(self) -> dict[str, float] | None:
        """The maximum of each part of this regime's scoring sheets, by letter (Decision 148: A 40,
        B 25, C 35; facts page sections 1 and 3); ``None``: not checked."""
        return None if self._part_maxima is None else dict(self._part_maxima)

    @property
    def held_level(self) -> Level | None:
        """The level that certifies what it forwards (see :class:`LevelRule`), if any."""
        return next((rule.level for rule in self.levels if rule.certifies_forwarded), None)

    @property
    def scoring_levels(self) -> tuple[Level, ...]:
        """The levels that score, lowest first."""
        return self._scoring_levels

    def rule_for(self, level: Level) -> LevelRule:
        """The rule of a scoring level; :class:`InvalidInput` if this regime has no such level."""
        index = self._index.get(level)
        if index is not None:
            return self.levels[index]
        raise InvalidInput(
            f"'level' {level.value!r} does not score under {self.code} "
            f"(scoring levels: {', '.join(lv.value for lv in self.scoring_levels)})"
        )

    def recognising_level(self, stars: int) -> Level:
        """The level whose authority recognises ``stars`` (3-5)."""
        level = self._recogniser.get(stars)
        if level is not None:
            return level
        raise InvalidInput(
            f"'stars' must be one of {RECOGNISED_STARS} to be recognised (got {stars!r})"
        )

    def route(self, level: Level, score: float, stars: int | None = None) -> Route:
        """What a checked ``score`` given at ``level`` leads to.

        ``stars`` caps the band of the score (a scoring sheet's unmet per-star minimums, facts page
        section 3). Under 3 stars the dossier is not recognised. A score at or above the level's
        ``forwards_at`` (after the bands' rounding) goes to the next level, unless its (capped)
        stars are recognised at this level or below. Otherwise the level that recognises the stars
        issues the certificate: that may be a lower level when a higher council scores lower
        (26/2026 lets the province recognise 3 or 4 stars after a ministry score under 90).
        """
        rule = self.rule_for(level)
        band = self.bands.stars(score)
        final = band if stars is None else min(band, stars)
        if final < RECOGNISED_STARS[0]:
            return Route(RouteKind.NOT_RECOGNISED, final, None)
        recogniser = self._recogniser[final]
        index = self._index[level]
        if (
            rule.forwards_at is not None
            and self.bands.placed(score) >= rule.forwards_at
            and self._index[recogniser] > index
        ):
            return Route(RouteKind.FORWARD, final, self.levels[index + 1].level)
        return Route(RouteKind.RECOGNISE, final, recogniser)

    def in_force(self, on: dt.date) -> bool:
        """Whether this regime applies to a dossier started on ``on``."""
        return self.effective_from <= on and (
            self.effective_until is None or on < self.effective_until
        )
