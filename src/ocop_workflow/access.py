"""Who may do what, where: actors, their roles, and the access policy a workflow enforces.

An :class:`Actor` is someone acting in a :class:`Role` for an administrative unit. An
:class:`AccessPolicy` says which roles, acting for which unit relative to the dossier's location
(a :class:`Scope`), may perform each operation. It is read through the rule set of the day:
the council of the level being scored scores, the committee of the level that recognises the
stars certifies and revokes, and after the reform of 1 July 2025 the district's roles pass to the
province (facts page sections 1 and 4). Given to a :class:`~ocop_workflow.Workflow`, the policy
is enforced: every operation takes ``actor=`` an :class:`Actor`, a refusal is
:class:`PermissionDenied` and changes nothing, and the history records who acted.

Units are the official ones (:mod:`ocop_workflow.units`, the ``units`` extra): jurisdiction is
decided on official codes, so "Mai Sơn", "huyện mai sơn" and "Huyện Mai Sơn" are one district.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ocop_workflow import rulesets, units
from ocop_workflow.dates import DateLike, to_date
from ocop_workflow.dossier import Dossier, HistoryRecord, Location
from ocop_workflow.errors import DefinitionError, InvalidInput, PermissionDenied
from ocop_workflow.labels import Labelled
from ocop_workflow.rules import RECOGNISED_STARS, Level, RuleSet
from ocop_workflow.validators import iterable, member, shown, text
from ocop_workflow.workflow.actions import Action, ActionName

if TYPE_CHECKING:
    from ocop_workflow.workflow import Workflow

__all__ = [
    "AccessPolicy",
    "Actor",
    "Grant",
    "Jurisdiction",
    "PermissionDenied",
    "Role",
    "Scope",
    "jurisdiction",
    "owner",
    "recorded_actor",
]


class Role(Labelled, enum.Enum):
    """A role in the OCOP process (facts page section 4): the producer, the commune that checks,
    the councils that score ("hội đồng"), the People's Committees that sign recognitions
    ("UBND"), the ministry (5 stars) and the province's inspectors."""

    PRODUCER = "producer"
    COMMUNE_OFFICER = "commune_officer"
    DISTRICT_COUNCIL = "district_council"
    PROVINCE_COUNCIL = "province_council"
    CENTRAL_COUNCIL = "central_council"
    DISTRICT_COMMITTEE = "district_committee"
    PROVINCE_COMMITTEE = "province_committee"
    MINISTRY = "ministry"
    INSPECTOR = "inspector"


class Scope(enum.Enum):
    """For which unit, relative to the dossier's location, an actor must act."""

    OWNER = "owner"
    """The producer who registered the dossier (the register record's actor)."""
    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"
    NATIONAL = "national"
    """Anywhere (the central council, the ministry)."""


_NATURAL = {
    Role.PRODUCER: Scope.OWNER,
    Role.COMMUNE_OFFICER: Scope.COMMUNE,
    Role.DISTRICT_COUNCIL: Scope.DISTRICT,
    Role.DISTRICT_COMMITTEE: Scope.DISTRICT,
    Role.PROVINCE_COUNCIL: Scope.PROVINCE,
    Role.PROVINCE_COMMITTEE: Scope.PROVINCE,
    Role.INSPECTOR: Scope.PROVINCE,
    Role.CENTRAL_COUNCIL: Scope.NATIONAL,
    Role.MINISTRY: Scope.NATIONAL,
}
"""The unit each role acts for; it fixes which of an actor's unit fields are required."""

_RANK = {Scope.COMMUNE: 0, Scope.DISTRICT: 1, Scope.PROVINCE: 2, Scope.NATIONAL: 3}

_AFTER_REFORM = {
    Role.DISTRICT_COUNCIL: Role.PROVINCE_COUNCIL,
    Role.DISTRICT_COMMITTEE: Role.PROVINCE_COMMITTEE,
}
"""From 1 July 2025 the district's roles pass to the province (facts page section 1)."""


def _optional_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        text(value, attribute.name)


