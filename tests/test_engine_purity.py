"""The engine is pure: no web, no database, no async library, no clock, no randomness, no I/O.

This reads ``listening/engine.py`` as source (with :mod:`ast`), so it holds however the
package around it is imported.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "listening" / "engine.py"

#: the standard library modules the engine needs; anything else must be argued for here
ALLOWED = {"__future__", "dataclasses", "enum", "typing", "collections", "functools", "itertools"}
FORBIDDEN = {
    "flask",
    "flask_socketio",
    "flask_sqlalchemy",
    "socketio",
    "engineio",
    "sqlalchemy",
    "eventlet",
    "gevent",
    "time",
    "datetime",
    "random",
    "secrets",
    "uuid",
    "os",
    "sys",
    "io",
    "socket",
    "threading",
    "asyncio",
    "subprocess",
    "logging",
    "sqlite3",
    "pathlib",
    "listening",  # nothing from the rest of the app, either
}
#: names that read a clock, draw randomness, sleep or do I/O, however they are reached
IMPURE_CALLS = {
    "time",
    "monotonic",
    "perf_counter",
    "process_time",
    "now",
    "utcnow",
    "today",
    "sleep",
    "random",
    "randint",
    "choice",
    "shuffle",
    "uuid4",
    "urandom",
    "open",
    "print",
    "input",
    "getenv",
    "__import__",
    "import_module",
    "exec",
    "eval",
}


@pytest.fixture(scope="module")
def tree() -> ast.Module:
    return ast.parse(ENGINE.read_text(encoding="utf-8"), filename=str(ENGINE))


def imported(tree: ast.Module) -> set[str]:
    """Return every module the source imports, anywhere (not just at the top)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "the engine imports nothing relative: it stands alone"
            names.add(node.module)
    return names


def test_the_engine_imports_only_the_standard_library_it_needs(tree):
    modules = imported(tree)
    tops = {name.split(".")[0] for name in modules}
    assert not tops & FORBIDDEN, f"the engine imports {sorted(tops & FORBIDDEN)}"
    assert tops <= ALLOWED, f"unexpected imports: {sorted(tops - ALLOWED)}"
    assert {"dataclasses", "enum"} <= tops  # the check above is looking at the right file


def test_the_engine_calls_no_clock_randomness_or_io(tree):
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in IMPURE_CALLS:
                calls.append(f"line {node.lineno}: {ast.unparse(func)}()")
    assert not calls, "the engine must take `now` from its caller: " + "; ".join(calls)


def test_the_engine_keeps_no_global_state(tree):
    # Module-level names are constants, classes and functions; nothing says `global`.
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal))]


def test_loading_the_engine_loads_no_web_database_or_async_library():
    """Load engine.py on its own, in a fresh interpreter, and see what came with it."""
    script = f"""
import importlib.util, sys
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("engine_alone", {str(ENGINE)!r})
module = importlib.util.module_from_spec(spec)
sys.modules["engine_alone"] = module
spec.loader.exec_module(module)
print("\\n".join(sorted(set(sys.modules) - before)))
"""
    result = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True
    )
    loaded = {name.split(".")[0] for name in result.stdout.split()}
    third_party = {
        "flask",
        "flask_socketio",
        "flask_sqlalchemy",
        "socketio",
        "engineio",
        "sqlalchemy",
        "eventlet",
        "gevent",
        "greenlet",
        "listening",
    }
    assert not loaded & third_party, sorted(loaded & third_party)
