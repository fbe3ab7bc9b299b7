"""State diagrams of a regime's process, as Mermaid (``stateDiagram-v2``) or Graphviz DOT text.

Every diagram is generated from the transition table the workflow runs
(:func:`ocop_workflow.states.transition_table`), never drawn by hand: the table depends on the
regime's scoring levels (facts page section 1: no district after July 2025), on the levels earlier
regimes had (a dossier scored there before the change finishes under the new regime), on whether a
level certifies what it forwards (section 8: 1048's province; its held dossiers finish under later
regimes), and on two of the regime's rules (section 6): knock-outs exist only where the regime has
knock-out grounds, and extensions only where it sets an extension limit (Decision 26/2026).
:func:`compare` draws two regimes side by side and marks what only one of them has.

Labels come from :mod:`ocop_workflow.labels`, in Vietnamese (``"vi"``) or English (``"en"``).
:func:`diagram` is the one entry point a command line needs (a regime by its code, a format).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from ocop_workflow import rulesets
from ocop_workflow.errors import InvalidInput
from ocop_workflow.labels import checked_language, label, text
from ocop_workflow.rules import RuleSet
from ocop_workflow.states import (
    FINAL_STATES,
    SCORED_STATE,
    DossierState,
    Event,
    Transition,
    transition_table,
)
from ocop_workflow.workflow.timeline import Timeline

__all__ = ["FORMATS", "Edge", "Graph", "compare", "diagram", "dot", "graph", "mermaid"]

FORMATS = ("mermaid", "dot")
"""The text formats a diagram is written in."""


@attrs.frozen
class Edge:
    """One arrow: ``event`` takes a dossier from ``source`` to ``dest``. A ``transitional`` arrow
    exists only for dossiers carried over from a level an earlier regime had."""

    source: DossierState
    event: Event
    dest: DossierState
    transitional: bool = False

    @property
    def key(self) -> tuple[DossierState, Event, DossierState]:
        """What identifies the arrow when two regimes are compared."""
        return (self.source, self.event, self.dest)


@attrs.frozen
class Graph:
    """The states and arrows of one regime, in the table's order; ``carried`` are the states only
    dossiers carried over from an earlier regime's levels are in."""

    ruleset: RuleSet
    states: tuple[DossierState, ...]
    edges: tuple[Edge, ...]
    carried: frozenset[DossierState]


def graph(ruleset: RuleSet, *, timeline: Iterable[RuleSet] | None = None) -> Graph:
    """The process of ``ruleset`` as the workflow runs it, within ``timeline``.

    ``timeline`` says which levels earlier regimes had, as for :class:`ocop_workflow.Workflow`
    (whose own machines are read here): by default the shipped timeline with ``ruleset`` in place
    of the shipped regime of its code, or ``ruleset`` alone for another code.
    """
    if not isinstance(ruleset, RuleSet):
        raise InvalidInput(f"'ruleset' must be a RuleSet (got {ruleset!r})")
    chain = Timeline(ruleset, timeline)
    machine = next(regime.machine for regime in chain.regimes if regime.rules is ruleset)
    plain = _edges(ruleset, transition_table(machine.levels, held=machine.held))
    edges = [
        attrs.evolve(edge, transitional=edge.key not in plain)
        for edge in _edges(ruleset, machine.table).values()
    ]
    reached = {DossierState.REGISTERED} | {s for e in edges for s in (e.source, e.dest)}
    in_plain = {DossierState.REGISTERED} | {s for e in plain.values() for s in (e.source, e.dest)}
    return Graph(
        ruleset=ruleset,
        states=tuple(s for s in DossierState if s in reached),
        edges=tuple(edges),
        carried=frozenset(reached - in_plain),
    )


def _edges(
    ruleset: RuleSet, table: Iterable[Transition]
) -> dict[tuple[DossierState, Event, DossierState], Edge]:
    """The table's rows as arrows, without those the regime's rules never allow (section 6:
    knock-outs need knock-out grounds, extensions an extension limit; see ``Workflow.knock_out``
    and ``Workflow.extend``)."""
    found = {}
    for row in table:
        if row.event is Event.KNOCK_OUT and not ruleset.knockouts:
            continue
        if row.event is Event.EXTEND and ruleset.deadlines.extension_days is None:
            continue
        for source in row.sources:
            edge = Edge(source, row.event, row.dest)
            found[edge.key] = edge
    return found


# -- marks shared by both formats ------------------------------------------------------------


def _state_text(state: DossierState, lang: str, marks: list[str]) -> str:
    name = label(state, lang)
    return f"{name} ({'; '.join(marks)})" if marks else name