def _role(value: object) -> Role:
    return member(Role, value, "role")


def _action(value: object) -> ActionName:
    return member(ActionName, value, "action")


def _scope(value: object) -> Scope:
    return member(Scope, value, "scope")


def _level(value: object) -> Level | None:
    return None if value is None else member(Level, value, "level")


def _id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    text(value, attribute.name)


@attrs.frozen
class Actor:
    """Someone acting in ``role`` for a unit: ``province`` (and ``district`` before the reform)
    for councils, committees and inspectors, ``commune`` too for a commune officer, none for
    the central council and the ministry; a producer needs none (they act on the dossiers they
    registered). Names are checked against the official units when the actor acts, on that
    day's structure."""

    id: str = attrs.field(validator=_id)
    role: Role = attrs.field(converter=_role)
    province: str | None = attrs.field(default=None, validator=_optional_name)
    district: str | None = attrs.field(default=None, validator=_optional_name)
    commune: str | None = attrs.field(default=None, validator=_optional_name)

    def __attrs_post_init__(self) -> None:
        scope = _NATURAL[self.role]
        if scope is Scope.OWNER:
            return
        needs = {
            "province": _RANK[scope] <= _RANK[Scope.PROVINCE],
            "district": scope is Scope.DISTRICT,
            "commune": scope is Scope.COMMUNE,
        }
        for field, needed in needs.items():
            value = getattr(self, field)
            if needed and value is None:
                raise InvalidInput(f"{field!r} is required for a {self.role.en} (got None)")
            if not needed and value is not None and not (field == "district" and needs["commune"]):
                raise InvalidInput(
                    f"{field!r} must be None for a {self.role.en}, who acts for a "
                    f"{scope.value} (got {value!r})"
                )

    def __str__(self) -> str:
        where = ", ".join(n for n in (self.commune, self.district, self.province) if n)
        return f"{self.id!r} ({self.role.en}{' of ' + where if where else ''})"


@attrs.frozen
class Grant:
    """``role``, acting for the dossier's unit at ``scope``, may perform ``action``; for an
    operation done at a level (scoring, certifying, revoking, expiring, extending), ``level``
    names the level in charge it applies to (None: any level)."""

    action: ActionName = attrs.field(converter=_action)
    role: Role = attrs.field(converter=_role)
    scope: Scope = attrs.field(converter=_scope)
    level: Level | None = attrs.field(default=None, converter=_level)

    def __attrs_post_init__(self) -> None:
        natural = _NATURAL[self.role]
        if self.scope is Scope.OWNER or natural is Scope.OWNER:
            if self.scope is not natural:
                raise DefinitionError(
                    f"grant {self.action.value}: only a producer acts for the dossiers they own "
                    f"(got {self.role.value} for {self.scope.value})"
                )
        elif _RANK[self.scope] < _RANK[natural]:
            raise DefinitionError(
                f"grant {self.action.value}: a {self.role.en} acts for a {natural.value}, not "
                f"for one {self.scope.value} (got scope {self.scope.value!r})"
            )

    def on(self, day: dt.date) -> Grant:
        """The grant as it applies on ``day``: after the reform, the district's is the
        province's."""
        if day < units.REFORM or self.scope is not Scope.DISTRICT:
            return self
        role = _AFTER_REFORM.get(self.role, self.role)
        return Grant(self.action, role, Scope.PROVINCE, self.level)


_LEVELLED = frozenset(
    {
        ActionName.SCORE,
        ActionName.CERTIFY,
        ActionName.REVOKE,
        ActionName.EXPIRE,
        ActionName.EXTEND,
        ActionName.NOTIFY_EXPIRY,
    }
)
_PERFORMED = tuple(a for a in ActionName if a is not ActionName.SUPERSEDE)
"""Operations a caller performs (supersession happens to a dossier when its renewal is
certified: the certifying actor is recorded on it too)."""

