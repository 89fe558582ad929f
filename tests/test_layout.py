"""The layout's promises, checked on the source: dependencies point one way, no cycles, no
module over ~400 lines, developer tooling outside the package.

text <- index <- retrieval <- ui / cli: ``fahras.text`` imports neither ``fahras.index`` nor
``fahras.retrieval``; ``fahras.index`` never imports ``fahras.retrieval``; nothing in the
library imports ``fahras.ui`` or the CLI; and the module graph -- imports inside functions
included -- has no cycle.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def _package_dirs() -> dict[str, Path]:
    conf = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {name: REPO / path for name, path in conf["tool"]["setuptools"]["package-dir"].items()}


def modules() -> dict[str, Path]:
    """Every module of the distribution: dotted name -> file."""
    out: dict[str, Path] = {}
    dirs = _package_dirs()
    for pkg, root in dirs.items():
        for f in root.rglob("*.py"):
            rel = f.relative_to(root).with_suffix("")
            parts = [p for p in rel.parts]
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join([pkg, *parts])
            # a subfolder mapped to its own package (fahras/ holds fahras.*, index/ fahras.index)
            if any(name.startswith(other + ".") or name == other
                   for other in dirs if other != pkg and other.startswith(pkg + ".")
                   and f.is_relative_to(dirs[other])):
                continue
            out[name] = f
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The distribution's modules that ``name`` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def _layer(name: str) -> str:
    for layer in ("fahras.text", "fahras.index", "fahras.retrieval", "fahras.ui", "fahras.cli"):
        if name == layer or name.startswith(layer + "."):
            return layer
    return "fahras"


def test_dependencies_point_one_way():
    bad = []
    for name, deps in graph().items():
        layer = _layer(name)
        for d in deps:
            dl = _layer(d)
            if layer == "fahras.text" and dl in ("fahras.index", "fahras.retrieval", "fahras.ui",
                                                 "fahras.cli"):
                bad.append((name, d))
            if layer == "fahras.index" and dl in ("fahras.retrieval", "fahras.ui", "fahras.cli"):
                bad.append((name, d))
            if layer in ("fahras.retrieval", "fahras.index", "fahras.text") and dl in (
                    "fahras.ui", "fahras.cli"):
                bad.append((name, d))
    assert not bad, "imports against the layout: " + ", ".join(f"{a} -> {b}" for a, b in bad)


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_no_module_over_the_size_limit():
    files = {**modules(), **{f"tools/{p.name}": p for p in (REPO / "tools").glob("*.py")}}
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in files.items()}
    over = {n: k for n, k in long.items() if k > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def test_developer_tools_are_not_in_the_package():
    conf = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = conf["tool"]["setuptools"]["packages"]
    assert not any(p == "tools" or p.startswith("tools.") or ".tools" in p for p in packages)
    assert (REPO / "tools").is_dir()
    for name in modules():
        assert not name.startswith("fahras.tools")
