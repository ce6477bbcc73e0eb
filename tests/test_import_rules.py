"""The package's layering, read from its import statements: core imports no task, a task imports core only, demos
import tasks, and no import of helpers hides inside a function (where a cycle would be dodged)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
TASKS = ("classification", "pair_classification", "ner", "question_answering", "generation", "pretraining")
# What each layer may import besides itself (a task package: itself only, never another task).
ALLOWED = {"core": {"core"}, **{task: {"core", task} for task in TASKS},
           "demos": {"core", "demos", *TASKS}, "exercises": {"core", "demos", "exercises", *TASKS},
           "train": {"core", *TASKS}, "__init__": {"core"}}


def module_name(path: Path) -> str:
    """`helpers.core.settings` for helpers/core/settings.py, `helpers.core` for its __init__.py."""
    parts = path.relative_to(HELPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """The package a module belongs to: `core`, a task, `demos`, `exercises`, `train` or the top `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def helpers_imports(tree: ast.AST, module: str) -> list[tuple[int, str, bool]]:
    """(line, imported helpers module, inside a function?) of every import of helpers in a module's tree."""
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:  # relative: resolve against this module's package
                    base = module if module_is_package(module) else module.rpartition(".")[0]
                    base = ".".join(base.split(".")[: len(base.split(".")) - child.level + 1])
                    name = ".".join([base] + ([child.module] if child.module else []))
                else:
                    name = child.module or ""
                if name == "helpers" or name.startswith("helpers."):
                    targets = [name] if name != "helpers" else [f"helpers.{a.name}" for a in child.names]
                    found.extend((child.lineno, t, in_function) for t in targets)
            elif isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, in_function) for a in child.names
                             if a.name == "helpers" or a.name.startswith("helpers."))
            visit(child, nested)

    visit(tree, False)
    return found


def module_is_package(module: str) -> bool:
    """Whether `module` names a package (a folder with __init__.py)."""
    return (HELPERS.parent / module.replace(".", "/") / "__init__.py").exists()


@functools.cache
def all_imports() -> dict[str, list[tuple[int, str, bool]]]:
    """Every helpers module's imports of helpers, keyed by module name."""
    return {module_name(p): helpers_imports(ast.parse(p.read_text(encoding="utf-8")), module_name(p))
            for p in sorted(HELPERS.rglob("*.py"))}


def test_the_layout_has_core_every_task_package_and_demos():
    packages = {p.parent.name for p in HELPERS.glob("*/__init__.py")}
    assert {"core", "demos", "exercises", *TASKS} <= packages
    assert not [p.name for p in HELPERS.glob("*.py") if p.name not in ("__init__.py", "train.py")], \
        "flat modules left at the top of helpers/"


@pytest.mark.parametrize("module", sorted(all_imports()))
def test_each_module_imports_only_what_its_layer_allows(module):
    allowed = ALLOWED[layer(module)]
    bad = [f"{module}:{line} imports {target}" for line, target, _ in all_imports()[module]
           if layer(target) not in allowed]
    assert not bad, "\n".join(bad)


def test_no_module_imports_helpers_inside_a_function():
    hidden = [f"{module}:{line} imports {target} inside a function"
              for module, imports in all_imports().items() for line, target, nested in imports if nested]
    assert not hidden, "\n".join(hidden)


def test_the_import_graph_has_no_cycle():
    graph = {m: {t for _, t, _ in imports if t in all_imports()} for m, imports in all_imports().items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join((path + [node])[(path + [node]).index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_rule_reader_sees_a_violation():
    source = "from helpers.ner.pipeline import run_ner\n\ndef f():\n    from helpers.core import settings\n"
    imports = helpers_imports(ast.parse(source), "helpers.core.example")
    assert imports == [(1, "helpers.ner.pipeline", False), (4, "helpers.core", True)]
    assert layer("helpers.ner.pipeline") not in ALLOWED[layer("helpers.core.example")]