_COUNCIL = {
    Level.DISTRICT: (Role.DISTRICT_COUNCIL, Scope.DISTRICT),
    Level.PROVINCE: (Role.PROVINCE_COUNCIL, Scope.PROVINCE),
    Level.CENTRAL: (Role.CENTRAL_COUNCIL, Scope.NATIONAL),
}
_COMMITTEE = {
    Level.DISTRICT: (Role.DISTRICT_COMMITTEE, Scope.DISTRICT),
    Level.PROVINCE: (Role.PROVINCE_COMMITTEE, Scope.PROVINCE),
    Level.CENTRAL: (Role.MINISTRY, Scope.NATIONAL),
}


def _default_grants() -> Iterable[Grant]:
    # Section 4.1 and the issue's rule: the producer files, completes and withdraws their dossier.
    for action in (ActionName.REGISTER, ActionName.RESUBMIT, ActionName.WITHDRAW):
        yield Grant(action, Role.PRODUCER, Scope.OWNER)
    # Sections 4.2 and 8: the commune of the dossier checks it.
    yield Grant(ActionName.REVIEW_AT_COMMUNE, Role.COMMUNE_OFFICER, Scope.COMMUNE)
    # Sections 4.3-4.5: the council of the level being scored scores.
    for level, (role, scope) in _COUNCIL.items():
        yield Grant(ActionName.SCORE, role, scope, level)
    # Sections 4.6 and 6: the committee (the ministry for 5 stars) of the level that recognises
    # the stars certifies, revokes, extends; it issued the certificate, so it marks its expiry
    # and (sections 4.6 and 8) notifies the producer at least 30 days before it.
    levelled = (
        ActionName.CERTIFY,
        ActionName.REVOKE,
        ActionName.EXPIRE,
        ActionName.EXTEND,
        ActionName.NOTIFY_EXPIRY,
    )
    for action in levelled:
        for level, (role, scope) in _COMMITTEE.items():
            yield Grant(action, role, scope, level)
    # Knock-outs (section 6) do not say who finds them: by default the bodies that examine the
    # dossier, the commune that checks it and the province council that scores it. A default,
    # not a fact: a policy can change it.
    yield Grant(ActionName.KNOCK_OUT, Role.COMMUNE_OFFICER, Scope.COMMUNE)
    yield Grant(ActionName.KNOCK_OUT, Role.PROVINCE_COUNCIL, Scope.PROVINCE)
    # Issue 11: an inspector of the province records inspections after certification.
    yield Grant(ActionName.INSPECT, Role.INSPECTOR, Scope.PROVINCE)


def _levels_in_charge(action: ActionName, rules: RuleSet) -> tuple[Level | None, ...]:
    """The levels that may be in charge of ``action`` under ``rules`` (empty: the regime has
    no such operation)."""
    if action is ActionName.SCORE:
        return rules.scoring_levels
    if action is ActionName.EXTEND and rules.deadlines.extension_days is None:
        return ()
    if action is ActionName.KNOCK_OUT and not rules.knockouts:
        return ()
    if action in _LEVELLED:
        return tuple(dict.fromkeys(rules.recognising_level(s) for s in RECOGNISED_STARS))
    return (None,)


def _grants(value: Iterable[Grant]) -> frozenset[Grant]:
    found = frozenset(value)
    if not all(isinstance(g, Grant) for g in found):
        raise DefinitionError("'grants' must be Grant values")
    return found


def _timeline(value: Iterable[RuleSet]) -> tuple[RuleSet, ...]:
    chain = tuple(iterable(value, "timeline", "a sequence of RuleSet"))
    if not chain or not all(isinstance(r, RuleSet) for r in chain):
        raise InvalidInput(f"'timeline' must be a non-empty sequence of RuleSet (got {chain!r})")
    return chain


