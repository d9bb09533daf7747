"""The private-names import contract (docs/tools/import_contracts.py, run by `lint-imports` in
`make lint`): which uses of another module's `_name` it finds, and which it lets through."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
MODULES = {"app", "app.services", "app.views", "app.sub", "app.sub._helpers", "app.sub.inner"}


def _contracts() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_contracts", ROOT / "docs/tools/import_contracts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it executes
    spec.loader.exec_module(module)
    return module


def _uses(module: str, source: str, *, is_package: bool = False) -> list[str]:
    found = _contracts().private_uses(module, source, is_package, MODULES)
    return [f"{use.imported}@{use.line}" for use in found]


def test_private_name_imported_from_another_module_is_found_even_inside_a_function() -> None:
    source = (
        "from app.services import public, _helper\n"
        "def view():\n"
        "    from app.services import _other as other\n"
    )
    assert _uses("app.views", source) == ["app.services._helper@1", "app.services._other@3"]


def test_relative_imports_are_resolved_before_the_check() -> None:
    assert _uses("app.views", "from .services import _helper\n") == ["app.services._helper@1"]
    assert _uses("app.sub", "from .inner import _x\n", is_package=True) == ["app.sub.inner._x@1"]


def test_private_attribute_of_an_imported_module_is_found() -> None:
    source = "from app import services\nimport app.views as v\nservices._helper()\nv._y\n"
    assert sorted(_uses("app.sub.inner", source)) == ["app.services._helper@3", "app.views._y@4"]


def test_private_module_is_open_to_its_package_only() -> None:
    assert _uses("app.sub.inner", "from app.sub._helpers import tool\n") == []
    assert _uses("app.sub.inner", "from app.sub import _helpers\n") == []
    assert _uses("app.views", "from app.sub._helpers import tool\n") == ["app.sub._helpers.tool@1"]
    assert _uses("app.views", "import app.sub._helpers\n") == ["app.sub._helpers@1"]


def test_public_names_dunders_and_own_names_pass() -> None:
    source = (
        "from app.services import helper, __version__\n"
        "from app import services\n"
        "services.helper()\n"
        "services.__doc__\n"
        "self_thing = 1\n"
    )
    assert _uses("app.views", source) == []


def test_ignore_lines_match_whole_dotted_parts() -> None:
    contracts = _contracts()
    importer, imported = contracts._parse_ignore("app.** -> app.services._*")
    assert importer.match("app.views") and importer.match("app.sub.inner")
    assert imported.match("app.services._helper")
    assert not imported.match("app.services.helper")
    assert not imported.match("app.views._helper")
