"""The layers stay where docs/architecture.md draws them, so each new feature has one home.

These read the source with :mod:`ast`: a layer that starts importing another fails here
before it can grow into a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "listening"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Return every module the file imports, relative imports made absolute."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def sources(*parts: str) -> list[Path]:
    where = PACKAGE.joinpath(*parts)
    return sorted(where.rglob("*.py")) if where.is_dir() else [where.with_suffix(".py")]


def reaches(paths: list[Path], layer: str) -> list[str]:
    """Return "file: module" for every import of ``layer`` (or anything inside it)."""
    return [
        f"{p.relative_to(PACKAGE)}: {m}"
        for p in paths
        for m in sorted(imports_of(p))
        if m == layer or m.startswith(layer + ".")
    ]


@pytest.mark.parametrize(
    ("layer", "must_not_import"),
    [
        ("realtime", "listening.services"),  # the read side never writes
        ("realtime", "listening.web"),
        ("services", "listening.web"),  # the write layer returns changes; it never emits
        ("services", "listening.realtime"),
        ("ticker", "listening.web"),  # a process that only ticks needs no web code
        ("models", "listening.services"),
    ],
)
def test_each_layer_imports_only_the_layers_beneath_it(layer, must_not_import):
    assert reaches(sources(layer), must_not_import) == []


def test_the_web_layer_writes_only_through_the_services():
    writes = [
        f"{p.relative_to(PACKAGE)}: {m}"
        for p in sources("web")
        for m in imports_of(p)
        if m in ("listening.services.store", "sqlalchemy.update", "sqlalchemy.insert")
    ]
    assert writes == []


def test_no_module_but_the_engine_is_too_long_to_read_whole():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts
        and p.name != "engine.py"
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_the_import_reader_sees_relative_imports():
    """The checks above would pass vacuously if relative imports were missed."""
    assert "listening.services" in imports_of(PACKAGE / "ticker.py")
    assert "listening.realtime.publish" in imports_of(PACKAGE / "web" / "events.py")
    assert "listening.engine" in imports_of(PACKAGE / "services" / "moves.py")