@attrs.frozen
class AccessPolicy:
    """Which roles may perform each operation, for which unit; see the module docstring.

    Checked when made: every operation of every regime of ``timeline`` (by default the shipped
    one) must have a role that may perform it, at every level that may be in charge of it, on
    the regime's first and last day (the reform moves the district's roles); otherwise a
    :class:`DefinitionError`. Derive a policy with :meth:`allowing` and :meth:`without`.
    """

    grants: frozenset[Grant] = attrs.field(converter=_grants)
    timeline: tuple[RuleSet, ...] = attrs.field(default=rulesets.ALL, converter=_timeline)

    def __attrs_post_init__(self) -> None:
        self.covers(self.timeline)

    @classmethod
    def default(cls, timeline: Iterable[RuleSet] = rulesets.ALL) -> AccessPolicy:
        """The process as the facts page describes it (see :func:`_default_grants`)."""
        return cls(frozenset(_default_grants()), timeline)

    def allowing(
        self,
        action: ActionName | str,
        role: Role | str,
        *,
        scope: Scope | str | None = None,
        level: Level | str | None = None,
    ) -> AccessPolicy:
        """This policy, with ``role`` also allowed to perform ``action`` (for its own unit
        unless ``scope`` says otherwise; at ``level`` only, when given)."""
        role = member(Role, role, "role")
        grant = Grant(action, role, _NATURAL[role] if scope is None else scope, level)
        return attrs.evolve(self, grants=self.grants | {grant})

    def without(
        self, action: ActionName | str, role: Role | str, *, level: Level | str | None = None
    ) -> AccessPolicy:
        """This policy, with ``role`` no longer allowed to perform ``action`` (at ``level``
        only, when given); checked again, so an operation left to no one is refused."""
        action = member(ActionName, action, "action")
        role = member(Role, role, "role")
        at = None if level is None else member(Level, level, "level")
        kept = {
            g
            for g in self.grants
            if not (g.action is action and g.role is role and (at is None or g.level is at))
        }
        return attrs.evolve(self, grants=kept)

    def covers(self, timeline: Iterable[RuleSet]) -> None:
        """:class:`DefinitionError` unless every operation of every regime of ``timeline``
        has a role that may perform it."""
        for rules in timeline:
            last = rules.effective_until - dt.timedelta(days=1) if rules.effective_until else None
            days = [rules.effective_from] + ([last] if last else [])
            if rules.effective_from < units.REFORM <= (last or dt.date.max):
                days.append(units.REFORM)
            for action in _PERFORMED:
                for level in _levels_in_charge(action, rules):
                    for day in days:
                        if not self._who_may(action, level, day):
                            at = "" if level is None else f" at {level.value!r}"
                            raise DefinitionError(
                                f"access policy: no role may {action.value}{at} under "
                                f"{rules.code} on {day}"
                            )

    def who_may(
        self, action: ActionName | str, level: Level | str | None, day: DateLike
    ) -> tuple[Grant, ...]:
        """The grants that allow ``action`` with ``level`` in charge on ``day`` (None: a level
        that cannot be told yet, any grant of the action); members or their values, a date or
        an ISO string."""
        return self._who_may(
            member(ActionName, action, "action"),
            None if level is None else member(Level, level, "level"),
            to_date(day, "day"),
        )

    def _who_may(self, action: ActionName, level: Level | None, day: dt.date) -> tuple[Grant, ...]:
        found = {
            g.on(day)
            for g in self.grants
            if g.action is action and (level is None or g.level is None or g.level is level)
        }
        return tuple(sorted(found, key=lambda g: (g.role.value, g.scope.value, str(g.level))))

    # -- enforcement (called by the workflow) ----------------------------------------------

    def permit(
        self,
        workflow: Workflow,
        dossier: object,
        action: ActionName,
        on: DateLike,
        actor: object,
        level: Level | None = None,
    ) -> tuple[str, Mapping[str, Any]]:
        """The actor's id and history entry when ``actor`` may perform ``action`` on
        ``dossier`` on ``on``; :class:`PermissionDenied` (or :class:`InvalidInput` for a
        malformed actor or unit) otherwise."""
        if not isinstance(dossier, Dossier):
            raise InvalidInput(f"'dossier' must be a Dossier (got {type(dossier).__name__})")
        day = to_date(on)
        who = _actor(actor)
        in_charge = level
        if action is not ActionName.SCORE:
            in_charge = _in_charge(workflow, dossier, action, day)
        grants = self._who_may(action, in_charge, day)
        reason = _refusal(grants, dossier, day, who)
        if reason is not None:
            raise PermissionDenied(_denied(who, action, in_charge, dossier, day, grants, reason))
        return who.id, _entry(who, day)

    def registering(
        self, actor: object, location: Location, on: dt.date
    ) -> tuple[str, Mapping[str, Any]]:
        """The registering actor's id (the dossier's owner) and history entry."""
        who = _actor(actor)
        grants = self._who_may(ActionName.REGISTER, None, on)
        if not any(g.role is who.role for g in grants):
            roles = ", ".join(sorted({g.role.en for g in grants}))
            raise PermissionDenied(
                f"actor {who} may not register a dossier of {_where(location)} on {on}; "
                f"who may: {roles}"
            )
        return who.id, _entry(who, on)

    def renewing(self, renews: Dossier, actor: object) -> None:
        """Only the owner of a certificate's dossier files its upgrade or re-evaluation."""
        who = _actor(actor)
        held_by = owner(renews)
        if held_by != who.id:
            raise PermissionDenied(
                f"actor {who} may not renew certificate "
                f"{renews.certificate.number if renews.certificate else '?'!r}: its dossier "
                f"belongs to {held_by!r}"
            )

    def offered(
        self,
        workflow: Workflow,
        dossier: Dossier,
        actions: tuple[Action, ...],
        day: dt.date | None,
        actor: object,
    ) -> tuple[Action, ...]:
        """The ``actions`` that ``actor`` may perform on ``day`` (the latest step's day when
        None), by the same rule as :meth:`permit`."""
        who = _actor(actor)
        when = dossier.last_step_on if day is None else day
        kept = []
        for action in actions:
            level = action.level if action.name is ActionName.SCORE else None
            if level is None:
                level = _in_charge(workflow, dossier, action.name, when)
            if _refusal(self._who_may(action.name, level, when), dossier, when, who) is None:
                kept.append(action)
        return tuple(kept)


