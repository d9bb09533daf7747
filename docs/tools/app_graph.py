"""Draw Sayso's app-to-app dependency graph from the code.

Every module under ``sayso/`` (migrations aside) is parsed with :mod:`ast`; every import in it
counts, the ones at the top of the module and the ones made inside a function (or under
``if TYPE_CHECKING:``) alike. The imports are folded into an app-to-app graph, written

- as a Mermaid diagram into ``docs/architecture.md``, between the markers
  ``<!-- app-graph:start -->`` and ``<!-- app-graph:end -->``, with the cycles found (between
  apps, and between modules, which is where ``services`` ↔ ``tasks`` shows), and
- as Graphviz into ``docs/architecture-apps.dot``.

Run it after changing imports across apps::

    .venv/bin/python docs/tools/app_graph.py          # rewrite both files
    .venv/bin/python docs/tools/app_graph.py --check  # exit 1 if either is out of date

``tests/core/test_architecture_doc.py`` runs the check, so the picture cannot drift.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "sayso"
DOC = ROOT / "docs" / "architecture.md"
DOT = ROOT / "docs" / "architecture-apps.dot"
START = "<!-- app-graph:start -->"
END = "<!-- app-graph:end -->"
PROJECT = "project"  # sayso/settings.py, urls.py, cli.py, … (the modules of no app)


@dataclass
class Graph:
    """Imports between modules and their fold into apps."""

    modules: set[str] = field(default_factory=set)
    # module -> imported module -> True when at least one import of it is at module level
    imports: dict[str, dict[str, bool]] = field(default_factory=lambda: defaultdict(dict))

    def app_edges(self) -> dict[tuple[str, str], bool]:
        """(app, app it imports) -> True when some import is at module level."""
        edges: dict[tuple[str, str], bool] = {}
        for source, targets in self.imports.items():
            for target, top in targets.items():
                pair = (app_of(source), app_of(target))
                if pair[0] != pair[1]:
                    edges[pair] = edges.get(pair, False) or top
        return edges


def app_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and _is_package(parts[1])):
        return parts[1]
    return PROJECT


def _is_package(name: str) -> bool:
    return (ROOT / PACKAGE / name / "__init__.py").exists()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / PACKAGE).rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    )


def _imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, bool]:
    """Modules this one imports -> True when imported at module level."""
    found: dict[str, bool] = {}

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            deferred = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) or (
                isinstance(child, ast.If) and _is_type_checking(child.test)
            )
            inner = top and not deferred
            if isinstance(child, ast.Import):
                for alias in child.names:
                    _add(found, alias.name, inner)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(child, module, is_package)
                for alias in child.names:
                    candidate = f"{base}.{alias.name}"
                    _add(found, candidate if _exists(candidate) else base, inner)
            visit(child, inner)

    visit(tree, True)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _add(found: dict[str, bool], target: str, top: bool) -> None:
    if target == PACKAGE or target.startswith(PACKAGE + "."):
        found[target] = found.get(target, False) or top


def build() -> Graph:
    graph = Graph()
    for path in _source_files():
        module = _module_name(path)
        graph.modules.add(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target, top in _imports(tree, module, path.name == "__init__.py").items():
            if target != module:
                graph.imports[module][target] = top
    # An import of a package that is only its __init__ stays an edge to that package.
    return graph


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each sorted, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    nodes = sorted(set(edges) | {t for targets in edges.values() for t in targets})

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in nodes:
        if node not in index:
            connect(node)
    return sorted(found)


def _apps(graph: Graph) -> list[str]:
    return sorted({app_of(m) for m in graph.modules} - {PROJECT})


def mermaid(graph: Graph) -> str:
    edges = graph.app_edges()
    lines = ["```mermaid", "graph LR"]
    lines += [f"    {app}[{app}]" for app in _apps(graph)]
    for (source, target), top in sorted(edges.items()):
        if PROJECT in (source, target):
            continue
        lines.append(f"    {source} {'-->' if top else '-.->'} {target}")
    lines.append("```")
    return "\n".join(lines)


def dot(graph: Graph) -> str:
    edges = graph.app_edges()
    lines = [
        "// Generated by docs/tools/app_graph.py from the imports in sayso/; do not edit.",
        "// Solid: imported at module level; dashed: only inside functions.",
        "digraph sayso_apps {",
        "    rankdir=LR;",
        '    node [shape=box, fontname="Helvetica"];',
    ]
    lines += [f'    "{app}";' for app in _apps(graph)]
    for (source, target), top in sorted(edges.items()):
        if PROJECT in (source, target):
            continue
        style = "" if top else " [style=dashed]"
        lines.append(f'    "{source}" -> "{target}"{style};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".")


def report(graph: Graph) -> str:
    """The generated part of docs/architecture.md."""
    app_edges: dict[str, set[str]] = defaultdict(set)
    for source, target in graph.app_edges():
        if PROJECT not in (source, target):
            app_edges[source].add(target)
    module_edges: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.imports.items():
        for target in targets:
            if target in graph.modules:
                module_edges[source].add(target)
    top_app_edges: dict[str, set[str]] = defaultdict(set)
    for (source, target), top in graph.app_edges().items():
        if top and PROJECT not in (source, target):
            top_app_edges[source].add(target)
    app_cycles = cycles(app_edges)
    top_app_cycles = cycles(top_app_edges)
    module_cycles = cycles(module_edges)
    two_way = sorted(
        (source, target)
        for source, targets in module_edges.items()
        for target in targets
        if source < target and source in module_edges.get(target, set())
    )
    parts = [
        START,
        "<!-- Generated by docs/tools/app_graph.py; do not edit by hand. -->",
        "",
        "An arrow `a --> b` means some module of `a` imports a module of `b` at module level;"
        " a dotted arrow, only inside functions (or for type checking). The project modules"
        " (`sayso/settings.py`, `urls.py`, `cli.py`, …) import every app and are left out.",
        "",
        mermaid(graph),
        "",
        "**Apps in a cycle**, counting only module-level imports:",
        "",
    ]
    parts += [f"- {', '.join(f'`{app}`' for app in group)}" for group in top_app_cycles] or [
        "- none"
    ]
    parts += ["", "**Apps in a cycle**, counting imports inside functions too:", ""]
    parts += [f"- {', '.join(f'`{app}`' for app in group)}" for group in app_cycles] or ["- none"]
    parts += ["", "**Modules that import each other** directly:", ""]
    parts += [f"- `{_short(a)}` ↔ `{_short(b)}`" for a, b in two_way] or ["- none"]
    parts += [
        "",
        "**Modules in a cycle** (strongly connected groups, counting imports inside functions):",
        "",
    ]
    parts += [
        f"- {', '.join(f'`{_short(module)}`' for module in group)}" for group in module_cycles
    ] or ["- none"]
    parts.append(END)
    return "\n".join(parts)


def render_doc(current: str, graph: Graph) -> str:
    before, start, rest = current.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{DOC}: the markers {START} and {END} are missing")
    return before + report(graph) + after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    graph = build()
    wanted = {DOC: render_doc(DOC.read_text(encoding="utf-8"), graph), DOT: dot(graph)}
    stale = [
        path
        for path, text in wanted.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python docs/tools/app_graph.py")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
