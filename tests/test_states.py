import pytest

from ocop_workflow import rulesets
from ocop_workflow.errors import DefinitionError, TransitionNotAllowed
from ocop_workflow.rules import Level
from ocop_workflow.states import (
    FINAL_STATES,
    DossierMachine,
    DossierState,
    Event,
    Transition,
    _validate,
    transition_table,
)

LEVELS_148 = rulesets.QD148_2023.scoring_levels
WITHOUT_DISTRICT = (Level.PROVINCE, Level.CENTRAL)


class Model:
    def __init__(self, state):
        self.state = state


def test_every_state_has_vietnamese_and_english_labels():
    for state in DossierState:
        assert state.vi
        assert state.en
        assert state.vi != state.en


def test_148_after_1048_knows_every_state():
    # In the shipped timeline 148 follows 1048, whose certified-while-forwarded dossiers it
    # finishes; on its own it has no such state.
    assert set(DossierMachine.get(LEVELS_148, carried_held=True).states) == set(DossierState)
    assert DossierState.CERTIFIED_FORWARDED not in DossierMachine.get(LEVELS_148).states


def test_a_held_level_certifies_before_the_top_level_scores():
    # Facts page section 8 (1048): the province's certificate is held while the centre evaluates.
    machine = DossierMachine.get(LEVELS_148, held=Level.PROVINCE)
    held = DossierState.CERTIFIED_FORWARDED
    assert machine.destination(DossierState.PROVINCE_SCORED, Event.CERTIFY_FORWARDED) is held
    assert machine.destination(DossierState.PROVINCE_SCORED, Event.CERTIFY) is (
        DossierState.CERTIFIED
    )
    # The centre may still score a forwarded dossier holding nothing (recorded so before).
    assert machine.allows(DossierState.PROVINCE_SCORED, Event.SCORE_CENTRAL)
    assert machine.destination(held, Event.SCORE_CENTRAL) is held
    assert machine.destination(held, Event.KEEP_CERTIFICATE) is DossierState.CERTIFIED
    assert machine.destination(held, Event.CERTIFY) is DossierState.CERTIFIED
    assert machine.destination(held, Event.WITHDRAW) is DossierState.CERTIFIED
    assert machine.destination(held, Event.EXPIRE) is DossierState.EXPIRED
    assert machine.destination(held, Event.SUPERSEDE) is DossierState.SUPERSEDED
    assert machine.destination(held, Event.REVOKE) is DossierState.REVOKED
    assert not machine.allows(held, Event.EXTEND)


def test_only_the_level_below_the_top_can_be_held():
    with pytest.raises(DefinitionError, match="held='district'"):
        transition_table(LEVELS_148, held=Level.DISTRICT)


def test_without_district_the_province_scores_straight_after_the_commune():
    machine = DossierMachine.get(WITHOUT_DISTRICT)
    assert DossierState.DISTRICT_SCORED not in machine.states
    assert machine.allows(DossierState.COMMUNE_REVIEWED, Event.SCORE_PROVINCE)
    assert not machine.allows(DossierState.COMMUNE_REVIEWED, Event.SCORE_DISTRICT)


def test_one_machine_per_level_set_and_no_attached_models():
    machine = DossierMachine.get(LEVELS_148)
    assert DossierMachine.get(tuple(LEVELS_148)) is machine
    model = Model(DossierState.REGISTERED)
    machine.fire(model, Event.PASS_COMMUNE)
    assert model.state is DossierState.COMMUNE_REVIEWED
    assert machine._machine.models == []


def test_machine_error_becomes_transition_not_allowed_and_state_is_kept():
    machine = DossierMachine.get(LEVELS_148)
    model = Model(DossierState.REGISTERED)
    with pytest.raises(
        TransitionNotAllowed, match="'certify' is not allowed from state 'registered'"
    ):
        machine.fire(model, Event.CERTIFY)
    assert model.state is DossierState.REGISTERED


def test_event_of_a_missing_level_is_not_allowed():
    machine = DossierMachine.get(WITHOUT_DISTRICT)
    with pytest.raises(TransitionNotAllowed, match="does not exist"):
        machine.fire(Model(DossierState.COMMUNE_REVIEWED), Event.SCORE_DISTRICT)


def test_final_states_have_no_exit():
    for levels in (LEVELS_148, WITHOUT_DISTRICT):
        machine = DossierMachine.get(levels)
        for state in FINAL_STATES:
            assert machine.events_from(state) == ()


def test_destination_agrees_with_firing():
    machine = DossierMachine.get(LEVELS_148)
    for row in transition_table(LEVELS_148):
        for source in row.sources:
            model = Model(source)
            machine.fire(model, row.event)
            assert model.state is row.dest is machine.destination(source, row.event)


def test_table_with_unreachable_state_is_refused():
    table = (
        Transition(Event.PASS_COMMUNE, (DossierState.REGISTERED,), DossierState.COMMUNE_REVIEWED),
        Transition(Event.EXPIRE, (DossierState.CERTIFIED,), DossierState.EXPIRED),
    )
    with pytest.raises(DefinitionError, match="unreachable states: \\['certified', 'expired'\\]"):
        _validate(table)


def test_table_with_exit_from_a_final_state_is_refused():
    table = (
        Transition(Event.WITHDRAW, (DossierState.REGISTERED,), DossierState.WITHDRAWN),
        Transition(Event.RESUBMIT, (DossierState.WITHDRAWN,), DossierState.REGISTERED),
    )
    with pytest.raises(DefinitionError, match="leaves final states \\['withdrawn'\\]"):
        _validate(table)
