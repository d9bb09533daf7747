"""Sayso's own import-linter contract type: no private (``_name``) imports across modules.

import-linter's built-in contracts see modules, not names: ``from sayso.conversations.services
import _staff_member`` is just an import of ``sayso.conversations.services`` to them. This
contract reads each module's source and fails on

- ``from other.module import _name`` (a single leading underscore; dunders are public),
- ``other_module._name`` where ``other_module`` was bound by an import,
- ``import pkg._private`` / ``from pkg import _private`` of a private *module* from outside the
  package that holds it (what import-linter's ``private_modules`` contract checks),

counting imports inside functions too. It is loaded by ``lint-imports`` (run from the
repository root, which import-linter puts on ``sys.path``) through ``contract_types`` in
``pyproject.toml``; options:

- ``containers``: the packages whose modules are checked (``sayso``);
- ``ignore_imports``: ``importer -> imported_module._name`` lines (``*`` matches one dotted part,
  ``**`` any number) for violations tolerated for now; an ignore that matches nothing is an
  error, so a fixed violation's line has to go.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck, InvalidContractOptions


@dataclass(frozen=True, order=True)
class PrivateUse:
    """One use of a private name of another module: ``importer`` line ``line`` uses
    ``imported`` (``module._name``)."""

    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (l.{self.line})"


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _pattern(expression: str) -> re.Pattern[str]:
    parts = []
    for part in expression.strip().split("."):
        if part == "**":
            parts.append(r"[^ ]+")
        else:
            parts.append(re.escape(part).replace(r"\*", r"[^. ]+"))
    return re.compile(r"\.".join(parts) + r"\Z")


def _parse_ignore(line: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    importer, arrow, imported = line.partition("->")
    if not arrow or not importer.strip() or not imported.strip():
        raise InvalidContractOptions(
            {"ignore_imports": f"{line!r} is not of the form 'importer -> module._name'."}
        )
    return _pattern(importer), _pattern(imported)


def _source_file(module: str) -> Path | None:
    """The file of ``module``, found from its top package's directory (without importing
    anything: importing a package may need Django's settings)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name of the module an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _private_module_outside(module: str, importer: str) -> bool:
    """Whether ``module`` (or a package above it) is private to a package ``importer`` is not
    in."""
    parts = module.split(".")
    for index in range(1, len(parts)):
        if is_private(parts[index]):
            parent = ".".join(parts[:index])
            if not (importer == parent or importer.startswith(parent + ".")):
                return True
    return False


def private_uses(module: str, source: str, is_package: bool, modules: set[str]) -> list[PrivateUse]:
    """Every use, in ``module``'s ``source``, of another module's private name or of a private
    module from outside its package. ``modules`` are the modules that exist (to tell a
    submodule from a name)."""
    found: list[PrivateUse] = []
    module_aliases: dict[str, str] = {}
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _private_module_outside(alias.name, module):
                    found.append(PrivateUse(module, alias.name, node.lineno))
                if alias.asname:
                    module_aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source_module = _resolve(module, is_package, node)
            for alias in node.names:
                imported = f"{source_module}.{alias.name}"
                if imported in modules:  # a submodule
                    if _private_module_outside(imported, module):
                        found.append(PrivateUse(module, imported, node.lineno))
                    module_aliases[alias.asname or alias.name] = imported
                elif (
                    is_private(alias.name) and source_module != module
                ) or _private_module_outside(source_module, module):
                    found.append(PrivateUse(module, imported, node.lineno))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
            and is_private(node.attr)
        ):
            imported = f"{module_aliases[node.value.id]}.{node.attr}"
            if imported not in modules:
                found.append(PrivateUse(module, imported, node.lineno))
    return found


class PrivateNamesContract(Contract):
    """No module uses another module's private (``_name``) names or private modules."""

    type_name = "private_names"

    containers = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        ignores = [
            (line, *_parse_ignore(line)) for line in cast(list[str], self.ignore_imports or [])
        ]
        matched: set[str] = set()
        modules = set(graph.modules)
        broken: list[PrivateUse] = []
        for container in cast(list[str], self.containers):
            for module in sorted({container} | graph.find_descendants(container)):
                path = _source_file(module)
                if path is None:
                    continue
                source = path.read_text(encoding="utf-8")
                is_package = path.name == "__init__.py"
                for use in private_uses(module, source, is_package, modules):
                    hits = [
                        line
                        for line, importer, imported in ignores
                        if importer.match(use.importer) and imported.match(use.imported)
                    ]
                    matched.update(hits)
                    if not hits:
                        broken.append(use)
        unmatched = [line for line, *_ in ignores if line not in matched]
        return ContractCheck(
            kept=not broken and not unmatched,
            metadata={"broken": sorted(broken), "unmatched": unmatched},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        if check.metadata["broken"]:
            output.print_error(
                "Private names are used from outside the module that defines them (make the "
                "name public, or move the code that needs it beside it):",
                bold=False,
            )
            output.new_line()
            for use in check.metadata["broken"]:
                output.print_error(f"- {use}", bold=False)
            output.new_line()
        if check.metadata["unmatched"]:
            output.print_error(
                "These ignore_imports lines match nothing any more; delete them:", bold=False
            )
            output.new_line()
            for line in check.metadata["unmatched"]:
                output.print_error(f"- {line}", bold=False)
            output.new_line()
