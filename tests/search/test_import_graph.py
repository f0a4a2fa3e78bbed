"""The search package's modules import one way: catalog, registry, ingest and extract form no cycle."""
import ast
from pathlib import Path

import neurodata_widgets.search as search

PACKAGE = Path(search.__file__).parent


def imports(module: str) -> set:
    """Modules of the search package that ``module`` imports, at the top or inside functions."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
            and node.module and (PACKAGE / f"{node.module}.py").exists()}


def test_no_import_cycle():
    graph = {p.stem: imports(p.stem) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    seen, stack = set(), []

    def visit(name):
        assert name not in stack, f"import cycle: {' -> '.join(stack + [name])}"
        if name in seen:
            return
        stack.append(name)
        for dep in graph.get(name, ()):
            visit(dep)
        stack.pop()
        seen.add(name)

    for name in graph:
        visit(name)
    for a, b in [("catalog", "registry"), ("catalog", "ingest"), ("extract", "catalog"), ("registry", "ingest")]:
        assert b not in graph[a]