def owner(dossier: Dossier) -> str | None:
    """The id of the actor who registered ``dossier`` (its owner under a policy)."""
    return dossier.history[0].actor if dossier.history else None


def recorded_actor(record: HistoryRecord) -> Actor:
    """The actor of a history record made under a policy; :class:`InvalidInput` otherwise."""
    entry = record.details.get("actor")
    if not isinstance(entry, Mapping) or record.actor is None:
        raise InvalidInput(
            "'details.actor' is missing: the record was made without an access policy "
            f"(actor {record.actor!r})"
        )
    extra = sorted(set(entry) - {"role", "province", "district", "commune"})
    if extra:
        raise InvalidInput(f"'details.actor' holds unknown fields {', '.join(extra)}")
    return Actor(
        record.actor,
        entry.get("role"),  # checked by Actor
        province=entry.get("province"),
        district=entry.get("district"),
        commune=entry.get("commune"),
    )


# -- machinery -------------------------------------------------------------------------------


def _actor(actor: object) -> Actor:
    if not isinstance(actor, Actor):
        raise InvalidInput(f"'actor' must be an Actor under an access policy (got {shown(actor)})")
    return actor


def _actor_value(actor: object, field: str) -> Actor:
    if not isinstance(actor, Actor):
        raise InvalidInput(f"{field!r} must be an Actor (got {shown(actor)})")
    return actor


def _in_charge(
    workflow: Workflow, dossier: Dossier, action: ActionName, day: dt.date
) -> Level | None:
    """The level in charge of ``action`` on ``dossier`` under the rules of ``day``: the level
    that issues the certificate (certify) or recognises the certificate's stars (revoke, expire,
    extend); None when it cannot be told (the operation will refuse on its own)."""
    if action not in _LEVELLED or action is ActionName.SCORE:
        return None
    try:
        rules = workflow._timeline.at(day).rules
    except InvalidInput:
        return None
    if action is ActionName.CERTIFY:
        issue = workflow._issue(dossier, rules)
        return None if issue is None else issue.level
    certificate = dossier.certificate
    return None if certificate is None else rules.recognising_level(certificate.stars)


