"""The layering of docs/architecture.md, held by a test.

Walks the AST of every module of the apps (not migrations, not tests), with the imports placed
inside functions counted like the others (an import inside a function still ties the two files
together; it only hides the tie from a reader), and fails when:

- an app imports an app above it (rakor <- agenda <- attendance <- minutes, certificates <- evaluation,
  invitations, questions <- reports <- console);
- an app imports another app's views (``views``, ``views_*``, ``views/``) or a private (``_name``)
  name of another app;
- two or more files import each other in a loop.

The project's wiring (the root URLconf, the API's and the sockets' routes, the ASGI and Celery
apps, seed_demo) assembles every app and is imported by none: it is the top, not part of rakor's layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower first: an app may import the apps before it in this list, never those after it.
# reports (the activity report) reads every app it reports on, the level-4 apps (invitations,
# evaluation, questions) included; console, which shows every app, is above it.
LAYERS = {"rakor": 0, "agenda": 1, "attendance": 2, "minutes": 3, "certificates": 3, "evaluation": 4,
          "invitations": 4, "questions": 4, "reports": 5, "console": 6, "sessions_app": 6}
WIRING = {"rakor.urls", "rakor.api_urls", "rakor.routing", "rakor.asgi", "rakor.celery", "rakor.wsgi",
          "rakor.management.commands.seed_demo"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.relative_to(ROOT).parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path):
    """(imported module, imported names) for every import of the module, wherever it stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = tuple(alias.name for alias in node.names)
            for imported in names:  # `from pkg import module` imports the module
                if f"{module}.{imported}" in MODULES:
                    yield f"{module}.{imported}", ()
            yield module, names


def _edges():
    for name, path in MODULES.items():
        for module, names in _imports(name, path):
            target = module
            while target and target not in MODULES:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target:
                yield name, target, module, names


EDGES = list(_edges())


def _app(module: str) -> str:
    return module.partition(".")[0]


def _is_views(module: str) -> bool:
    parts = module.split(".")
    return any(p == "views" or p.startswith("views_") for p in parts[1:])


def test_apps_import_only_the_apps_below_them():
    upward = sorted(
        f"{source} imports {module} ({_app(target)} is above {_app(source)})"
        for source, target, module, _names in EDGES
        if source not in WIRING and _app(source) != _app(target)
        and LAYERS[_app(target)] >= LAYERS[_app(source)])
    assert upward == []


def test_no_app_imports_another_apps_views_or_private_names():
    found = []
    for source, target, module, names in EDGES:
        if _app(source) == _app(target) or source in WIRING:
            continue
        if _is_views(module):
            found.append(f"{source} imports views {module}")
        found += [f"{source} imports {module}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert sorted(found) == []


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, loops = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                loops.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(loops)


def test_no_import_loop_between_files():
    graph: dict[str, set[str]] = {}
    for source, target, _module, _names in EDGES:
        if source != target and not target.startswith(source + "."):  # a package importing its own modules
            graph.setdefault(source, set()).add(target)
    assert _loops(graph) == []


def test_the_checks_see_what_they_should():
    """The walk itself: relative imports resolved, imports inside functions counted, loops found."""
    edges = {(s, t) for s, t, _m, _n in EDGES}
    assert ("attendance.online.services", "attendance.checkin") in edges  # from ..checkin import ...
    assert ("minutes.apps", "attendance.personal_data") in edges  # inside AppConfig.ready
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _is_views("attendance.views.portal") and _is_views("rakor.views_signin")
    assert not _is_views("attendance.portal")
