"""Random sequences of operations, valid and invalid, with invariants checked after each step."""

import datetime as dt
import itertools
import math

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ocop_workflow import (
    Action,
    ActionName,
    Dossier,
    DossierKind,
    DossierState,
    Level,
    OcopError,
    RevocationReason,
    Workflow,
    rulesets,
)
from ocop_workflow.dates import add_months
from ocop_workflow.rules import RouteKind
from ocop_workflow.testing import SAMPLE_PRODUCT
from tests.documents import assert_valid_document
from tests.strategies import scores

WF = Workflow(rulesets.QD148_2023)
START = dt.date(2023, 3, 1)

# Mostly forward in time, sometimes backwards (which must be refused), sometimes years ahead.
offsets = st.one_of(
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=-30, max_value=-1),
    st.integers(min_value=900, max_value=1200),
)
levels = st.sampled_from(list(Level))
any_scores = st.one_of(
    scores,
    st.sampled_from([49.99, 50.0, 69.99, 70.0, 89.99, 90.0]),
    st.floats(),
    st.integers(min_value=-5, max_value=105),
)
reasons = st.sampled_from([r.value for r in RevocationReason] + ["bored"])


# The facts page's tables (sections 1 and 2), restated here independently of ocop_workflow.rules
# so that the oracle does not share the code under test.
D, P, C = Level.DISTRICT, Level.PROVINCE, Level.CENTRAL
REGIMES = (  # code, first day, scoring levels, who recognises 3/4/5 stars, forwarding thresholds
    ("QD1048_2019", dt.date(2019, 8, 21), (D, P, C), {3: P, 4: P, 5: C}, {D: 50, P: 90}),
    ("QD148_2023", dt.date(2023, 2, 24), (D, P, C), {3: D, 4: P, 5: C}, {D: 70, P: 90}),
    ("QD1489_2025", dt.date(2025, 7, 6), (P, C), {3: P, 4: P, 5: C}, {P: 90}),
    ("QD26_2026", dt.date(2026, 7, 21), (P, C), {3: P, 4: P, 5: C}, {P: 90}),
)


# Section 8 (reported for 1048): the province certifies 4 stars for the score it forwards, and
# the dossier holds that certificate while the centre evaluates it.
HELD = {"QD1048_2019": (P, 4)}
HELD_UNTIL = dt.date(2023, 2, 24)  # 148 holds none
HOLDING = (DossierState.CERTIFIED, DossierState.CERTIFIED_FORWARDED)

# Revocation grounds by regime (facts page sections 4.8 and 6), restated for the oracle.
GROUNDS_148 = {"no_longer_meets_criteria", "breach_of_rules", "not_reevaluated"}
GROUNDS = {
    "QD1048_2019": GROUNDS_148,
    "QD148_2023": GROUNDS_148,
    "QD1489_2025": GROUNDS_148,
    "QD26_2026": {
        "false_dossier",
        "no_longer_meets_criteria",
        "breach_of_law",
        "misuse_of_mark",
        "production_stopped",
        "other_authority_finding",
    },
}


def revocable(d, reason, on):
    """Section 8's rules: 'not re-evaluated' only on or after the expiry (also once marked
    expired); every other ground of the regime of the day only while the certificate is valid."""
    if d.state not in (*HOLDING, DossierState.EXPIRED) or on < d.last_step_on:
        return False
    if reason not in GROUNDS[regime_on(on)[0]]:
        return False
    if reason == "not_reevaluated":
        return on >= d.certificate.expires_on
    return d.state in HOLDING and on < d.certificate.expires_on


def regime_on(day):
    return [r for r in REGIMES if r[1] <= day][-1]


def placed(code, value):
    """1048's whole-number bands round half up (the library's default policy); later, as is."""
    return math.floor(value + 0.5) if code == "QD1048_2019" else value


def expected_route(day, level, value):
    """(kind, stars, level) of a score ``value`` given at ``level``, judged under the regime of
    ``day``. (This test scores with bare numbers: no per-star minimums cap the stars.)"""
    code, _, scoring, recogniser, forwards = regime_on(day)
    stars = 1 + sum(placed(code, value) >= t for t in (30, 50, 70, 90))
    if stars < 3:
        return (RouteKind.NOT_RECOGNISED, stars, None)
    by = recogniser[stars]
    threshold = forwards.get(level)
    if threshold is not None and placed(code, value) >= threshold and by.rank > level.rank:
        return (RouteKind.FORWARD, stars, scoring[scoring.index(level) + 1])
    return (RouteKind.RECOGNISE, stars, by)


