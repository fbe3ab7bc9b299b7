"""Diagrams: every state and arrow of each regime's table appears, and nothing else."""

import re
import shutil
from pathlib import Path

import attrs
import pytest

from ocop_workflow import InvalidInput, KnockOut, Level, TransitionNotAllowed, Workflow, rulesets
from ocop_workflow.diagrams import compare, diagram, dot, graph, mermaid
from ocop_workflow.labels import LANGUAGES, label, text
from ocop_workflow.states import FINAL_STATES, DossierState, Event, transition_table
from ocop_workflow.testing import registered_dossier

D, P, C = Level.DISTRICT, Level.PROVINCE, Level.CENTRAL
# The facts page's regimes (sections 1, 6 and 8), restated here: scoring levels, the levels
# earlier regimes had that this one has not, whether it has knock-outs and extensions, the level
# that certifies what it forwards (1048's province), and whether an earlier regime had one.
REGIMES = {
    "QD1048_2019": ((D, P, C), (), False, False, P, False),
    "QD148_2023": ((D, P, C), (), False, False, None, True),
    "QD1489_2025": ((P, C), (D,), False, False, None, True),
    "QD26_2026": ((P, C), (D,), True, True, None, True),
}
BY_CODE = {r.code: r for r in rulesets.ALL}
README = Path(__file__).resolve().parents[1] / "README.md"


def arrows(levels, legacy=(), knockouts=False, extensions=False, held=None, carried=False):
    found = set()
    for row in transition_table(levels, legacy, held, carried):
        if row.event is Event.KNOCK_OUT and not knockouts:
            continue
        if row.event is Event.EXTEND and not extensions:
            continue
        found |= {(source, row.event, row.dest) for source in row.sources}
    return found


def expected(code):
    levels, legacy, knockouts, extensions, held, carried = REGIMES[code]
    edges = arrows(levels, legacy, knockouts, extensions, held, carried)
    transitional = edges - arrows(levels, (), knockouts, extensions, held)
    states = {DossierState.REGISTERED} | {s for e in edges for s in (e[0], e[2])}
    plain = {DossierState.REGISTERED} | {s for e in edges - transitional for s in (e[0], e[2])}
    return states, edges, transitional, states - plain


def event_of(words, lang):
    """The event an arrow's words name, and the marks after it (the centre's score of a held
    dossier is labelled by what keeps it held: 5 stars)."""
    held = text("diagram.held_score", lang)
    if words == held or words.startswith(held + " ("):
        return Event.SCORE_CENTRAL, words[len(held) :]
    for event in Event:
        name = label(event, lang)
        if words == name:
            return event, ""
        if words.startswith(name + " ("):
            return event, words[len(name) :]
    raise AssertionError(f"no event is labelled {words!r}")


def state_of(words, lang):
    for state in DossierState:
        name = label(state, lang)
        if words == name or words.startswith(name + " ("):
            return state, words[len(name) :]
    raise AssertionError(f"no state is labelled {words!r}")


MERMAID_STATE = re.compile(r'state "(?P<words>[^"]*)" as (?P<id>\w+)')
MERMAID_ARROW = re.compile(r"(?P<src>\w+|\[\*\]) --> (?P<dst>\w+|\[\*\])(?: : (?P<words>.*))?")


def parse_mermaid(source, lang, prefix=""):
    """(states with their marks, arrows with their marks) of a Mermaid diagram (or of one box,
    whose ids start with ``prefix``); every other line must be structure."""
    states, edges, starts, ends = {}, {}, [], []
    for raw in source.splitlines()[1:]:
        line = raw.strip()
        if line.startswith(("%%", "classDef ", "class ", "direction ")) or line == "}":
            continue
        if line.startswith("state ") and line.endswith("{"):
            continue
        if match := MERMAID_STATE.fullmatch(line):
            if match["id"].startswith(prefix):
                state = DossierState[match["id"][len(prefix) :]]
                found, marks = state_of(match["words"], lang)
                assert found is state
                states[state] = marks
        elif match := MERMAID_ARROW.fullmatch(line):
            src, dst = match["src"], match["dst"]
            if src == "[*]":
                starts.append(dst)
            elif dst == "[*]":
                ends.append(src)
            elif src.startswith(prefix):
                event, marks = event_of(match["words"], lang)
                key = (DossierState[src[len(prefix) :]], event, DossierState[dst[len(prefix) :]])
                assert key not in edges, f"{key} drawn twice"
                edges[key] = marks
        else:
            raise AssertionError(f"unexpected line {raw!r}")
    starts = [s for s in starts if s.startswith(prefix)]
    finals = {DossierState[s[len(prefix) :]] for s in ends if s.startswith(prefix)}
    return states, edges, starts, finals


