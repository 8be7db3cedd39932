"""The tree shows the pipeline, and imports flow one way (docs/DESIGN: scheduler →
notifier → crawler).

Every import in the tree is read, tests included, at any depth (inside functions and
`TYPE_CHECKING` blocks too): a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "notifier", "scheduler")
LAYER = {"crawler": 0, "notifier": 1, "scheduler": 2}
MAX_LINES = 450
MAX_MODULES = 13


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(*tops: str) -> list[Path]:
    return sorted(
        p for top in tops for p in (ROOT / top).rglob("*.py") if "versions" not in p.parts
    )


def _imports(path: Path) -> set[str]:
    """Modules of this project that `path` imports, resolved to the longest known name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import sub` imports the submodule; `from mod import name`, mod.
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}")
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _sources(*PACKAGES)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            # A package's own modules run its __init__ first whatever they import:
            # that is no dependency of theirs.
            if imported and not name.startswith(f"{imported}.") and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _stage(module: str) -> str:
    """`crawler.dedup.story` → `crawler.dedup`; a top-level module is its own stage."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_imports_flow_from_scheduler_to_notifier_to_crawler() -> None:
    wrong = [
        f"{_module_name(path)} imports {target}"
        for path in _sources(*PACKAGES)
        for target in _imports(path)
        if LAYER[target.split(".")[0]] > LAYER[_module_name(path).split(".")[0]]
    ]
    assert wrong == []


def test_no_module_imports_itself_back() -> None:
    assert _cycles(_graph()) == []


def test_no_two_stages_import_each_other() -> None:
    stages: dict[str, set[str]] = defaultdict(set)
    for module, targets in _graph().items():
        stages[_stage(module)].update(_stage(t) for t in targets if _stage(t) != _stage(module))
    assert _cycles(dict(stages)) == []


def test_crawler_tests_need_nothing_from_the_scheduler_or_notifier() -> None:
    crawler_tests = _sources("tests/dedup") + [
        p for p in _sources("tests/crawl") if "cli" not in p.name and "command" not in p.name
    ]
    wrong = [
        f"{p.relative_to(ROOT)} imports {t}"
        for p in crawler_tests
        for t in _imports(p)
        if not t.startswith("crawler")
    ]
    assert crawler_tests and wrong == []


def test_rooms_stay_small() -> None:
    big = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in _sources(*PACKAGES)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    crowded = [
        f"{folder.relative_to(ROOT)}: {n} modules"
        for folder in {p.parent for p in _sources(*PACKAGES)}
        if (n := len([m for m in folder.glob("*.py") if m.name != "__init__.py"])) > MAX_MODULES
    ]
    assert big == [] and crowded == []
