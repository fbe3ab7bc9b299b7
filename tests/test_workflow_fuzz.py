"""A second stateful property test, independent of ``test_workflow_machine``'s oracle.

It drives several dossiers with random operations, random dates (out of order too) and random,
often invalid, arguments under the whole timeline of regimes, and asserts after every step:
- a refusal is an :class:`OcopError` and changes nothing (every dossier's stored form is as before);
- ``from_dict(to_dict())`` and ``replay(history)`` reproduce every dossier;
- every action ``available_actions`` offers on a date succeeds when performed then with valid
  arguments (tried on a replayed copy, so the dossiers themselves are not moved by the check).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import event, reject, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ocop_workflow import (
    ActionName,
    Dossier,
    DossierKind,
    KnockOut,
    Level,
    OcopError,
    RevocationReason,
    Workflow,
    rulesets,
)
from ocop_workflow.testing import SAMPLE_PRODUCT, certified_dossier
from ocop_workflow.workflow.inspections import grounds_on
from tests.documents import assert_valid_document
from tests.strategies import dates

WF = Workflow(rulesets.QD148_2023)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.just(10**400),
    st.lists(st.integers(), max_size=2),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(9999, 12, 31)),
)
"""Arguments of every wrong kind."""


class Later(int):
    """A number of days after the dossier's latest step (mostly valid dates)."""


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` three times in four, else ``bad`` (one_of would weigh them equally)."""
    return st.integers(min_value=0, max_value=3).flatmap(lambda i: bad if i == 0 else good)


score_values = mostly(st.floats(min_value=0, max_value=100), junk)
levels = mostly(
    st.sampled_from(Level), st.one_of(st.sampled_from([lv.value for lv in Level]), junk)
)
reasons = mostly(st.sampled_from(RevocationReason), junk)
grounds = mostly(st.sampled_from(KnockOut), junk)
when = mostly(
    mostly(
        st.integers(min_value=-3, max_value=60).map(Later),
        st.integers(min_value=0, max_value=1500).map(Later),
    ),
    st.one_of(dates, dates.map(dt.date.isoformat), junk),
)
"""An operation's date: mostly some days after the latest step, sometimes any date or junk."""


def resolve(on: object, d: Dossier) -> object:
    if isinstance(on, Later):
        return d.last_step_on + dt.timedelta(days=int(on))
    return on


def stored(dossiers: list[Dossier]) -> list[str]:
    return [json.dumps(d.to_dict(), sort_keys=True) for d in dossiers]


class ManyDossiers(RuleBasedStateMachine):
    handles = Bundle("handles")

    def __init__(self) -> None:
        super().__init__()
        self.dossiers: list[Dossier] = []
        self.numbers = 0
        self.validated: set[tuple[int, int]] = set()

    def attempt(self, operation: Any) -> None:
        """Run ``operation``; a refusal must be an OcopError and change no dossier."""
        before = stored(self.dossiers)
        try:
            operation()
        except OcopError:
            assert stored(self.dossiers) == before
        except Exception as error:  # any other exception escaping is a bug
            raise AssertionError(f"{type(error).__name__} escaped: {error}") from error

    @initialize(
        target=handles,
        on=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
        score=st.floats(min_value=50, max_value=100),
    )
    def certified(self, on: dt.date, score: float) -> int:
        """Start from a certified dossier, so that runs reach renewals, expiries and
        revocations as well as the steps before."""
        district = None if on.year > 2025 else "Mai Sơn"
        try:
            self.dossiers.append(
                certified_dossier(WF, score, on=on, number="C-0", district=district)
            )
        except OcopError:  # the builder's steps ran past a regime's transitional deadline
            reject()
        return len(self.dossiers) - 1

    @precondition(lambda self: len(self.dossiers) < 4)
    @rule(
        target=handles,
        on=dates,
        sheet=st.one_of(st.integers(1, 26), junk),
        valid=mostly(st.just(True), st.just(False)),
    )
    def register(self, on: dt.date, sheet: object, valid: bool) -> int:
        fields = {**SAMPLE_PRODUCT, "sheet": sheet if not valid else 13}
        if on >= dt.date(2025, 7, 6):
            fields["district"] = None if valid else fields["district"]
        made: list[Dossier] = []
        self.attempt(lambda: made.append(WF.register(**fields, submitted_on=on)))
        self.dossiers.extend(made)
        return len(self.dossiers) - 1 if made else -1

    @precondition(lambda self: len(self.dossiers) < 6)
    @rule(renewing=handles, on=when, kind=st.sampled_from(DossierKind))
    def renew(self, renewing: int, on: object, kind: DossierKind) -> None:
        made: list[Dossier] = []
        old = self.dossiers[renewing] if renewing >= 0 else None
        on = resolve(on, old) if old is not None else on
        fields = {**SAMPLE_PRODUCT, "district": None}
        self.attempt(
            lambda: made.append(
                WF.register(**fields, submitted_on=on, kind=kind, renews=old)  # type: ignore[arg-type]
            )
        )
        self.dossiers.extend(made)

    @rule(handle=handles, passed=mostly(st.booleans(), junk), on=when)
    def review(self, handle: int, passed: object, on: object) -> None:
        if handle >= 0:
            d = self.dossiers[handle]
            on = resolve(on, d)
            self.attempt(lambda: WF.review_at_commune(d, passed=passed, on=on))  # type: ignore[arg-type]

    @rule(handle=handles, level=levels, score=score_values, on=when)
    def score(self, handle: int, level: object, score: object, on: object) -> None:
        if handle >= 0:
            d = self.dossiers[handle]
            on = resolve(on, d)
            self.attempt(lambda: WF.score(d, level, score, on=on))  # type: ignore[arg-type]

    @rule(handle=handles, on=when, renewed=st.one_of(st.none(), handles, junk))
    def certify(self, handle: int, on: object, renewed: object) -> None:
        if handle < 0:
            return
        d = self.dossiers[handle]
        on = resolve(on, d)
        other = (
            self.dossiers[renewed]
            if type(renewed) is int and 0 <= renewed < len(self.dossiers)
            else renewed
        )
        self.numbers += 1
        number = f"N-{self.numbers}"
        self.attempt(lambda: WF.certify(d, on=on, number=number, renewed=other))  # type: ignore[arg-type]

    @rule(
        handle=handles,
        action=st.sampled_from(["resubmit", "withdraw", "expire"]),
        on=when,
    )
    def plain(self, handle: int, action: str, on: object) -> None:
        if handle >= 0:
            d = self.dossiers[handle]
            on = resolve(on, d)
            self.attempt(lambda: getattr(WF, action)(d, on=on))

    @rule(handle=handles, reason=reasons, on=when, by=st.one_of(st.none(), levels))
    def revoke(self, handle: int, reason: object, on: object, by: object) -> None:
        if handle >= 0:
            d = self.dossiers[handle]
            on = resolve(on, d)
            self.attempt(lambda: WF.revoke(d, reason=reason, on=on, by=by))  # type: ignore[arg-type]

    @rule(handle=handles, ground=grounds, on=when)
    def knock_out(self, handle: int, ground: object, on: object) -> None:
        if handle >= 0:
            d = self.dossiers[handle]
            on = resolve(on, d)
            self.attempt(lambda: WF.knock_out(d, ground=ground, on=on))  # type: ignore[arg-type]

    @rule(handle=handles, until=when, on=when)
    def extend(self, handle: int, until: object, on: object) -> None:
        if handle >= 0:
            d = self.dossiers[handle]
            on, until = resolve(on, d), resolve(until, d)
            self.attempt(lambda: WF.extend(d, until=until, on=on))  # type: ignore[arg-type]

    def teardown(self) -> None:
        for d in self.dossiers:
            event(f"state reached: {d.state.value}")

    @invariant()
    def stored_forms_and_histories_reproduce_every_dossier(self) -> None:
        for index, d in enumerate(self.dossiers):
            data = json.loads(json.dumps(d.to_dict()))
            # The JSON Schema holds for every stored form: checked once per step of each dossier.
            if (index, len(d.history)) not in self.validated:
                assert_valid_document(data)
                self.validated.add((index, len(d.history)))
            assert Dossier.from_dict(data, workflow=WF) == d
            assert WF.replay(d.history) == d

    @rule(
        handle=handles,
        later=mostly(
            st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=1200)
        ),
        pick=st.integers(0, 9),
    )
    def advance(self, handle: int, later: int, pick: int) -> None:
        """Move a dossier on by one of the actions offered (so that runs reach certificates,
        renewals and expiries); performing an offered action must succeed."""
        if handle < 0:
            return
        d = self.dossiers[handle]
        day = d.last_step_on + dt.timedelta(days=later if pick else 0)
        rare = (ActionName.WITHDRAW, ActionName.KNOCK_OUT, ActionName.REVOKE)
        offered = [a for a in WF.available_actions(d, on=day) if pick == 9 or a.name not in rare]
        if offered:
            action = offered[pick % len(offered)]
            self.numbers += 1
            perform(d, self.renewed(d), action.name, action.level, day, f"A-{self.numbers}")

    def renewed(self, d: Dossier) -> Dossier | None:
        return next(
            (o for o in self.dossiers if o.certificate and o.certificate.number == d.renews), None
        )

    @rule(handle=handles, later=st.integers(min_value=-30, max_value=1500))
    def offered_actions_succeed(self, handle: int, later: int) -> None:
        if handle < 0:
            return
        d = self.dossiers[handle]
        day = d.last_step_on + dt.timedelta(days=later)
        for action in WF.available_actions(d, on=day):
            old = self.renewed(d)
            copies = WF.replay(d.history), None if old is None else WF.replay(old.history)
            perform(*copies, action.name, action.level, day, "OFFERED-1")


def perform(
    d: Dossier,
    renewed: Dossier | None,
    name: ActionName,
    level: Level | None,
    day: dt.date,
    number: str,
) -> None:
    """Perform an offered action with valid arguments; it must not be refused."""
    rules = WF.rules_on(day)
    if name is ActionName.REVIEW_AT_COMMUNE:
        WF.review_at_commune(d, passed=True, on=day)
    elif name is ActionName.SCORE:
        assert level is not None
        WF.score(d, level, 45.0 + day.toordinal() % 55, on=day)  # every band in turn
    elif name is ActionName.CERTIFY:
        WF.certify(d, on=day, number=number, renewed=renewed)
    elif name is ActionName.REVOKE:
        WF.revoke(d, reason=sorted(grounds_on(d, rules, day), key=str)[0], on=day)
    elif name is ActionName.KNOCK_OUT:
        WF.knock_out(d, ground=sorted(rules.knockouts, key=str)[0], on=day)
    elif name is ActionName.EXTEND:
        assert d.certificate is not None
        WF.extend(d, until=max(d.certificate.expires_on, day) + dt.timedelta(days=1), on=day)
    else:
        getattr(WF, name.value)(d, on=day)


ManyDossiers.TestCase.settings = settings(
    settings(), max_examples=max(40, settings().max_examples // 2), stateful_step_count=60
)
TestManyDossiers = ManyDossiers.TestCase