DOT_NODE = re.compile(r"(?P<id>\w+) \[(?P<attrs>.*)\];")
DOT_ARROW = re.compile(r"(?P<src>\w+) -> (?P<dst>\w+)(?: \[(?P<attrs>.*)\])?;")
DOT_LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')


def dot_label(attributes):
    found = DOT_LABEL.search(attributes)
    assert found is not None, attributes
    return found[1]


def parse_dot(source, lang, prefix=""):
    states, edges, starts, finals = {}, {}, [], set()
    lines = source.splitlines()
    assert lines[0].startswith("digraph ")
    assert lines[-1] == "}"
    for raw in lines[1:-1]:
        line = raw.strip()
        if line.startswith(("graph [", "node [", "edge [", "subgraph ", "label=")) or line == "}":
            continue
        if match := DOT_ARROW.fullmatch(line):
            src, dst = match["src"], match["dst"]
            if not src.startswith(prefix):
                continue
            if src == f"{prefix}start":
                starts.append(dst)
                continue
            event, marks = event_of(dot_label(match["attrs"]), lang)
            key = (DossierState[src[len(prefix) :]], event, DossierState[dst[len(prefix) :]])
            assert key not in edges, f"{key} drawn twice"
            edges[key] = marks
        elif match := DOT_NODE.fullmatch(line):
            if not match["id"].startswith(prefix) or match["id"] == f"{prefix}start":
                continue
            state = DossierState[match["id"][len(prefix) :]]
            found, marks = state_of(dot_label(match["attrs"]), lang)
            assert found is state
            states[state] = marks
            if "peripheries=2" in match["attrs"]:
                finals.add(state)
        else:
            raise AssertionError(f"unexpected line {raw!r}")
    return states, edges, [s for s in starts if s.startswith(prefix)], finals


def marked(items, mark):
    return {key for key, marks in items.items() if mark in marks}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", REGIMES)
def test_mermaid_draws_every_state_and_arrow_of_the_table_and_nothing_else(code, lang):
    source = mermaid(BY_CODE[code], lang=lang)
    assert source.startswith("stateDiagram-v2\n")
    states, edges, transitional, carried = expected(code)
    drawn_states, drawn_edges, starts, ends = parse_mermaid(source, lang)
    assert set(drawn_states) == states
    assert set(drawn_edges) == edges
    assert starts == ["REGISTERED"]
    assert ends == states & FINAL_STATES
    word = text("diagram.transitional", lang)
    assert marked(drawn_edges, word) == transitional
    assert marked(drawn_states, word) == carried


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", REGIMES)
def test_dot_draws_every_state_and_arrow_of_the_table_and_nothing_else(code, lang):
    source = dot(BY_CODE[code], lang=lang)
    states, edges, transitional, carried = expected(code)
    drawn_states, drawn_edges, starts, finals = parse_dot(source, lang)
    assert set(drawn_states) == states
    assert set(drawn_edges) == edges
    assert starts == ["REGISTERED"]
    assert finals == states & FINAL_STATES
    word = text("diagram.transitional", lang)
    assert marked(drawn_edges, word) == transitional
    assert marked(drawn_states, word) == carried