def _marks(lang: str, transitional: bool, only_in: str | None) -> list[str]:
    marks = []
    if transitional:
        marks.append(text("diagram.transitional", lang))
    if only_in is not None:
        marks.append(text("diagram.only_in", lang, regime=only_in))
    return marks


def _edge_text(edge: Edge, lang: str) -> str:
    """The event's label; a held dossier's score that keeps it held reaches the top level's own
    stars (section 8), which the score event's own label ("3 stars or more") does not say."""
    held = DossierState.CERTIFIED_FORWARDED
    scores = {Event.score(level) for level in SCORED_STATE}
    if edge.source is held and edge.dest is held and edge.event in scores:
        return text("diagram.held_score", lang)
    return label(edge.event, lang)


# -- Mermaid ---------------------------------------------------------------------------------


def _mermaid_text(value: str) -> str:
    """Mermaid's entity codes for the characters its state syntax reserves."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), (":", "#58;"), (";", "#59;")):
        value = value.replace(char, code)
    return value


def _mermaid_body(
    g: Graph, lang: str, prefix: str, only_in: Callable[[object], str | None], indent: str
) -> list[str]:
    lines = []
    for state in g.states:
        marks = _marks(lang, state in g.carried, only_in(state))
        words = _mermaid_text(_state_text(state, lang, marks))
        lines.append(f'{indent}state "{words}" as {prefix}{state.name}')
    lines.append(f"{indent}[*] --> {prefix}{DossierState.REGISTERED.name}")
    for edge in g.edges:
        marks = _marks(lang, edge.transitional, only_in(edge.key))
        words = _edge_text(edge, lang) + (f" ({'; '.join(marks)})" if marks else "")
        lines.append(
            f"{indent}{prefix}{edge.source.name} --> {prefix}{edge.dest.name} : "
            f"{_mermaid_text(words)}"
        )
    lines.extend(f"{indent}{prefix}{s.name} --> [*]" for s in g.states if s in FINAL_STATES)
    return lines


def mermaid(
    ruleset: RuleSet, lang: str = "en", *, timeline: Iterable[RuleSet] | None = None
) -> str:
    """A Mermaid ``stateDiagram-v2`` of ``ruleset``'s process, labelled in ``lang``.

    States carried over from an earlier regime's level (and the arrows only they have) are marked
    "transitional"; final states lead to the end marker.
    """
    lang = checked_language(lang)
    g = graph(ruleset, timeline=timeline)
    lines = [
        "stateDiagram-v2",
        f"    %% {_mermaid_text(g.ruleset.code)}: generated by ocop_workflow.diagrams",
        *_mermaid_body(g, lang, "", lambda _: None, "    "),
    ]
    if g.carried:
        lines.append("    classDef transitional stroke-dasharray: 5 5")
        lines.append(
            f"    class {','.join(s.name for s in g.states if s in g.carried)} transitional"
        )
    return "\n".join(lines) + "\n"


# -- DOT -------------------------------------------------------------------------------------


def _dot_text(value: str) -> str:
    """A DOT double-quoted string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_ADDED, _REMOVED = "#1e8449", "#c0392b"  # green: only in the new regime; red: only in the old


def _dot_body(
    g: Graph,
    lang: str,
    prefix: str,
    only_in: Callable[[object], str | None],
    indent: str,
    tint: str = _ADDED,
) -> list[str]:
    def colour(item: object) -> list[str]:
        if only_in(item) is None:
            return []
        return [f"color={_dot_text(tint)}", f"fontcolor={_dot_text(tint)}", "penwidth=2"]

    start = f"{prefix}start"
    lines = [f'{indent}{start} [shape=point, label=""];']
    for state in g.states:
        marks = _marks(lang, state in g.carried, only_in(state))
        attributes = [f"label={_dot_text(_state_text(state, lang, marks))}", *colour(state)]
        if state in FINAL_STATES:
            attributes.append("peripheries=2")
        if state in g.carried:
            attributes.append('style="rounded,dashed"')
        lines.append(f"{indent}{prefix}{state.name} [{', '.join(attributes)}];")
    lines.append(f"{indent}{start} -> {prefix}{DossierState.REGISTERED.name};")
    for edge in g.edges:
        marks = _marks(lang, edge.transitional, only_in(edge.key))
        words = _edge_text(edge, lang) + (f" ({'; '.join(marks)})" if marks else "")
        attributes = [f"label={_dot_text(words)}", *colour(edge.key)]
        if edge.transitional:
            attributes.append("style=dashed")
        lines.append(
            f"{indent}{prefix}{edge.source.name} -> {prefix}{edge.dest.name} "
            f"[{', '.join(attributes)}];"
        )
    return lines


