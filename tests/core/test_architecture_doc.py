"""docs/architecture.md carries a picture of the app-to-app imports generated from the code
(docs/tools/app_graph.py); these tests regenerate it and fail when the document or the Graphviz
file no longer match the imports in sayso/, so the picture cannot drift."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _app_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("app_graph", ROOT / "docs/tools/app_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it executes
    spec.loader.exec_module(module)
    return module


def test_architecture_doc_and_dot_file_match_the_imports_in_the_code() -> None:
    app_graph = _app_graph()
    graph = app_graph.build()
    doc = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    assert doc == app_graph.render_doc(doc, graph), (
        "docs/architecture.md is out of date: run .venv/bin/python docs/tools/app_graph.py"
    )
    dot = (ROOT / "docs/architecture-apps.dot").read_text(encoding="utf-8")
    assert dot == app_graph.dot(graph), (
        "docs/architecture-apps.dot is out of date: run .venv/bin/python docs/tools/app_graph.py"
    )


def test_every_app_under_sayso_is_in_the_picture_and_described() -> None:
    app_graph = _app_graph()
    mermaid = app_graph.mermaid(app_graph.build())
    doc = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    apps = sorted(
        path.parent.name
        for path in (ROOT / "sayso").glob("*/__init__.py")
        if (path.parent / "apps.py").exists()
    )
    assert "core" in apps and "community" in apps
    for app in apps:
        assert f"    {app}[{app}]" in mermaid, app
        assert f"**`{app}`** —" in doc, f"docs/architecture.md has no paragraph on {app}"


def test_imports_inside_functions_count_and_are_drawn_dotted(tmp_path: Path) -> None:
    """The reader sees an import made inside a function as well as one at the top."""
    app_graph = _app_graph()
    source = (
        "from sayso.customers import services\n"
        "def later():\n"
        "    from sayso.conversations.tasks import x\n"
        "    import sayso.status.models\n"
    )
    found = app_graph._imports(ast.parse(source), "sayso.deals.services", False)
    assert found == {
        "sayso.customers.services": True,
        "sayso.conversations.tasks": False,
        "sayso.status.models": False,
    }


def test_cycles_are_found_through_several_modules() -> None:
    app_graph = _app_graph()
    edges = {"a.services": {"a.tasks"}, "a.tasks": {"b.x"}, "b.x": {"a.services"}, "c": {"a.tasks"}}
    assert app_graph.cycles(edges) == [["a.services", "a.tasks", "b.x"]]
    assert app_graph.cycles({"a": {"b"}, "b": set()}) == []