def test_the_regimes_differ_as_the_facts_say():
    """Section 1: no district after 1489; section 6: knock-outs and extensions from 26/2026."""
    g148, g1489, g26 = (graph(BY_CODE[c]) for c in ("QD148_2023", "QD1489_2025", "QD26_2026"))
    plain_1489 = {e.event for e in g1489.edges if not e.transitional}
    assert Event.SCORE_DISTRICT in {e.event for e in g148.edges}
    assert not {Event.SCORE_DISTRICT, Event.REJECT_DISTRICT} & {e.event for e in g1489.edges}
    assert DossierState.DISTRICT_SCORED in g1489.carried
    assert Event.SCORE_PROVINCE in plain_1489
    for g in (g148, g1489):
        assert not {Event.KNOCK_OUT, Event.EXTEND} & {e.event for e in g.edges}
        assert DossierState.REJECTED not in g.states
    assert {Event.KNOCK_OUT, Event.EXTEND} <= {e.event for e in g26.edges}


@pytest.mark.parametrize("code", REGIMES)
def test_knock_outs_are_drawn_exactly_where_the_workflow_allows_them(code):
    ruleset = BY_CODE[code]
    workflow = Workflow(ruleset)
    d = registered_dossier(workflow, submitted_on=ruleset.effective_from)
    drawn = any(e.event is Event.KNOCK_OUT for e in graph(ruleset).edges)
    if drawn:
        workflow.knock_out(d, ground=KnockOut.FORGED_DOCUMENTS, on=ruleset.effective_from)
        assert d.state is DossierState.REJECTED
    else:
        with pytest.raises(TransitionNotAllowed):
            workflow.knock_out(d, ground=KnockOut.FORGED_DOCUMENTS, on=ruleset.effective_from)


def test_the_workflow_knows_every_state_drawn():
    workflow = Workflow(rulesets.QD148_2023)
    for ruleset in rulesets.ALL:
        known = workflow._timeline.at(ruleset.effective_from).machine.states
        assert set(graph(ruleset).states) <= set(known)


def test_a_rule_set_without_extensions_draws_none():
    no_extension = attrs.evolve(
        rulesets.QD26_2026,
        deadlines=attrs.evolve(rulesets.QD26_2026.deadlines, extension_days=None),
    )
    assert Event.EXTEND not in {e.event for e in graph(no_extension).edges}
    assert Event.KNOCK_OUT in {e.event for e in graph(no_extension).edges}


def test_a_pinned_rule_set_carries_no_earlier_level():
    alone = graph(rulesets.QD26_2026, timeline=(rulesets.QD26_2026,))
    assert not alone.carried
    assert not any(e.transitional for e in alone.edges)
    assert DossierState.DISTRICT_SCORED not in alone.states


def compared_sides(old, new, lang, fmt):
    source = compare(BY_CODE[old], BY_CODE[new], lang, format=fmt)
    if fmt == "mermaid":
        assert source.startswith("stateDiagram-v2\n")
        return [parse_mermaid(source, lang, f"{code}_") for code in (old, new)]
    return [parse_dot(source, lang, prefix) for prefix in ("old_", "new_")]


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("QD148_2023", "QD1489_2025"),
        ("QD1489_2025", "QD26_2026"),
        ("QD1048_2019", "QD26_2026"),
    ],
)
def test_compare_marks_what_only_one_regime_has(old, new, lang, fmt):
    sides = compared_sides(old, new, lang, fmt)
    wanted = [expected(code) for code in (old, new)]
    for side, (code, (states, edges, _, _)) in enumerate(zip((old, new), wanted, strict=True)):
        drawn_states, drawn_edges, starts, _ = sides[side]
        assert set(drawn_states) == states
        assert set(drawn_edges) == edges
        assert len(starts) == 1
        other_states, other_edges = wanted[1 - side][0], wanted[1 - side][1]
        mark = text("diagram.only_in", lang, regime=code)
        assert marked(drawn_states, mark) == states - other_states
        assert marked(drawn_edges, mark) == edges - other_edges


def test_compare_shows_the_district_gone_and_the_knock_outs_added():
    (_, old_edges, _, _), (_, new_edges, _, _) = compared_sides(
        "QD148_2023", "QD1489_2025", "en", "mermaid"
    )
    gone = marked(old_edges, "only in QD148_2023")
    assert {event for _, event, _ in gone} == {Event.SCORE_DISTRICT, Event.REJECT_DISTRICT}
    came = marked(new_edges, "only in QD1489_2025")
    assert {event for _, event, _ in came} == {Event.SCORE_PROVINCE, Event.REJECT_PROVINCE}
    (_, _, _, _), (new_states, new_edges, _, _) = compared_sides(
        "QD1489_2025", "QD26_2026", "vi", "dot"
    )
    came = marked(new_edges, "chỉ có trong QD26_2026")
    assert {event for _, event, _ in came} == {Event.KNOCK_OUT, Event.EXTEND}
    assert marked(new_states, "chỉ có trong QD26_2026") == {DossierState.REJECTED}


