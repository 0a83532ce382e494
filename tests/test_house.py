"""House rules that keep the tree easy to see (issue 10.5): no import cycles,
runtime (function-level) imports included; the core never imports a feature module;
feature modules never import each other; nothing imports the CLI; no file over
400 lines."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "topograph"
FEATURES = ("topoae", "togl", "ect", "diagrams")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every ``topograph`` module named by an import anywhere in the file (function
    bodies included), resolved to the longest existing module name."""
    out: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import submodule` names the submodule (its package is imported
            # implicitly, as for every submodule; implicit parent imports are not edges)
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = [n for n in subs if n in MODULES]
            if len(names) < len(subs):
                names.append(node.module)
        for name in names:
            if name.split(".")[0] != "topograph":
                continue
            while name not in MODULES and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in MODULES:
                out.add(name)
    return out


GRAPH = {m: _imports(p) - {m} for m, p in MODULES.items()}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), over the
    explicit imports of every file (package ``__init__`` files included)."""
    graph = GRAPH
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles() == []


def test_feature_modules_do_not_import_each_other():
    bad = [(m, d) for m, deps in GRAPH.items() for d in deps
           if _area(m) in FEATURES and _area(d) in FEATURES and _area(d) != _area(m)]
    assert bad == []


def test_core_imports_no_higher_floor():
    bad = [(m, d) for m, deps in GRAPH.items() if _area(m) == "core" for d in deps
           if _area(d) not in ("core", "errors", "_lazy")]
    assert bad == []


def test_nothing_imports_the_cli():
    bad = [m for m, deps in GRAPH.items() if "topograph.cli" in deps and m != "topograph.__main__"]
    assert bad == []


def test_data_never_imports_feature_modules():
    bad = [(m, d) for m, deps in GRAPH.items() if _area(m) == "data" for d in deps if _area(d) in FEATURES]
    assert bad == []


@pytest.mark.parametrize("folder", ["topograph", "tests"])
def test_no_file_over_400_lines(folder):
    long = {str(p.relative_to(ROOT)): n for p in sorted((ROOT / folder).rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_module_imports_in_a_fresh_interpreter():
    """Runtime check: every module imports in a clean interpreter, in sorted order
    (the static graph above covers the order-dependent cycles)."""
    names = [m for m in MODULES if not m.endswith("__main__")]
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n")
    proc = subprocess.run([sys.executable, "-c", code, *names], cwd=ROOT, capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