def judged(score, on):
    """Where a dossier's ``score`` leads on ``on``: re-judged under that day's regime when its
    level still scores; otherwise as it was given, carried to the levels of the day (forwarded to
    the next level that exists, or recognised by the level that now recognises its stars)."""
    _, _, scoring, recogniser, _ = regime_on(on)
    if score.level in scoring:
        return expected_route(on, score.level, score.value)
    kind, stars, _ = expected_route(score.on, score.level, score.value)
    if kind is RouteKind.FORWARD:
        return (kind, stars, next(lv for lv in scoring if lv.rank > score.level.rank))
    return (kind, stars, recogniser[stars])


class DossierLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dossiers: list[Dossier] = []
        self.validated: set[tuple[int, int]] = set()
        self.numbers = 0

    # -- helpers -------------------------------------------------------------------------------

    def attempt(self, operation, *touched):
        """Run ``operation``; if it fails with our error, the touched dossiers must be unchanged."""
        before = [d.to_dict() for d in touched]
        try:
            operation()
        except OcopError:
            assert [d.to_dict() for d in touched] == before

    def day(self, dossier, offset):
        return dossier.last_step_on + dt.timedelta(days=offset)

    # -- rules ---------------------------------------------------------------------------------

    @initialize(offset=st.integers(min_value=0, max_value=400))
    def first_dossier(self, offset):
        self.dossiers.append(
            WF.register(**SAMPLE_PRODUCT, submitted_on=START + dt.timedelta(days=offset))
        )

    @rule(
        # Under 148 mostly; sometimes from mid-2025 on, across 1489 and 26/2026; sometimes under
        # 1048, some of those finished under 148.
        offset=st.one_of(
            st.integers(min_value=0, max_value=400),
            st.integers(min_value=800, max_value=1600),
            st.integers(min_value=-1200, max_value=-30),
        ),
        sheet=st.integers(min_value=0, max_value=27),
    )
    def register(self, offset, sheet):
        fields = {**SAMPLE_PRODUCT, "sheet": sheet}
        try:
            dossier = WF.register(**fields, submitted_on=START + dt.timedelta(days=offset))
        except OcopError:
            assert sheet not in range(1, 27)
            return
        self.dossiers.append(dossier)

    @rule(
        data=st.data(),
        offset=offsets,
        kind=st.sampled_from([DossierKind.UPGRADE, DossierKind.REEVALUATION]),
    )
    def register_renewal(self, data, offset, kind):
        holders = [d for d in self.dossiers if d.certificate is not None]
        old = data.draw(
            st.sampled_from(holders if holders and data.draw(st.booleans()) else self.dossiers)
        )
        try:
            dossier = WF.register(
                **SAMPLE_PRODUCT, submitted_on=self.day(old, abs(offset)), kind=kind, renews=old
            )
        except OcopError as error:
            # Refused only when there is nothing to renew, or outside 26/2026's filing window.
            outside_window = "re-evaluation must fall between" in str(error)
            renewable = old.state in (*HOLDING, DossierState.EXPIRED)
            assert outside_window or not renewable
            return
        self.dossiers.append(dossier)

    @rule(
        data=st.data(),
        score=st.floats(min_value=40.0, max_value=100.0),
        offset=st.integers(min_value=0, max_value=60),
    )
    def advance(self, data, score, offset):
        """A step that available_actions offers on that date; it must then succeed. Runs reach
        certificates, expiry, renewals and regime changes this way."""
        d = data.draw(st.sampled_from(self.dossiers))
        on = self.day(d, offset)
        offered = WF.available_actions(d, on=on)
        actions = [a for a in offered if a.name is not ActionName.WITHDRAW]
        if not actions:
            return
        action = data.draw(st.sampled_from(actions))
        event(f"offered {action.name.value}")
        if action.name is ActionName.REVIEW_AT_COMMUNE:
            WF.review_at_commune(d, passed=True, on=on)
        elif action.name is ActionName.RESUBMIT:
            WF.resubmit(d, on=on)
        elif action.name is ActionName.SCORE:
            WF.score(d, action.level, score, on=on)
        elif action.name is ActionName.CERTIFY:
            self.numbers += 1
            renewed = next(
                (
                    o
                    for o in self.dossiers
                    if o.certificate is not None and o.certificate.number == d.renews
                ),
                None,
            )
            if renewed is not None and renewed.last_step_on > on:
                # available_actions cannot see the other dossier's dates: ask again on its date.
                on = renewed.last_step_on
                if Action(ActionName.CERTIFY) not in WF.available_actions(d, on=on):
                    return
            WF.certify(d, on=on, number=f"N-{self.numbers}", renewed=renewed)
        elif action.name is ActionName.EXPIRE:
            assert d.certificate is not None
            WF.expire(d, on=max(on, d.certificate.expires_on))
        elif action.name is ActionName.EXTEND:
            assert d.certificate is not None
            earliest = max(d.certificate.expires_on, on)
            latest = add_months(d.certificate.issued_on, 36) + dt.timedelta(days=180)
            assert earliest < latest  # offered, so there is room
            days = data.draw(st.integers(min_value=1, max_value=(latest - earliest).days))
            WF.extend(d, until=earliest + dt.timedelta(days=days), on=on)
        elif action.name is ActionName.KNOCK_OUT:
            WF.knock_out(
                d,
                ground=data.draw(
                    st.sampled_from(sorted(k.value for k in WF.rules_on(on).knockouts))
                ),
                on=on,
            )
        elif action.name is ActionName.REVOKE:
            allowed = sorted(r.value for r in RevocationReason if revocable(d, r.value, on))
            assert allowed, "revoke was offered, so some ground applies that day"
            WF.revoke(d, reason=data.draw(st.sampled_from(allowed)), on=on)
            assert d.state is DossierState.REVOKED
        elif action.name is ActionName.INSPECT:
            grounds = data.draw(st.lists(st.sampled_from(sorted(GROUNDS["QD26_2026"])), max_size=2))
            found = WF.inspect(d, on=on, findings=grounds)
            assert {g.value for g in found} == set(grounds) & GROUNDS[regime_on(on)[0]]
            assert d.state in HOLDING
        elif action.name is ActionName.NOTIFY_EXPIRY:
            on_time = WF.notify_expiry(d, on=on)
            assert on_time is (on <= d.certificate.expires_on - dt.timedelta(days=30))
            assert d.state in HOLDING

    @rule(
        data=st.data(),
        gap=st.integers(min_value=1, max_value=200),
        score=st.floats(min_value=50.0, max_value=100.0),
    )
    def renew_through(self, data, gap, score):
        """Upgrade a certified product and carry the new dossier through every step offered until
        its certificate supersedes the old one (single random steps rarely get that far)."""
        holders = [d for d in self.dossiers if d.state is DossierState.CERTIFIED]
        if not holders:
            return
        old = data.draw(st.sampled_from(holders))
        new = WF.register(
            **SAMPLE_PRODUCT,
            submitted_on=old.last_step_on + dt.timedelta(days=gap),
            kind=DossierKind.UPGRADE,
            renews=old,
        )
        self.dossiers.append(new)
        on = new.last_step_on
        for _ in range(6):
            on += dt.timedelta(days=7)
            offered = [
                a for a in WF.available_actions(new, on=on) if a.name is not ActionName.WITHDRAW
            ]
            if not offered:
                return  # overdue under 26/2026's transitional deadlines
            action = offered[0]
            if action.name is ActionName.REVIEW_AT_COMMUNE:
                WF.review_at_commune(new, passed=True, on=on)
            elif action.name is ActionName.SCORE:
                assert action.level is not None
                WF.score(new, action.level, score, on=on)
            else:
                assert action.name is ActionName.CERTIFY
                self.numbers += 1
                WF.certify(new, on=on, number=f"N-{self.numbers}", renewed=old)
                assert old.state is DossierState.SUPERSEDED
                assert old.history[-1].details == {"by": f"N-{self.numbers}"}
                return
        raise AssertionError(f"not certified after six steps: {new.state.value}")

    @rule(
        data=st.data(),
        offset=st.integers(min_value=-1280, max_value=-30),
        score=st.floats(min_value=88.0, max_value=100.0),
        central=st.floats(min_value=0.0, max_value=100.0),
    )
    def forward_under_1048(self, data, offset, score, central):
        """A 1048 five-star candidate carried through the steps offered, taking the first each
        week, up to a random step: it reaches the certificate held while forwarded (section 8),
        sometimes the centre's score and certificate, sometimes across the change to 148."""
        d = WF.register(**SAMPLE_PRODUCT, submitted_on=START + dt.timedelta(days=offset))
        self.dossiers.append(d)
        on = d.last_step_on
        for _ in range(data.draw(st.integers(min_value=1, max_value=7))):
            on += dt.timedelta(days=data.draw(st.sampled_from([7, 60])))
            offered = [
                a for a in WF.available_actions(d, on=on) if a.name is not ActionName.WITHDRAW
            ]
            if not offered or offered[0].name not in (
                ActionName.REVIEW_AT_COMMUNE,
                ActionName.SCORE,
                ActionName.CERTIFY,
            ):
                return
            # Mostly the province's certificate first (section 8); sometimes straight to the centre.
            certify = Action(ActionName.CERTIFY)
            prefer = certify in offered and data.draw(st.integers(0, 3)) > 0
            action = certify if prefer else offered[0]
            if action.name is ActionName.REVIEW_AT_COMMUNE:
                WF.review_at_commune(d, passed=True, on=on)
            elif action.name is ActionName.SCORE:
                assert action.level is not None
                WF.score(d, action.level, central if action.level is C else score, on=on)
            else:
                self.numbers += 1
                WF.certify(d, on=on, number=f"N-{self.numbers}")

    @rule(data=st.data(), passed=st.booleans(), offset=offsets)
    def review(self, data, passed, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        self.attempt(lambda: WF.review_at_commune(d, passed=passed, on=self.day(d, offset)), d)

    @rule(data=st.data(), offset=offsets)
    def resubmit(self, data, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        self.attempt(lambda: WF.resubmit(d, on=self.day(d, offset)), d)

    @rule(data=st.data(), score=any_scores, offset=offsets)
    def score(self, data, score, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        # Mostly the level the dossier waits for, so that runs get deep; sometimes any level.
        expected = [a.level for a in WF.available_actions(d) if a.level is not None]
        level = data.draw(
            st.sampled_from(expected) if expected and data.draw(st.booleans()) else levels
        )
        self.attempt(lambda: WF.score(d, level, score, on=self.day(d, offset)), d)

    @rule(data=st.data(), offset=offsets)
    def certify(self, data, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        renewed = data.draw(st.sampled_from([None, *self.dossiers]))
        self.numbers += 1
        touched = (d,) if renewed is None or renewed is d else (d, renewed)
        self.attempt(
            lambda: WF.certify(
                d, on=self.day(d, offset), number=f"N-{self.numbers}", renewed=renewed
            ),
            *touched,
        )

    @rule(data=st.data(), offset=offsets)
    def expire(self, data, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        self.attempt(lambda: WF.expire(d, on=self.day(d, offset)), d)

    @rule(data=st.data(), reason=reasons, offset=offsets)
    def revoke(self, data, reason, offset):
        """Succeeds exactly when the oracle says the ground applies that day."""
        d = data.draw(st.sampled_from(self.dossiers))
        on = self.day(d, offset)
        expected = revocable(d, reason, on)
        steps = len(d.history)
        self.attempt(lambda: WF.revoke(d, reason=reason, on=on), d)
        assert (len(d.history) > steps) is expected
        if expected:
            assert d.state is DossierState.REVOKED

    @rule(data=st.data(), offset=offsets, grounds=st.lists(reasons, max_size=2))
    def inspect(self, data, offset, grounds):
        """Recorded on a certificate valid that day, state unchanged; otherwise refused."""
        d = data.draw(st.sampled_from(self.dossiers))
        on = self.day(d, offset)
        state, steps = d.state, len(d.history)
        self.attempt(lambda: WF.inspect(d, on=on, findings=grounds), d)
        expected = (
            state in HOLDING
            and d.last_step_on <= on < d.certificate.expires_on
            and set(grounds) <= GROUNDS["QD26_2026"] | GROUNDS_148 - {"not_reevaluated"}
        )
        assert (len(d.history) > steps) is expected
        assert d.state is state

    @rule(data=st.data(), offset=offsets)
    def notify(self, data, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        on = self.day(d, offset)
        state, steps = d.state, len(d.history)
        expected = state in HOLDING and on < d.certificate.expires_on
        self.attempt(lambda: WF.notify_expiry(d, on=on), d)
        assert (len(d.history) > steps) is (expected and on >= d.history[steps - 1].on)
        assert d.state is state

    @rule(data=st.data(), offset=offsets)
    def withdraw(self, data, offset):
        d = data.draw(st.sampled_from(self.dossiers))
        self.attempt(lambda: WF.withdraw(d, on=self.day(d, offset)), d)

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def certificates_follow_the_rules(self):
        for d in self.dossiers:
            cert = d.certificate
            if d.state in HOLDING:
                assert cert is not None
            if cert is None:
                assert d.state not in (*HOLDING, DossierState.EXPIRED)
                continue
            assert cert.stars in (3, 4, 5)
            # 36 months, or later by an extension of at most 180 days (26/2026).
            first_end = add_months(cert.issued_on, 36)
            extended = [r for r in d.history if r.action == "extend"]
            if extended:
                assert cert.expires_on == dt.date.fromisoformat(extended[-1].details["until"])
                assert first_end < cert.expires_on <= first_end + dt.timedelta(days=180)
            else:
                assert cert.expires_on == first_end
            # The scores the rules require: each score was forwarded to the next one by the rules
            # in force when the next one was given, and the last one is recognised with these
            # stars by this level under the rules of the certificate's date.
            # A score forwarded while a certificate is held stays forwarded: judged on the day
            # that certificate was issued.
            issued = [r for r in d.history if r.action == "certify"]
            held_on = next(
                (r.on for r in issued if r.to_state is DossierState.CERTIFIED_FORWARDED), None
            )
            scores = sorted(d.scores.values(), key=lambda s: s.level.rank)
            for lower, upper in itertools.pairwise(scores):
                on = held_on if held_on is not None and upper.level is C else upper.on
                kind, _, level = judged(lower, on)
                assert (kind, level) == (RouteKind.FORWARD, upper.level)
            if issued[-1].to_state is DossierState.CERTIFIED_FORWARDED:
                # Held while forwarded: the province's score was forwarded to the centre when the
                # certificate was issued, and the province holds it at its highest stars...
                assert judged(d.scores[P], cert.issued_on)[::2] == (RouteKind.FORWARD, C)
                assert HELD[regime_on(cert.issued_on)[0]] == (cert.level, cert.stars)
                central = d.scores.get(C)
                reaches = central is not None and judged(central, central.on)[::2] == (
                    RouteKind.RECOGNISE,
                    C,
                )
                if d.state is DossierState.CERTIFIED:  # ...kept: under 5 stars, or withdrawn
                    left = next(
                        r
                        for r in d.history
                        if r.from_state is DossierState.CERTIFIED_FORWARDED
                        and r.to_state is DossierState.CERTIFIED
                    )
                    assert left.action == "withdraw" or (left.action == "score" and not reaches)
                    event("held certificate kept")
                if d.state is DossierState.CERTIFIED_FORWARDED:  # ...waiting: not yet, or 5
                    assert central is None or reaches
            else:
                assert judged(scores[-1], cert.issued_on) == (
                    RouteKind.RECOGNISE,
                    cert.stars,
                    cert.level,
                )
                # The centre's certificate of a held dossier replaced the held one.
                assert [r.to_state for r in issued[:-1]] in (
                    [],
                    [DossierState.CERTIFIED_FORWARDED],
                )
                if issued[:-1]:
                    event("held certificate replaced by the centre's")

    @invariant()
    def a_forwarded_1048_province_score_may_be_certified(self):
        """Section 8: under 1048 the province certifies the score it forwards to the centre."""
        for d in self.dossiers:
            if d.state is not DossierState.PROVINCE_SCORED or not d.history[-1].on < HELD_UNTIL:
                continue
            kind = judged(d.scores[P], d.last_step_on)[0]
            if kind is RouteKind.FORWARD and regime_on(d.last_step_on)[0] in HELD:
                assert Action(ActionName.CERTIFY) in WF.available_actions(d)
                assert Action(ActionName.SCORE, C) in WF.available_actions(d)

    @invariant()
    def states_are_known_to_the_regime_in_force(self):
        for d in self.dossiers:
            assert d.state in WF._timeline.at(d.last_step_on).machine.states

    @invariant()
    def history_chains_and_replays(self):
        for d in self.dossiers:
            records = d.history
            assert records[0].from_state is None
            for earlier, later in itertools.pairwise(records):
                assert later.from_state is earlier.to_state
                assert later.on >= earlier.on
            assert records[-1].to_state is d.state
            assert WF.replay(records) == d

    @invariant()
    def report_states_reached(self):
        # Shown by --hypothesis-show-statistics: proof that the runs reach the deep states.
        for state in {d.state for d in self.dossiers}:
            event(f"state {state.value}")

    @invariant()
    def dict_form_round_trips(self):
        for index, d in enumerate(self.dossiers):
            data = d.to_dict()
            # The JSON Schema holds for every document written: checked once per step of each
            # dossier (every change appends a history record), as validating is slow.
            if (index, len(d.history)) not in self.validated:
                assert_valid_document(data)
                self.validated.add((index, len(d.history)))
            assert Dossier.from_dict(data) == d


DossierLifecycle.TestCase.settings = settings(
    settings(), max_examples=max(200, settings().max_examples), stateful_step_count=50
)
TestDossierLifecycle = DossierLifecycle.TestCase