@attrs.frozen
class _Where:
    """A dossier's units as they stand on a day: codes of its province, district (None after
    the reform) and commune(s) (several when an old commune was divided)."""

    province: units.Unit
    district: units.Unit | None
    communes: tuple[units.Unit, ...]


def _dossier_units(dossier: Dossier, day: dt.date) -> _Where:
    place = units.place_of(dossier)
    if day < units.REFORM or place.reformed:
        return _Where(place.province, place.district, (place.commune,))
    after = units.successor(place)
    return _Where(after.province, None, after.communes)


def _refusal(grants: tuple[Grant, ...], dossier: Dossier, day: dt.date, who: Actor) -> str | None:
    """Why ``who`` may not act under ``grants``, or None when one of them allows it."""
    mine = [g for g in grants if g.role is who.role]
    if not mine:
        return f"a {who.role.en} may not"
    if any(g.scope is Scope.OWNER for g in mine):
        if owner(dossier) == who.id:
            return None
        return f"the dossier belongs to {owner(dossier)!r}"
    if any(g.scope is Scope.NATIONAL for g in mine):
        return None
    where = _dossier_units(dossier, day)
    acting = _acting_units(who, day)
    for scope in (Scope.PROVINCE, Scope.DISTRICT, Scope.COMMUNE):
        if any(g.scope is scope for g in mine) and _covers(scope, acting, where):
            return None
    if len(where.communes) > 1 and any(g.scope is Scope.COMMUNE for g in mine):
        names = ", ".join(u.name for u in where.communes)
        return f"its old commune was divided among {names}: no one commune has it"
    return "the dossier lies outside the actor's unit"


def _acting_units(who: Actor, day: dt.date) -> _Where:
    """The official units ``who`` names, on ``day``'s structure (those given; a district only
    before the reform); :class:`InvalidInput` naming the first unknown or ambiguous one."""
    structure = units.divisions(day)
    assert who.province is not None  # required by every role below the national level
    province = structure.province(who.province, "actor.province")
    district = None
    if who.district is not None:
        district = structure.district(province, who.district, "actor.district")
    communes: tuple[units.Unit, ...] = ()
    if who.commune is not None:
        communes = (structure.commune(province, district, who.commune, "actor.commune"),)
    return _Where(province, district, communes)


def _covers(scope: Scope, acting: _Where, where: _Where) -> bool:
    """Whether units ``acting`` for at ``scope`` hold a dossier whose units are ``where``: the
    same province, district or commune by official code. A dossier whose old commune was
    divided lies in no one commune (its province has it)."""
    if scope is Scope.PROVINCE:
        return acting.province.code == where.province.code
    if scope is Scope.DISTRICT:
        return (
            acting.district is not None
            and where.district is not None
            and acting.district.code == where.district.code
        )
    if scope is Scope.COMMUNE:
        return (
            len(acting.communes) == 1
            and len(where.communes) == 1
            and acting.communes[0].code == where.communes[0].code
        )
    return False


