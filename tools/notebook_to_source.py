"""Write the percent-format source `notebooks/src/NAME.py` of a committed notebook `notebooks/NAME.ipynb`.

Usage: `python tools/notebook_to_source.py notebooks/NAME.ipynb [...]` (overwrites an existing source).

For a notebook that was edited as JSON (a new notebook, or one changed on another branch): the source keeps every
cell, its id, its tags and its text; the Colab badge (first line of the title cell), the install note and the install
cell are left out because tools/build_notebook.py writes them. Before writing, the source is built back and must
give the notebook byte for byte; anything the source format cannot say (outputs, other cell or notebook metadata,
a missing badge, changed install cells, blank lines around a cell's text) stops it with the notebook and cell named.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import build_notebook
import check_notebooks

ROOT = build_notebook.ROOT
CELL_KEYS = {"markdown": ["cell_type", "metadata", "source", "id"],
             "code": ["cell_type", "metadata", "source", "execution_count", "outputs", "id"]}


def check_cell(cell: dict, where: str) -> None:
    """Stop unless a cell is one a source can say: plain keys, no outputs, only tags in its metadata."""
    kind = cell.get("cell_type")
    if kind not in CELL_KEYS or list(cell) != CELL_KEYS[kind]:
        raise SystemExit(f"{where}: a {kind} cell with keys {list(cell)} (a source writes {CELL_KEYS.get(kind)})")
    if kind == "code" and (cell["outputs"] or cell["execution_count"] is not None):
        raise SystemExit(f"{where}: the cell carries outputs or an execution count; strip them first")
    if set(cell["metadata"]) - {"tags"} or cell["metadata"].get("tags") == []:
        raise SystemExit(f"{where}: cell metadata {cell['metadata']} (a source keeps only non-empty tags)")
    if not build_notebook.CELL_ID.fullmatch(str(cell["id"])):
        raise SystemExit(f"{where}: cell id {cell['id']!r} is not 1-64 of A-Za-z0-9_-")


def cell_text(cell: dict) -> str:
    """One cell as percent-format text: its header line, then its lines (markdown ones as `# text`)."""
    kind = " [markdown]" if cell["cell_type"] == "markdown" else ""
    tags = cell["metadata"].get("tags")
    header = f"# %%{kind} id={cell['id']}" + (f" tags={json.dumps(tags, ensure_ascii=False)}" if tags else "")
    lines = "".join(cell["source"]).split("\n")
    if cell["cell_type"] == "markdown":
        lines = [f"# {line}" if line else "#" for line in lines]
    return "\n".join([header, *lines]) + "\n"


def without_generated(cells: list[dict], notebook: Path, repo: str) -> list[dict]:
    """The notebook's own cells: the badge, the install note and the install cell taken out (checked first)."""
    badge = [build_notebook.badge_line(repo, notebook.name) + "\n", "\n"]
    generated = [build_notebook.make_cell("markdown", build_notebook.INSTALL_NOTE, build_notebook.INSTALL_NOTE_ID),
                 build_notebook.make_cell("code", build_notebook.install_source(repo), build_notebook.INSTALL_CELL_ID)]
    if not cells or cells[0]["cell_type"] != "markdown" or cells[0]["source"][:2] != badge:
        raise SystemExit(f"{notebook}: the first cell does not start with the Colab badge line {badge[0]!r}")
    if cells[1:3] != generated:
        ids = [cell.get("id") for cell in cells[1:3]]
        raise SystemExit(f"{notebook}: cells 2-3 (ids {ids}) are not the install note and install cell (ids "
                         f"{[cell['id'] for cell in generated]}) that tools/build_notebook.py writes (change those "
                         "in the builder, not in a notebook)")
    return [{**cells[0], "source": cells[0]["source"][2:]}, *cells[3:]]


def source_text(notebook: Path, repo: str) -> str:
    """The percent-format source of one notebook."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    if data.get("metadata") != build_notebook.NOTEBOOK_METADATA:
        raise SystemExit(f"{notebook}: notebook metadata {data.get('metadata')} is not the builder's "
                         f"{build_notebook.NOTEBOOK_METADATA}")
    for index, cell in enumerate(data["cells"]):
        check_cell(cell, f"{notebook}: cell {index + 1} ({cell.get('id')})")
    note = (f"# Source of notebooks/{notebook.name}: edit it here, then `make notebooks` (see README). The Colab\n"
            "# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.\n")
    return note + "".join("\n" + cell_text(cell) for cell in without_generated(data["cells"], notebook, repo))


def convert(notebook: Path, root: Path = ROOT) -> Path:
    """Write the source of one notebook after checking that it builds the notebook back byte for byte."""
    repo = build_notebook.repository_slug(root / "pyproject.toml")
    source = build_notebook.source_path(notebook)
    text = source_text(notebook, repo)
    committed = notebook.read_text(encoding="utf-8")
    built = build_notebook.render(text, str(source), notebook.name, repo)
    if built != committed:
        line = check_notebooks.first_difference(committed, built)
        raise SystemExit(f"{notebook}: its source would not build it back byte for byte (line {line}: "
                         f"{check_notebooks.line_of(committed, line)} != {check_notebooks.line_of(built, line)})")
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text, encoding="utf-8")
    cells = text.count("\n# %%")
    print(f"wrote {source} ({cells} cells and the 2 install cells the builder adds)")
    return source


if __name__ == "__main__":
    if not sys.argv[1:]:
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        convert(Path(path))