_DOT_DEFAULTS = (
    '    node [shape=box, style=rounded, fontname="Helvetica"];',
    '    edge [fontname="Helvetica", fontsize=10];',
)


def dot(ruleset: RuleSet, lang: str = "en", *, timeline: Iterable[RuleSet] | None = None) -> str:
    """A Graphviz DOT digraph of ``ruleset``'s process, labelled in ``lang``.

    Final states have a double border; transitional states and arrows are dashed and marked.
    """
    lang = checked_language(lang)
    g = graph(ruleset, timeline=timeline)
    lines = [
        f"digraph {_dot_text(g.ruleset.code)} {{",
        f"    graph [label={_dot_text(f'{g.ruleset.code}: {g.ruleset.title}')}, labelloc=t];",
        *_DOT_DEFAULTS,
        *_dot_body(g, lang, "", lambda _: None, "    "),
        "}",
    ]
    return "\n".join(lines) + "\n"


# -- side by side ----------------------------------------------------------------------------


def compare(
    old: RuleSet,
    new: RuleSet,
    lang: str = "en",
    *,
    format: str = "mermaid",
) -> str:
    """``old`` and ``new`` side by side, in ``format`` (``"mermaid"`` or ``"dot"``).

    Each regime is drawn as :func:`graph` gives it; a state or arrow only one of them has is
    marked "only in <code>" (in DOT also coloured: red in the old, green in the new). Between 148
    and 1489 that shows the district's arrows gone; between 1489 and 26/2026 the knock-outs and
    extensions added.
    """
    lang = checked_language(lang)
    if format not in FORMATS:
        raise InvalidInput(f"'format' must be one of {', '.join(FORMATS)} (got {format!r})")
    before, after = graph(old), graph(new)
    keys: list[set[object]] = [{*g.states, *(e.key for e in g.edges)} for g in (before, after)]
    boxes = (old.code, new.code) if old.code != new.code else (f"{old.code}_1", f"{new.code}_2")

    def only(side: int) -> Callable[[object], str | None]:
        mine, theirs = keys[side], keys[1 - side]
        return lambda item: boxes[side] if item in mine and item not in theirs else None

    if format == "mermaid":
        lines = [
            "stateDiagram-v2",
            f"    %% {_mermaid_text(boxes[0])} beside {_mermaid_text(boxes[1])}: generated by "
            "ocop_workflow.diagrams",
            "    direction LR",
        ]
        for side, (g, box) in enumerate(zip((before, after), boxes, strict=True)):
            lines.append(f"    state {box} {{")
            lines.append("        direction TB")
            lines += _mermaid_body(g, lang, f"{box}_", only(side), "        ")
            lines.append("    }")
        return "\n".join(lines) + "\n"
    lines = [
        f"digraph {_dot_text(f'{boxes[0]} vs {boxes[1]}')} {{",
        "    graph [rankdir=TB, labelloc=t];",
        *_DOT_DEFAULTS,
    ]
    for side, (g, box) in enumerate(zip((before, after), boxes, strict=True)):
        prefix = ("old_", "new_")[side]
        lines.append(f"    subgraph cluster_{prefix}{box} {{")
        lines.append(f"        label={_dot_text(f'{box}: {g.ruleset.title}')};")
        lines += _dot_body(g, lang, prefix, only(side), "        ", (_REMOVED, _ADDED)[side])
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def diagram(
    regime: RuleSet | str,
    *,
    lang: str = "en",
    format: str = "mermaid",
    compare_with: RuleSet | str | None = None,
) -> str:
    """The diagram of ``regime`` (a rule set or a shipped regime's code, ``"QD148_2023"``) in
    ``format``; with ``compare_with``, that regime (the older) beside it (see :func:`compare`).

    What ``ocop-workflow diagram --regime QD148_2023 --lang vi --format mermaid`` prints.
    """
    ruleset = _regime(regime, "regime")
    if compare_with is not None:
        return compare(_regime(compare_with, "compare_with"), ruleset, lang, format=format)
    if format == "mermaid":
        return mermaid(ruleset, lang)
    if format == "dot":
        return dot(ruleset, lang)
    raise InvalidInput(f"'format' must be one of {', '.join(FORMATS)} (got {format!r})")


def _regime(value: RuleSet | str, field: str) -> RuleSet:
    if isinstance(value, RuleSet):
        return value
    for ruleset in rulesets.ALL:
        if ruleset.code == value:
            return ruleset
    codes = ", ".join(r.code for r in rulesets.ALL)
    raise InvalidInput(f"{field!r} must be a rule set or one of {codes} (got {value!r})")