@attrs.frozen
class Jurisdiction:
    """The dossiers an actor acts for on a day (:func:`jurisdiction`): at ``scope``, those of
    ``unit`` (an official unit of that day's structure), of the producer ``owner``, or all of
    them (``Scope.NATIONAL``). ``current`` says whether dossiers are matched by the units that
    took their old ones' place (:func:`ocop_workflow.units.successor`, from the reform on) or
    by the units they were registered in (before it)."""

    scope: Scope
    day: dt.date
    unit: units.Unit | None = None
    owner: str | None = None
    acting: _Where | None = attrs.field(default=None, repr=False)

    @property
    def current(self) -> bool:
        """Whether dossiers are matched by their current units (the day is after the reform)."""
        return self.day >= units.REFORM

    def covers(self, dossier: Dossier) -> bool:
        """Whether ``dossier`` lies in this jurisdiction, by the matching the policy enforces
        (:meth:`AccessPolicy.permit`); a dossier whose location is not official units (free
        text of legacy data) lies in no unit's."""
        if not isinstance(dossier, Dossier):
            raise InvalidInput(f"'dossier' must be a Dossier (got {type(dossier).__name__})")
        if self.scope is Scope.NATIONAL:
            return True
        if self.scope is Scope.OWNER:
            return owner(dossier) == self.owner
        assert self.acting is not None  # set for every unit scope
        try:
            where = _dossier_units(dossier, self.day)
        except InvalidInput:
            return False
        return _covers(self.scope, self.acting, where)


def jurisdiction(actor: Actor, *, as_of: DateLike) -> Jurisdiction:
    """The dossiers ``actor`` acts for on ``as_of``: those of the unit of its role (the commune
    officer's commune, a district body's district, a province's council, committee or
    inspector's province; issue 11, item 5), the producer's own, or all for the central council
    and the ministry. The actor's units are those of ``as_of``'s structure (a district exists
    only before 1 July 2025: :class:`InvalidInput` after it, as for any unit not in force);
    from that day on, dossiers of the old divisions belong to the province and commune that
    took their place."""
    who = _actor_value(actor, "actor")
    day = to_date(as_of, "as_of")
    scope = _NATURAL[who.role]
    if scope is Scope.OWNER:
        return Jurisdiction(scope, day, owner=who.id)
    if scope is Scope.NATIONAL:
        return Jurisdiction(scope, day)
    acting = _acting_units(who, day)
    unit = {
        Scope.PROVINCE: acting.province,
        Scope.DISTRICT: acting.district,
        Scope.COMMUNE: acting.communes[0] if acting.communes else None,
    }[scope]
    assert unit is not None  # Actor requires the unit of its role
    return Jurisdiction(scope, day, unit, acting=acting)


def _entry(who: Actor, day: dt.date) -> Mapping[str, Any]:
    """What the history keeps of the actor besides the id: the role and the official names of
    the unit acted for (on that day's structure), so that replay can check it again."""
    names: dict[str, str | None] = {"province": None, "district": None, "commune": None}
    if _NATURAL[who.role] is not Scope.NATIONAL and who.province is not None:
        structure = units.divisions(day)
        province = structure.province(who.province, "actor.province")
        names["province"] = province.name
        district = None
        if who.district is not None:
            district = structure.district(province, who.district, "actor.district")
            names["district"] = district.name
        if who.commune is not None:
            names["commune"] = structure.commune(
                province, district, who.commune, "actor.commune"
            ).name
    return {"role": who.role.value, **names}


def _where(location: Location) -> str:
    return ", ".join(n for n in (location.commune, location.district, location.province) if n)


def _denied(
    who: Actor,
    action: ActionName,
    level: Level | None,
    dossier: Dossier,
    day: dt.date,
    grants: tuple[Grant, ...],
    reason: str,
) -> str:
    at = "" if level is None else f" at {level.value!r}"
    could = []
    for grant in grants:
        if grant.scope is Scope.OWNER:
            could.append(f"the producer who registered it ({owner(dossier)!r})")
        elif grant.scope is Scope.NATIONAL:
            could.append(f"the {grant.role.en}")
        else:
            could.append(f"the {grant.role.en} of {_unit_at(dossier, day, grant.scope)}")
    return (
        f"actor {who} may not {action.value}{at} the dossier of {_where(dossier.location)} on "
        f"{day} ({reason}); who may: {', '.join(could) or 'no one'}"
    )


def _unit_at(dossier: Dossier, day: dt.date, scope: Scope) -> str:
    where = _dossier_units(dossier, day)
    if scope is Scope.PROVINCE:
        return where.province.name
    if scope is Scope.DISTRICT and where.district is not None:
        return where.district.name
    return " or ".join(u.name for u in where.communes)
