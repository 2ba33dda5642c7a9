"""The import structure stays as designed (an AST walk over src/ service/ flows/ eval/ bench/; every import
counts, also those inside functions):

- no import cycles between modules (a package's __init__ importing its own submodules to re-export or
  register them is not a cycle);
- ingestion (auskunft.pipeline) reaches nothing of chat, console, evaluation, promotion or the service, not
  even through other modules: promotion and evaluation sit above it;
- nothing outside tests/ imports tests (benchmarks use auskunft.testing).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"src/auskunft": "auskunft", "service": "service", "flows": "flows", "eval": "eval", "bench": "bench"}
ABOVE_INGESTION = (
    "auskunft.chat",
    "auskunft.console",
    "auskunft.evaluation",
    "auskunft.promotion",
    "service",
)


def _modules() -> dict[str, tuple[Path, bool]]:
    """module name -> (file, is a package __init__)."""
    out = {}
    for folder, top in ROOTS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = [top, *path.relative_to(REPO / folder).with_suffix("").parts]
            is_pkg = parts[-1] == "__init__"
            out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


MODULES = _modules()


@cache
def _imports(module: str) -> list[tuple[str, tuple[str, ...]]]:
    """(imported module, imported names) for every import statement of `module`."""
    path, is_pkg = MODULES[module]
    package = module if is_pkg else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((name, tuple(a.name for a in node.names)))
    return out


def _known(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


@cache
def _defining(module: str, name: str) -> str:
    """The module `from module import name` depends on: a submodule, the module a package __init__
    re-exports the name from, or the module itself."""
    if f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    if MODULES[module][1]:
        for source, names in _imports(module):
            if name in names and source.startswith(module + ".") and source in MODULES:
                return _defining(source, name)
    return module


@cache
def graph() -> dict[str, frozenset[str]]:
    edges = {}
    for module, (_, is_pkg) in MODULES.items():
        targets = set()
        for name, names in _imports(module):
            known = _known(name)
            if known is None:
                continue
            targets |= {_defining(known, n) for n in names} if names and known == name else {known}
        targets.discard(module)
        if is_pkg:  # a package __init__ re-exporting (registering) its own submodules is no cycle
            targets = {t for t in targets if not t.startswith(module + ".")}
        edges[module] = frozenset(targets)
    return edges


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def _reachable(start: str, edges: dict[str, frozenset[str]]) -> dict[str, str]:
    """module -> the module that imports it, for everything `start` reaches."""
    via: dict[str, str] = {}
    todo = [start]
    while todo:
        node = todo.pop()
        for target in edges[node]:
            if target not in via and target != start:
                via[target] = node
                todo.append(target)
    return via


def test_the_walk_sees_the_package() -> None:
    edges = graph()
    assert {"auskunft.pipeline.index", "auskunft.ingest", "service.app", "flows.ingest"} <= set(edges)
    assert "auskunft.promotion" in edges["auskunft.ingest"]  # the run path calls promotion
    assert "auskunft.pipeline.index" in edges["auskunft.promotion"]
    assert _cycles(
        {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    ) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    edges = graph()
    described = [
        " <-> ".join(c) + ": " + "; ".join(f"{m} -> {sorted(t for t in edges[m] if t in c)}" for m in c)
        for c in _cycles(edges)
    ]
    assert not described, "\n".join(described)


def test_ingestion_does_not_reach_chat_console_evaluation_or_service() -> None:
    edges = graph()
    bad = []
    for module in (m for m in edges if m == "auskunft.pipeline" or m.startswith("auskunft.pipeline.")):
        via = _reachable(module, edges)
        for target in sorted(t for t in via if t.startswith(ABOVE_INGESTION)):
            path = [target]
            while path[-1] != module and path[-1] in via:
                path.append(via[path[-1]])
            bad.append(" <- ".join(path))
    assert not bad, "\n".join(bad)


def test_nothing_outside_tests_imports_tests() -> None:
    bad = [
        f"{module} imports {name}"
        for module in MODULES
        for name, _ in _imports(module)
        if name == "tests" or name.startswith("tests.")
    ]
    assert not bad, "\n".join(bad)
