"""Access control: actors, roles, the default policy, enforcement, replay of recorded actors."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_workflow import (
    DefinitionError,
    Dossier,
    InvalidInput,
    Level,
    OcopError,
    Workflow,
    rulesets,
)
from ocop_workflow.access import AccessPolicy, Actor, PermissionDenied, Role, Scope, owner
from ocop_workflow.workflow import ActionName
from tests.strategies import actor_pool, gaps, registration_days, scores

POLICY = AccessPolicy.default()
WF = Workflow(rulesets.QD148_2023, policy=POLICY)
OWNER = "htx-chieng-ban"
PRODUCER = Actor(OWNER, Role.PRODUCER)


def register(day, wf=WF):
    from ocop_workflow.units import REFORM

    return wf.register(
        product="Cà phê bột",
        sheet=13,
        producer="HTX Cà phê Chiềng Ban",
        province="Sơn La",
        district="Mai Sơn" if day < REFORM else None,
        commune="Chiềng Ban" if day < REFORM else "Chiềng Mai",
        submitted_on=day,
        actor=PRODUCER,
    )


def perform(wf, dossier, action, day, actor, data):
    """Perform ``action`` with valid arguments drawn by ``data``."""
    name = action.name
    rules = wf.rules_on(day)
    if name is ActionName.REVIEW_AT_COMMUNE:
        wf.review_at_commune(dossier, passed=data.draw(st.booleans()), on=day, actor=actor)
    elif name is ActionName.SCORE:
        wf.score(dossier, action.level, data.draw(scores), on=day, actor=actor)
    elif name is ActionName.CERTIFY:
        wf.certify(dossier, on=day, number=f"N-{len(dossier.history)}", actor=actor)
    elif name is ActionName.REVOKE:
        reason = data.draw(st.sampled_from(sorted(rules.revocation_reasons, key=str)))
        wf.revoke(dossier, reason=reason, on=day, actor=actor)
    elif name is ActionName.KNOCK_OUT:
        ground = data.draw(st.sampled_from(sorted(rules.knockouts, key=str)))
        wf.knock_out(dossier, ground=ground, on=day, actor=actor)
    elif name is ActionName.EXTEND:
        until = max(dossier.certificate.expires_on, day) + dt.timedelta(days=1)
        wf.extend(dossier, until=until, on=day, actor=actor)
    else:
        getattr(wf, name.value)(dossier, on=day, actor=actor)


@settings(max_examples=60)
@given(registration_days(), st.data())
def test_offered_actions_succeed_and_others_change_nothing(start, data):
    dossier = register(start)
    day = start
    for _ in range(8):
        day += data.draw(gaps)
        actions = WF.available_actions(dossier, on=day)
        if not actions:
            break
        pool = actor_pool(day, OWNER)
        offered = {a.id: WF.available_actions(dossier, on=day, actor=a) for a in pool}
        assert all(set(mine) <= set(actions) for mine in offered.values())
        # An actor the policy does not allow is refused and the dossier is left as it was.
        action = data.draw(st.sampled_from(actions))
        refused = [a for a in pool if action not in offered[a.id]]
        if refused:
            wrong = data.draw(st.sampled_from(refused))
            before = dossier.to_dict()
            with pytest.raises(OcopError) as caught:
                perform(WF, dossier, action, day, wrong, data)
            assert isinstance(caught.value, PermissionDenied | InvalidInput)
            assert dossier.to_dict() == before
        allowed = [a for a in pool if action in offered[a.id]]
        if not allowed:
            continue
        perform(WF, dossier, action, day, data.draw(st.sampled_from(allowed)), data)
    assert Dossier.from_dict(dossier.to_dict(), workflow=WF) == dossier


def test_a_june_2025_district_dossier_is_handled_in_august_by_the_province():
    d = register(dt.date(2025, 6, 2))
    commune = Actor("c", Role.COMMUNE_OFFICER, province="Sơn La", district="Mai Sơn",
                    commune="Chiềng Ban")  # fmt: skip
    WF.review_at_commune(d, passed=True, on="2025-06-10", actor=commune)
    district = Actor("d", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn")
    WF.score(d, Level.DISTRICT, 62.0, on="2025-06-20", actor=district)  # 3 stars, district's
    committee = Actor("dc", Role.DISTRICT_COMMITTEE, province="Sơn La", district="Mai Sơn")
    with pytest.raises(PermissionDenied, match="provincial People's Committee of Tỉnh Sơn La"):
        WF.certify(d, on="2025-08-05", number="SL-2025-1", actor=committee)
    province = Actor("pc", Role.PROVINCE_COMMITTEE, province="Sơn La")
    assert [a.name for a in WF.available_actions(d, on="2025-08-05", actor=province)] == [
        ActionName.CERTIFY
    ]
    WF.certify(d, on="2025-08-05", number="SL-2025-1", actor=province)
    assert d.certificate.level is Level.PROVINCE
    # The commune it now lies in is the successor of Chiềng Ban.
    successor = Actor("cm", Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Mai")
    assert WF.available_actions(d, on="2025-08-06", actor=successor) == ()


def test_refusal_names_actor_role_unit_operation_and_who_could():
    d = register(dt.date(2024, 3, 1))
    commune = Actor("c", Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Ban")
    WF.review_at_commune(d, passed=True, on="2024-03-15", actor=commune)
    moc_chau = Actor("u-17", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mộc Châu")
    with pytest.raises(PermissionDenied) as caught:
        WF.score(d, Level.DISTRICT, 75.0, on="2024-06-10", actor=moc_chau)
    message = str(caught.value)
    for part in ("'u-17'", "district council", "Mộc Châu", "score at 'district'",
                 "who may: the district council of Huyện Mai Sơn"):  # fmt: skip
        assert part in message
    assert len(d.history) == 2


def test_a_producer_acts_on_their_own_dossiers_only():
    d = register(dt.date(2024, 3, 1))
    assert owner(d) == OWNER
    with pytest.raises(PermissionDenied, match="belongs to 'htx-chieng-ban'"):
        WF.withdraw(d, on="2024-03-02", actor=Actor("other", Role.PRODUCER))
    WF.withdraw(d, on="2024-03-02", actor=PRODUCER)


def test_operations_under_a_policy_need_an_actor():
    d = register(dt.date(2024, 3, 1))
    with pytest.raises(InvalidInput, match="'actor' must be an Actor"):
        WF.review_at_commune(d, passed=True, on="2024-03-15", actor="UBND xã")


def test_without_a_policy_string_actors_work_and_actor_filters_are_refused():
    wf = Workflow(rulesets.QD148_2023)
    d = register(dt.date(2024, 3, 1), wf=Workflow(rulesets.QD148_2023, policy=POLICY))
    with pytest.raises(InvalidInput, match="'actor' must be a string or None"):
        wf.review_at_commune(d, passed=True, on="2024-03-15", actor=PRODUCER)
    with pytest.raises(InvalidInput, match="needs a workflow with an access policy"):
        wf.available_actions(d, actor=PRODUCER)
    with pytest.raises(InvalidInput, match="'units' must be True"):
        Workflow(rulesets.QD148_2023, policy=POLICY, units=False)


def test_the_history_records_role_and_unit_and_replay_checks_them():
    d = register(dt.date(2024, 3, 1))
    commune = Actor("c", Role.COMMUNE_OFFICER, province="sơn la", commune="xã chiềng ban")
    WF.review_at_commune(d, passed=True, on="2024-03-15", actor=commune)
    record = d.history[-1]
    assert record.actor == "c"
    assert dict(record.details["actor"]) == {
        "role": "commune_officer",
        "province": "Tỉnh Sơn La",
        "district": None,
        "commune": "Xã Chiềng Ban",
    }
    data = d.to_dict()
    assert Dossier.from_dict(data, workflow=WF) == d
    data["history"][1]["details"]["actor"]["commune"] = "Xã Chiềng Mai"
    with pytest.raises(InvalidInput, match="outside the actor's unit"):
        Dossier.from_dict(data, workflow=WF)
    with pytest.raises(InvalidInput, match="replay with one"):
        Dossier.from_dict(d.to_dict(), workflow=Workflow(rulesets.QD148_2023))


def test_unofficial_units_of_an_actor_are_refused():
    d = register(dt.date(2024, 3, 1))
    ghost = Actor("g", Role.COMMUNE_OFFICER, province="Atlantis", commune="Chiềng Ban")
    with pytest.raises(InvalidInput, match=r"'actor\.province' 'Atlantis'"):
        WF.review_at_commune(d, passed=True, on="2024-03-15", actor=ghost)
    assert len(d.history) == 1


@pytest.mark.parametrize(
    ("role", "fields", "message"),
    [
        (Role.DISTRICT_COUNCIL, {"province": "Sơn La"}, "'district' is required"),
        (Role.MINISTRY, {"province": "Sơn La"}, "'province' must be None"),
        (Role.PROVINCE_COUNCIL, {"province": "Sơn La", "commune": "x"}, "'commune' must be"),
        ("mayor", {}, "'role' must be one of"),
    ],
)
def test_actors_are_checked_when_made(role, fields, message):
    with pytest.raises(InvalidInput, match=message):
        Actor("x", role, **fields)


def test_roles_have_labels():
    assert Role.PROVINCE_COMMITTEE.vi == "UBND cấp tỉnh"
    assert Role.DISTRICT_COUNCIL.en == "district council"
    assert all(r.vi and r.en for r in Role)


def test_a_policy_must_cover_every_operation_of_every_regime():
    with pytest.raises(DefinitionError, match="no role may score at 'central' under QD1048"):
        POLICY.without(ActionName.SCORE, Role.CENTRAL_COUNCIL)
    with pytest.raises(DefinitionError, match="no role may extend at 'province' under QD26"):
        POLICY.without("extend", Role.PROVINCE_COMMITTEE)
    # 1048 to 1489 provide no extension: a timeline without 26/2026 needs no extender.
    AccessPolicy.default(timeline=rulesets.ALL[:3]).without("extend", Role.PROVINCE_COMMITTEE)
    with pytest.raises(DefinitionError, match="acts for a province, not for one commune"):
        POLICY.allowing("score", Role.PROVINCE_COUNCIL, scope=Scope.COMMUNE)


def test_a_derived_policy_lets_the_provincial_committee_record_province_scores():
    policy = AccessPolicy.default().allowing("score", Role.PROVINCE_COMMITTEE, level="province")
    wf = Workflow(rulesets.QD148_2023, policy=policy)
    d = register(dt.date(2024, 3, 1), wf=wf)
    commune = Actor("c", Role.COMMUNE_OFFICER, province="Sơn La", commune="Chiềng Ban")
    wf.review_at_commune(d, passed=True, on="2024-03-15", actor=commune)
    district = Actor("d", Role.DISTRICT_COUNCIL, province="Sơn La", district="Mai Sơn")
    wf.score(d, Level.DISTRICT, 75.0, on="2024-06-10", actor=district)
    secretary = Actor("s", Role.PROVINCE_COMMITTEE, province="Sơn La")
    wf.score(d, Level.PROVINCE, 78.0, on="2024-07-05", actor=secretary)
    assert d.scores[Level.PROVINCE].value == 78.0
    with pytest.raises(InvalidInput, match="may not score at 'province'"):  # not by default
        WF.replay(d.history)


def test_who_may_takes_values_and_iso_dates_like_the_rest_of_the_api():
    day = dt.date(2024, 1, 1)
    by_member = POLICY.who_may(ActionName.SCORE, Level.DISTRICT, day)
    assert by_member
    assert POLICY.who_may("score", "district", "2024-01-01") == by_member
    with pytest.raises(InvalidInput, match="'action' must be one of"):
        POLICY.who_may("promote", None, day)


@pytest.mark.parametrize("timeline", [None, "x", []])
def test_a_policy_timeline_must_be_rule_sets(timeline):
    with pytest.raises(InvalidInput, match="'timeline' must be"):
        AccessPolicy.default(timeline)
