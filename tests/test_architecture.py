"""The direction of imports is the architecture: checked on the source, module by module.

- No import cycle among the package's modules (imports run when a module loads: those at module
  level, outside ``if TYPE_CHECKING:``; an import inside a function runs later and cannot cycle).
- The domain (rules, states, dossier, the workflow package and the small modules they stand on)
  imports nothing from serialisation, files, the CLI, storage or the network, not even lazily.
- ``states.py`` is the only module that imports ``transitions``.
"""

from __future__ import annotations

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "ocop_workflow"

DOMAIN = (
    "ocop_workflow.errors",
    "ocop_workflow.validators",
    "ocop_workflow.dates",
    "ocop_workflow.rules",
    "ocop_workflow.rulesets",
    "ocop_workflow.states",
    "ocop_workflow.dossier",
    "ocop_workflow.workflow",
)
"""The domain modules and packages (a package stands for all its modules)."""

ADAPTERS = (
    "ocop_workflow.serialization",
    "ocop_workflow.cli",
    "ocop_workflow.store",
    "ocop_workflow.spreadsheets",
    "ocop_workflow.simulation",
    "ocop_workflow.scoring.loading",
    "ocop_workflow.scoring.sheet_format",
    "ocop_workflow.scoring.outline_csv",
    "ocop_workflow._files",
)
"""What the domain must never import: storage formats, files, the CLI, the database."""

OUTSIDE = ("sqlalchemy", "psycopg", "openpyxl", "pandas", "requests", "urllib", "socket")
"""Third-party or standard libraries of the adapters: never in the domain."""


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, *, eager_only: bool) -> set[str]:
    """The modules ``name`` imports (package modules resolved to the module, others by name)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(node, name, path.name == "__init__.py")
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    found.add(target if target in MODULES else source)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                if not eager_only:
                    visit(node.body)
                visit(node.orelse)
            elif eager_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            elif isinstance(node, ast.ClassDef | ast.If | ast.Try | ast.With):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    children = getattr(node, field, [])
                    for child in children:
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child])
            elif not eager_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body)

    visit(tree.body)
    return found


def _inside(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_no_import_cycle():
    graph = {
        name: {m for m in imports(name, eager_only=True) if m in MODULES and m != name}
        for name in MODULES
    }
    # A package's __init__ may gather its modules; a module importing its own package's
    # __init__ back is the cycle that matters, and it is an edge like any other.
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                walk(target)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_domain_imports_no_adapter():
    offending = {
        name: sorted(
            m
            for m in imports(name, eager_only=False)
            if _inside(m, ADAPTERS) or m.split(".")[0] in OUTSIDE
        )
        for name in MODULES
        if _inside(name, DOMAIN)
    }
    assert not {k: v for k, v in offending.items() if v}


def test_only_states_imports_transitions():
    importers = [
        name
        for name in MODULES
        if any(m.split(".")[0] == "transitions" for m in imports(name, eager_only=False))
    ]
    assert importers == ["ocop_workflow.states"]


def test_the_walk_sees_imports():
    """The checks above mean something only if the walk finds real imports."""
    assert "ocop_workflow.rules" in imports("ocop_workflow.states", eager_only=True)
    assert "ocop_workflow.workflow.replay" in imports(
        "ocop_workflow.workflow.operations", eager_only=False
    )
    assert "ocop_workflow.workflow.replay" not in imports(
        "ocop_workflow.workflow.operations", eager_only=True
    )