def test_two_variants_of_one_regime_can_be_compared():
    tuned = attrs.evolve(
        rulesets.QD26_2026,
        deadlines=attrs.evolve(rulesets.QD26_2026.deadlines, extension_days=None),
    )
    source = compare(tuned, rulesets.QD26_2026, "en")
    _, old_edges, _, _ = parse_mermaid(source, "en", "QD26_2026_1_")
    _, new_edges, _, _ = parse_mermaid(source, "en", "QD26_2026_2_")
    assert {e for _, e, _ in marked(new_edges, "only in QD26_2026_2")} == {Event.EXTEND}
    assert not marked(old_edges, "only in")


def test_diagram_is_what_the_command_line_prints():
    assert diagram("QD148_2023", lang="vi", format="mermaid") == mermaid(rulesets.QD148_2023, "vi")
    assert diagram(rulesets.QD1489_2025, format="dot") == dot(rulesets.QD1489_2025)
    assert diagram("QD26_2026", compare_with="QD1489_2025") == compare(
        rulesets.QD1489_2025, rulesets.QD26_2026
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mermaid(rulesets.QD148_2023, "fr"), r"'lang' must be one of vi, en \(got 'fr'\)"),
        (
            lambda: dot(rulesets.QD148_2023, lang=None),  # type: ignore[arg-type]
            r"'lang' must be one of vi, en",
        ),
        (
            lambda: mermaid("QD148_2023"),  # type: ignore[arg-type]
            r"'ruleset' must be a RuleSet \(got 'QD148_2023'\)",
        ),
        (lambda: diagram("QD999"), r"'regime' must be a rule set or one of QD1048_2019, "),
        (lambda: diagram("QD148_2023", format="svg"), r"'format' must be one of mermaid, dot"),
        (
            lambda: compare(rulesets.QD148_2023, rulesets.QD26_2026, format="png"),
            r"'format' must be one of mermaid, dot \(got 'png'\)",
        ),
        (
            lambda: diagram("QD148_2023", compare_with=3),  # type: ignore[arg-type]
            r"'compare_with' must be a rule set or one of",
        ),
        (
            lambda: graph(rulesets.QD26_2026, timeline=(rulesets.QD148_2023,)),
            r"'timeline' must contain the workflow's rule set QD26_2026",
        ),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(InvalidInput, match=message):
        call()


def test_the_arrows_labels_tell_the_events_apart():
    for lang in LANGUAGES:
        assert len({label(event, lang) for event in Event}) == len(Event)


def test_the_readme_shows_the_current_regime():
    blocks = re.findall(r"```mermaid\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks == [mermaid(rulesets.ALL[-1], "en")]
    assert rulesets.ALL[-1].effective_until is None  # the regime in force from its start on


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_graphviz_renders_every_diagram(lang):
    graphviz = pytest.importorskip("graphviz")
    sources = [dot(r, lang) for r in rulesets.ALL]
    sources.append(compare(rulesets.QD148_2023, rulesets.QD26_2026, lang, format="dot"))
    for source in sources:
        svg = graphviz.Source(source).pipe(format="svg").decode("utf-8")
        lines = [line.strip() for line in source.splitlines()]
        arrows_drawn = [line for line in lines if DOT_ARROW.fullmatch(line)]
        nodes = [line for line in lines if DOT_NODE.fullmatch(line) and line not in arrows_drawn]
        nodes = [line for line in nodes if not line.startswith(("graph ", "node ", "edge "))]
        assert svg.count('class="node"') == len(nodes)
        assert svg.count('class="edge"') == len(arrows_drawn)
        for state in DossierState:
            if f"{state.name} [" in source:
                assert label(state, lang) in svg
