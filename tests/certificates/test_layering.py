"""The certificates app's modules import each other one way: no loop between files, lazy imports included."""

import ast
from pathlib import Path

from django.conf import settings

APP = Path(settings.BASE_DIR) / "certificates"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The certificates modules a file imports, at the top or inside a function.

    ``from . import design`` imports the module ``design`` (its package is an ``__init__`` already
    being imported), ``from .design import head`` the module ``design``.
    """
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target
                     for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] == "certificates")
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in APP.rglob("*.py") if "migrations" not in p.parts}
    return {name: {m for m in imports_of(path, set(modules)) if m in modules and m != name}
            for name, path in modules.items()}


def test_no_two_certificates_modules_import_each_other_directly_or_round_about():
    edges = graph()
    loops = []

    def visit(name, trail):
        for target in sorted(edges[name]):
            if target in trail:
                loops.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif len(trail) < 12:
                visit(target, trail + [target])

    for start in sorted(edges):
        visit(start, [start])
    assert loops == []


def test_the_fast_path_builds_on_the_design_and_never_on_the_stock_path():
    edges = graph()
    fast = {name for name in edges if name.startswith("certificates.fast")}
    assert {target for name in fast for target in edges[name] if not target.startswith("certificates.fast")} == {
        "certificates.design", "certificates.documents", "certificates.signing"}
    assert "certificates.fast" in edges["certificates.rendering"]
    assert not any(target.startswith("certificates.fast") for name in edges if not name.startswith(
        ("certificates.fast", "certificates.rendering")) for target in edges[name])


def test_settings_are_read_as_settings_x_with_their_defaults_in_settings_py():
    readers = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                    "getattr", "hasattr") and node.args and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id == "settings":
                readers.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert readers == []
