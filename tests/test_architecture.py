"""The shape of the package, read from its source: no import cycles, no module too long.

The import graph of ``ecabinet/`` is built with :mod:`ast`: every ``import`` and ``from …
import`` of an ecabinet module, at module level or inside a function (a function-local import
is a dependency all the same; it only runs later, and hides the cycle from the reader), except
under ``if TYPE_CHECKING:`` (never run). ``from package import name`` depends on the module
``package.name`` when there is one, else on the package.

The **composition root** builds the app out of the features, so it imports them all while they
import one another; its imports are not edges:

- ``ecabinet/__init__.py`` (:func:`ecabinet.create_app`) and the entry points that build an app
  with it: ``ecabinet/cli.py`` (the console script) and ``ecabinet/worker.py`` (the jobs a plain
  ``rq worker`` runs);
- the ``init_app`` function of each package's ``__init__.py`` (a feature registering its
  blueprints, handlers and signal receivers).

No other module imports the composition root: a feature that built its own app (or reached
``create_app`` for one) would tie every feature into one cycle again. A job names its entry
point by a dotted path (RQ's ``enqueue_call``), which is not an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ecabinet"
#: Modules that are the composition root as a whole.
ROOT_MODULES = {"ecabinet", "ecabinet.cli", "ecabinet.worker"}
#: In a package's ``__init__.py``, the function that wires the package into the app.
WIRING = "init_app"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The ecabinet modules ``name`` imports, each with the line of its first import."""
    is_package = path.name == "__init__.py"
    found: dict[str, int] = {}

    def target(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit_statement(other, top)
                continue
            visit_statement(child, top)

    def visit_statement(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if is_package and top and node.name == WIRING:
                return  # the composition root
            visit(node, False)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            module = target(node)
            for alias in node.names:
                full = f"{module}.{alias.name}"
                found.setdefault(full if full in modules else module, node.lineno)
        else:
            visit(node, top and not isinstance(node, ast.ClassDef))

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), True)
    return {module: line for module, line in found.items() if module in modules and module != name}


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module it imports: line}, the composition root's imports left out."""
    modules = _modules()
    return {name: {} if name in ROOT_MODULES else _imports(name, path, modules)
            for name, path in modules.items()}


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm: the components of more than one module (each one holds a cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return components


def a_cycle(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    """One cycle through the component's first module, as ``a (line 12) → b (line 40) → a``:
    the shortest way back to it (breadth first), with the line of each import."""
    members, start = set(component), component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for other in sorted(graph[module]):
                if other not in members or other in came_from:
                    continue
                came_from[other] = module
                if other == start:
                    following = []
                    break
                following.append(other)
            if start in came_from:
                break
        frontier = following
    path = [start]
    while True:
        path.append(came_from[path[-1]])
        if path[-1] == start:
            break
    path.reverse()
    steps = [f"{module} (line {graph[module][after]})"
             for module, after in zip(path[:-1], path[1:], strict=True)]
    return " → ".join(steps + [start])


def test_no_import_cycles():
    graph = import_graph()
    components = strongly_connected(graph)
    report = "\n".join(f"{len(component)} modules {component}\n  e.g. {a_cycle(graph, component)}"
                       for component in components)
    assert not components, f"import cycles outside the composition root:\n{report}"


def test_only_the_entry_points_import_the_composition_root():
    graph = import_graph()
    offenders = {f"{module} (line {line})": root for module, imports in graph.items()
                 for root, line in imports.items() if root in ROOT_MODULES}
    assert not offenders, f"features importing the composition root: {offenders}"


def test_the_graph_sees_function_local_imports():
    """The rule must not go blind: a function-local import is an edge, init_app's is not."""
    graph = import_graph()
    assert "ecabinet.meetings.rooms" in graph["ecabinet.meetings.sitting"]
    assert "ecabinet.live.connections" in graph["ecabinet.meetings.rooms"]  # inside leave()
    assert graph["ecabinet.worker"] == {}
    assert "ecabinet.meetings.api" not in graph["ecabinet.meetings"]  # init_app only


def test_no_module_is_too_long():
    lengths = {str(path.relative_to(PACKAGE.parent)): len(path.read_text(encoding="utf-8")
                                                           .splitlines())
               for path in _modules().values()}
    too_long = {path: lines for path, lines in sorted(lengths.items()) if lines > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
