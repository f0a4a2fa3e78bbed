"""The house rules that keep the package livable, checked on its source (no import is executed).

- No import cycles between modules of ``neurodata_widgets``, counting imports at module level
  AND inside functions (a function-level import hides a cycle, it does not remove it).
- Logic modules import no widget library, not even through other modules or inside functions:
  only ``widgets.py`` files and ``ui/`` may (so ``Lineage.to_prov()`` runs without a kernel).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "neurodata_widgets"
WIDGET_LIBRARIES = {"ipywidgets", "anywidget", "bqplot", "ipyvuetify"}


def modules() -> dict:
    """Module name -> (file, is_package) for every module of the package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = modules()


def imports(name: str) -> set:
    """``(imported module, line)`` of every import statement anywhere in module ``name``."""
    path, is_package = MODULES[name]
    package = name.split(".") if is_package else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:  # `from . import repo` imports the submodule repo
                sub = f"{base}.{alias.name}"
                out.add((sub if sub in MODULES else base, node.lineno))
    return out


GRAPH = {name: {target for target, _ in imports(name)} for name in MODULES}


def internal(name: str) -> set:
    """The package's own modules ``name`` imports (a submodule import also runs its packages)."""
    found = set()
    for target in GRAPH[name]:
        while target and target not in MODULES and "." in target:  # `import a.b.c` where c is an attribute
            target = target.rpartition(".")[0]
        if target in MODULES and target != name:
            found.add(target)
    return found


def is_widget_module(name: str) -> bool:
    parts = name.split(".")
    return parts[-1] == "widgets" or "ui" in parts[1:2]


def cycles() -> list:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in internal(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    return groups


def reachable(name: str) -> dict:
    """Every module ``name`` can import, directly or not: module -> the chain that leads there."""
    chains, todo = {name: [name]}, [name]
    while todo:
        v = todo.pop()
        for w in internal(v):
            if w not in chains:
                chains[w] = chains[v] + [w]
                todo.append(w)
    return chains


def test_the_walker_sees_module_and_function_level_imports():
    assert "neurodata_widgets.repo" in internal("neurodata_widgets.datasets.state")  # `from .. import repo`
    assert "ipywidgets" in GRAPH["neurodata_widgets.portal.widgets"]
    assert "neurodata_widgets.sandbox.runner" in internal("neurodata_widgets.cli")  # inside a function of cli.py


def test_no_import_cycles():
    assert cycles() == []


def widget_library_imports(name: str) -> list:
    return sorted(t for t in GRAPH[name] if t.split(".")[0] in WIDGET_LIBRARIES)


def test_only_widget_modules_import_a_widget_library():
    offenders = [n for n in MODULES if widget_library_imports(n) and not is_widget_module(n)]
    assert offenders == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not is_widget_module(n)))
def test_logic_modules_reach_no_widget_library(name):
    offenders = [" -> ".join(chain + [library]) for module, chain in reachable(name).items()
                 for library in widget_library_imports(module)]
    assert not offenders, f"{name} reaches a widget library:\n" + "\n".join(offenders)


def test_the_widget_check_sees_an_indirect_widget_import(monkeypatch):
    # provenance/graph.py once took its colours from ui/theme.py, which imports ipywidgets
    monkeypatch.setitem(GRAPH, "neurodata_widgets.provenance.graph", GRAPH["neurodata_widgets.provenance.graph"] | {
        "neurodata_widgets.ui.theme"})
    chains = [chain for module, chain in reachable("neurodata_widgets.provenance.lineage").items()
              if widget_library_imports(module)]
    assert chains == [["neurodata_widgets.provenance.lineage", "neurodata_widgets.provenance.graph",
                       "neurodata_widgets.ui.theme"]]


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    monkeypatch.setitem(GRAPH, "neurodata_widgets.repo", GRAPH["neurodata_widgets.repo"] | {
        "neurodata_widgets.datasets.state"})
    assert any({"neurodata_widgets.datasets.state", "neurodata_widgets.repo"} <= set(group) for group in cycles())


# The stand-in registry is what our search client and catalog are tested against: it reads the
# registry's language with its own grammar (written from DataLad-Registry's source), never ours,
# so that a mistake in our parser cannot hide by being made on both sides.
REGISTRY_STANDIN = sorted(n for n in MODULES if n.startswith("neurodata_widgets.sandbox.registry_"))
OUR_QUERY_LANGUAGE = {"neurodata_widgets.search.query", "neurodata_widgets.search.sql",
                      "neurodata_widgets.search.catalog"}


def query_language_chains(name: str) -> list:
    return [" -> ".join(chain) for module, chain in reachable(name).items() if module in OUR_QUERY_LANGUAGE]


@pytest.mark.parametrize("name", REGISTRY_STANDIN)
def test_the_registry_standin_has_its_own_query_language(name):
    offenders = query_language_chains(name)
    assert not offenders, f"{name} reads queries with our own parser:\n" + "\n".join(offenders)


def test_the_standin_check_sees_a_shared_grammar(monkeypatch):
    # registry_language.py once took the grammar text from search/query.py
    assert "neurodata_widgets.sandbox.registry_language" in REGISTRY_STANDIN
    monkeypatch.setitem(GRAPH, "neurodata_widgets.sandbox.registry_language",
                        GRAPH["neurodata_widgets.sandbox.registry_language"] | {"neurodata_widgets.search.query"})
    assert query_language_chains("neurodata_widgets.sandbox.registry_server") == [
        "neurodata_widgets.sandbox.registry_server -> neurodata_widgets.sandbox.registry_language"
        " -> neurodata_widgets.search.query"]
