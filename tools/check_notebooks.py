"""Find the committed notebooks that are out of date: differing from what their source builds, or carrying outputs.

`python tools/check_notebooks.py` prints one line per problem (exit status 1); tests/test_notebook_sources.py runs
the same check in `make test`, so CI fails on a notebook edited by hand or committed with outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import build_notebook

ROOT = build_notebook.ROOT


def first_difference(a: str, b: str) -> int:
    """The first line number (1-based) where texts `a` and `b` differ."""
    a_lines, b_lines = a.splitlines(), b.splitlines()
    return next((i for i, (x, y) in enumerate(zip(a_lines, b_lines), start=1) if x != y),
                min(len(a_lines), len(b_lines)) + 1)


def line_of(text: str, number: int) -> str:
    """Line `number` of `text`, quoted, or <end> past its last line."""
    lines = text.splitlines()
    return repr(lines[number - 1].strip()) if number <= len(lines) else "<end>"


def stale_notebooks(root: Path = ROOT) -> list[str]:
    """One line for every committed notebook that carries outputs or differs from what its source builds."""
    repo = build_notebook.repository_slug(root / "pyproject.toml")
    problems = build_notebook.missing_sources(root)
    for source in sorted((root / "notebooks" / "src").glob("*.py")):
        notebook = build_notebook.notebook_path(source)
        name = notebook.relative_to(root)
        if not notebook.exists():
            problems.append(f"{name} is missing: {source.relative_to(root)} builds it, run `make notebooks`")
            continue
        committed = notebook.read_text(encoding="utf-8")
        try:
            cells = json.loads(committed)["cells"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            problems.append(f"{name} is not a notebook ({error!r}): run `make notebooks` to build it again")
            continue
        outputs = [cell.get("id", index) for index, cell in enumerate(cells)
                   if cell.get("outputs") or cell.get("execution_count") is not None]
        if outputs:
            problems.append(f"{name} carries outputs or execution counts (cells {', '.join(map(str, outputs))}): "
                            "commit it stripped, run `make notebooks`")
        text = source.read_text(encoding="utf-8")
        built = build_notebook.render(text, str(source.relative_to(root)), notebook.name, repo)
        if committed != built:
            line = first_difference(committed, built)
            problems.append(f"{name} differs from what {source.relative_to(root)} builds (line {line}: "
                            f"{line_of(committed, line)} != {line_of(built, line)}): edit the source, not the "
                            "notebook, and run `make notebooks`")
    return problems


if __name__ == "__main__":
    if problems := stale_notebooks():
        sys.exit("\n".join(problems))
    print("every notebook is what its source builds, without outputs")
