"""The product dossier ("hồ sơ") and the value objects it holds.

:class:`Dossier` is the one mutable object of the library; only :class:`~ocop_workflow.Workflow`
should change it. Everything it holds (location, scores, certificate, history records) is a frozen
value validated at construction.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.labels import Labelled
from ocop_workflow.rules import RECOGNISED_STARS, Level
from ocop_workflow.states import DossierState
from ocop_workflow.validators import attrs_date, attrs_optional_text, attrs_text

if TYPE_CHECKING:
    from ocop_workflow.scoring import ScoringSheet
    from ocop_workflow.workflow import Workflow

__all__ = [
    "SHEET_NUMBERS",
    "Certificate",
    "Codec",
    "Dossier",
    "DossierKind",
    "HistoryRecord",
    "Location",
    "Score",
    "use_codec",
]

SHEET_NUMBERS = range(1, 27)
"""Decision 148 has 26 scoring sheets, one per product sub-group (facts page section 3)."""


class DossierKind(Labelled, enum.Enum):
    """The three kinds of dossier (facts page section 4.7)."""

    FIRST_TIME = "first_time"
    UPGRADE = "upgrade"
    REEVALUATION = "reevaluation"


@attrs.frozen
class Location:
    """Where the producer is: province, district (none after July 2025) and commune."""

    province: str = attrs.field(validator=attrs_text)
    district: str | None = attrs.field(validator=attrs_optional_text)
    commune: str = attrs.field(validator=attrs_text)


@attrs.frozen
class Score:
    """A council's score at one level: its average ``value`` and the ``stars`` it earns.

    ``stars`` is the band of the value, capped by the per-star minimums when the score came from a
    scoring sheet. ``result`` keeps that sheet or council result for display; it is not part of
    equality and is not serialised (the score's history record keeps its answers instead).
    """

    level: Level
    value: float
    stars: int
    on: dt.date
    result: object = attrs.field(default=None, eq=False, repr=False)


def _certificate_stars(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in RECOGNISED_STARS:
        raise InvalidInput(f"'stars' of a certificate must be 3, 4 or 5 (got {value!r})")


@attrs.frozen
class Certificate:
    """An OCOP certificate: a recognition decision of ``level`` with its ``number`` and ``stars``.

    It is valid from ``issued_on`` up to, not including, ``expires_on`` (36 months later under every
    regime so far, facts page section 4.6).
    """

    number: str = attrs.field(validator=attrs_text)
    stars: int = attrs.field(validator=_certificate_stars)
    level: Level
    issued_on: dt.date = attrs.field(validator=attrs_date)
    expires_on: dt.date = attrs.field(validator=attrs_date)

    def __attrs_post_init__(self) -> None:
        if self.expires_on <= self.issued_on:
            raise InvalidInput(
                f"'expires_on' must follow 'issued_on' {self.issued_on} (got {self.expires_on})"
            )

    def valid_on(self, day: dt.date) -> bool:
        """Whether the certificate is in its validity period on ``day``."""
        return self.issued_on <= day < self.expires_on


_ATOMIC = frozenset({str, int, float, bool, type(None)})


def _freeze(details: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy, all the way down: mappings become read-only, lists tuples."""
    if _ATOMIC.issuperset(map(type, details.values())):  # plain values (most records): C speed
        return types.MappingProxyType(dict(details))
    return types.MappingProxyType({key: _frozen(value) for key, value in details.items()})


def _frozen(value: object) -> object:
    if type(value) in _ATOMIC:  # skip the slower abstract-class checks
        return value
    if isinstance(value, Mapping):
        return _freeze(value)
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


@attrs.frozen
class HistoryRecord:
    """One successful operation on a dossier, appended to its history and never changed.

    ``details`` holds the operation's arguments as JSON-safe values, so that the history can be
    replayed (:meth:`ocop_workflow.Workflow.replay`) and stored as it is.
    """

    on: dt.date
    action: str
    from_state: DossierState | None
    to_state: DossierState
    regime: str
    actor: str | None = None
    note: str | None = None
    details: Mapping[str, Any] = attrs.field(factory=dict, converter=_freeze, hash=False)


@attrs.define(eq=True, on_setattr=attrs.setters.NO_OP)
class Dossier:
    """One product's dossier and everything that happened to it.

    Create dossiers with :meth:`ocop_workflow.Workflow.register` and change them only through the
    workflow, which validates every change before making it; read them freely. ``regime`` is the
    code of the rule set it was registered under. ``renews`` is the number of the certificate an
    upgrade or re-evaluation replaces.
    """

    product: str = attrs.field(validator=attrs_text)
    producer: str = attrs.field(validator=attrs_text)
    sheet: int
    location: Location
    kind: DossierKind
    submitted_on: dt.date
    regime: str
    reference: str | None = None
    renews: str | None = None
    state: DossierState = DossierState.REGISTERED
    scores: dict[Level, Score] = attrs.field(factory=dict)
    certificate: Certificate | None = None
    history: list[HistoryRecord] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        if type(self.sheet) is not int or self.sheet not in SHEET_NUMBERS:
            raise InvalidInput(f"'sheet' must be a sheet number from 1 to 26 (got {self.sheet!r})")

    @property
    def province(self) -> str:
        """The producer's province."""
        return self.location.province

    @property
    def district(self) -> str | None:
        """The producer's district, or ``None`` where there is none."""
        return self.location.district

    @property
    def commune(self) -> str:
        """The producer's commune."""
        return self.location.commune

    @property
    def last_step_on(self) -> dt.date:
        """The date of the latest operation: no later operation may be dated before it."""
        return self.history[-1].on if self.history else self.submitted_on

    @property
    def stars(self) -> int | None:
        """The stars of the current certificate, if any."""
        return None if self.certificate is None else self.certificate.stars

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form with a schema version, history included (see :mod:`.serialization`)."""
        return _CODEC.to_dict(self)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        workflow: Workflow | None = None,
        sheets: Mapping[int, ScoringSheet] | None = None,
    ) -> Dossier:
        """Rebuild a dossier from :meth:`to_dict` output; :class:`InvalidInput` if malformed.

        The stored fields must agree with the history's own records; with ``workflow``, the
        history must also replay to exactly this dossier, scores kept with their answers
        evaluated again on their sheets (``sheets``, else the shipped ones; see
        :func:`ocop_workflow.serialization.dossier_from_dict`).
        """
        return _CODEC.from_dict(data, workflow=workflow, sheets=sheets)


class Codec(Protocol):
    """How dossiers become plain data and back: :mod:`ocop_workflow.serialization` installs
    itself with :func:`use_codec` when the package is imported, so that this domain module
    depends on no storage format."""

    def to_dict(self, dossier: Dossier) -> dict[str, Any]: ...

    def from_dict(
        self,
        data: Mapping[str, Any],
        *,
        workflow: Workflow | None,
        sheets: Mapping[int, ScoringSheet] | None,
    ) -> Dossier: ...


class _NoCodec:
    def to_dict(self, dossier: Dossier) -> dict[str, Any]:
        raise TypeError("no dossier codec installed: import ocop_workflow")

    def from_dict(self, data: Mapping[str, Any], **options: Any) -> Dossier:
        raise TypeError("no dossier codec installed: import ocop_workflow")


_CODEC: Codec = _NoCodec()


def use_codec(codec: Codec) -> None:
    """Install the codec behind :meth:`Dossier.to_dict` and :meth:`Dossier.from_dict`."""
    global _CODEC
    _CODEC = codec
