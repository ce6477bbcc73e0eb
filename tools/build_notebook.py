"""Turn a percent-format script (`# %% [markdown]` / `# %%` cells) into a course notebook, outputs stripped.

Usage: `python tools/build_notebook.py SOURCE.py notebooks/NAME.ipynb`. The Colab badge and the one install
cell (tagged `skip-execution`, so nbmake uses the test environment) are added after the first (title) cell.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = "kor-nlp-course/finetuning-course"
INSTALL = (
    "# Colab / 새 환경에서만 실행하세요 (이 저장소의 helpers와 requirements 설치).\n"
    f'%pip install -q "korean-nlp-finetuning-course @ git+https://github.com/{REPO}"'
)
INSTALL_NOTE = (
    "## 설치\n"
    "Colab에서는 아래 셀을 한 번 실행합니다. torch와 ipywidgets는 Colab에 이미 있는 버전을 그대로 씁니다. "
    "설치 뒤 *런타임 다시 시작* 안내가 나오면 다시 시작한 다음 이어서 실행하세요. "
    "로컬 JupyterLab에서 README대로 설치했다면 건너뛰어도 됩니다."
)
HEADER = re.compile(r"^# %%(?: \[(markdown)\])?(?: tags=(\[.*\]))?\s*$")


def parse_cells(text: str) -> list[dict]:
    """Split percent-format text into notebook cells."""
    cells: list[dict] = []
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            cells.append({"kind": "markdown" if match.group(1) else "code",
                          "tags": json.loads(match.group(2)) if match.group(2) else [], "lines": []})
        elif cells:
            cells[-1]["lines"].append(line)
    out = []
    for cell in cells:
        lines = cell["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if cell["kind"] == "markdown":
            lines = [l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines]
        out.append(make_cell(cell["kind"], "\n".join(lines), cell["tags"]))
    return out


def make_cell(kind: str, source: str, tags: list[str] | None = None) -> dict:
    """One nbformat-4 cell without outputs."""
    lines = source.splitlines(keepends=True)
    cell = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}, "source": lines}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build(source: Path, target: Path) -> None:
    """Write the notebook for one source file."""
    cells = parse_cells(source.read_text(encoding="utf-8"))
    rel = target.as_posix().split("notebooks/", 1)[-1]
    badge = (f"[![Colab에서 열기](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{rel})")
    cells[0]["source"] = [badge + "\n", "\n", *cells[0]["source"]]
    cells[1:1] = [make_cell("markdown", INSTALL_NOTE), make_cell("code", INSTALL, ["skip-execution"])]
    notebook = {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "accelerator": "GPU", "colab": {"provenance": []}},
        "nbformat": 4, "nbformat_minor": 5}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:02d}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(cells)} cells)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    build(Path(sys.argv[1]), Path(sys.argv[2]))
