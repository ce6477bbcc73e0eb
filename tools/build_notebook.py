"""Build the course notebooks from their percent-format sources, and keep the repository address in sync everywhere.

Every notebook `notebooks/NAME.ipynb` has a diff-friendly source `notebooks/src/NAME.py` (next to what it builds, so
a contributor finds it; `tools/notebook_to_source.py` wrote the first ones from the notebooks). A source is a list
of cells, each opened by a header line:

    # %% [markdown] id=intro            a markdown cell: every line `# text` (or `#` for an empty line)
    # %% id=load-corpus tags=["x"]      a code cell, as is; `tags=` (a JSON list) is optional

Comment lines before the first header are the file's own notes and are not part of the notebook. Blank lines
around a cell separate cells and are dropped; blank lines inside a cell stay.

Cell ids: every header carries its cell's id (1-64 of `A-Za-z0-9_-`), so an id never depends on a cell's position
or text and no id shifts when a cell is inserted, moved or edited. A new cell needs a new id (a header without one
is an error that suggests one). The converted notebooks kept their ids `cell-NN` (their first positions, names only
now). The cells the builder adds have the same ids in every notebook: after the first (title) cell, whose first
line becomes the Colab badge, come the Colab install note `cell-01` and the Colab-only install cell `cell-02` (it
installs on Colab and skips itself elsewhere); these are written from pyproject.toml's address, never in a source.

Usage:
  `make notebooks` (`python tools/build_notebook.py --all`): build every notebook from its source, outputs
  stripped (`tools/check_notebooks.py`, run by tests/test_notebook_sources.py, finds the ones out of date).
  `python tools/build_notebook.py SOURCE.py notebooks/NAME.ipynb`: build one notebook.
  `python tools/build_notebook.py --sync-repository`: write the address in pyproject.toml's [project.urls]
  (`Repository`) into every notebook's badge and install cell and into README.md (for a fork, see README).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
COLAB_CHECK = 'if "google.colab" in sys.modules:'
INSTALL_NOTE = (
    "## 설치\n"
    "Colab에서는 아래 셀이 이 저장소의 helpers와 requirements를 설치합니다. torch와 ipywidgets는 Colab에 이미 있는 "
    "버전을 그대로 씁니다. 설치 뒤 *런타임 다시 시작* 안내가 나오면 다시 시작한 다음 이어서 실행하세요. "
    "로컬 JupyterLab(`make lab`)에서는 이 셀이 스스로 건너뜁니다."
)
# Where a notebook or the README names the course repository: a Colab badge link or the pip install URL.
ADDRESS = re.compile(r"(?:colab\.research\.google\.com/github/|git\+https://github\.com/)"
                     r"([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?=/blob/|\.git\b|[\\\"')\s]|$)")
HEADER = re.compile(r"^# %%(?: \[(markdown)\])?(?: id=(\S+))?(?: tags=(\[.*\]))?\s*$")
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
INSTALL_NOTE_ID, INSTALL_CELL_ID = "cell-01", "cell-02"
NOTEBOOK_METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}, "accelerator": "GPU", "colab": {"provenance": []}}


def repository_slug(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """`owner/name` of the course repository, from pyproject.toml's [project.urls] Repository."""
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["urls"]
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)/?", urls["Repository"])
    if not match:
        raise SystemExit(f"{pyproject}: [project.urls] Repository = {urls['Repository']!r} is not "
                         "https://github.com/OWNER/NAME")
    return match.group(1)


def install_source(repo: str) -> str:
    """The install cell: pip on Colab (its torch and ipywidgets pinned as they are), one Korean sentence elsewhere."""
    return (
        "# Colab에서만 설치합니다: 이 저장소의 helpers와 requirements (Colab의 torch와 ipywidgets는 그대로 둡니다).\n"
        "import sys\n"
        "\n"
        f"{COLAB_CHECK}\n"
        "    from importlib.metadata import version\n"
        "\n"
        '    with open("/tmp/colab-pins.txt", "w") as pins:\n'
        '        pins.write("".join(f"{name}=={version(name)}\\n" for name in ("torch", "ipywidgets")))\n'
        f'    %pip install -q -c /tmp/colab-pins.txt "korean-nlp-finetuning-course @ git+https://github.com/{repo}"\n'
        "else:\n"
        '    print("Colab이 아니라서 설치를 건너뜁니다: 로컬에서는 README대로 만든 환경(make lab)을 그대로 씁니다.")'
    )


def badge_line(repo: str, notebook: str) -> str:
    """The 'Open in Colab' badge of one notebook (path relative to notebooks/)."""
    return (f"[![Colab에서 열기](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook})")


def source_path(notebook: Path) -> Path:
    """The percent-format source of `notebooks/NAME.ipynb`: `notebooks/src/NAME.py`."""
    return notebook.parent / "src" / f"{notebook.stem}.py"


def notebook_path(source: Path) -> Path:
    """The notebook that `notebooks/src/NAME.py` builds: `notebooks/NAME.ipynb`."""
    return source.parent.parent / f"{source.stem}.ipynb"


def parse_header(line: str, where: str) -> dict | None:
    """The cell a `# %%` header line opens (kind, id, tags), None for any other line."""
    if not line.startswith("# %%"):
        return None
    match = HEADER.match(line)
    if not match:
        raise SystemExit(f"{where}: {line!r} is not a cell header: `# %% [markdown] id=ID tags=[...]`")
    kind, cell_id, tags = match.groups()
    if cell_id is None:
        raise SystemExit(f"{where}: the cell header {line!r} has no id: add a new one, e.g. `id=cell-"
                         f"{hashlib.sha1(where.encode()).hexdigest()[:6]}` (ids are names; never reuse one)")
    if not CELL_ID.fullmatch(cell_id):
        raise SystemExit(f"{where}: cell id {cell_id!r} is not 1-64 of A-Za-z0-9_-")
    try:
        tags = json.loads(tags) if tags else []
    except json.JSONDecodeError as error:
        raise SystemExit(f"{where}: tags={tags} is not a JSON list: {error}") from None
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise SystemExit(f"{where}: tags={tags} is not a JSON list of strings")
    return {"kind": "markdown" if kind else "code", "id": cell_id, "tags": tags, "lines": [], "where": where}


def markdown_line(line: str, where: str) -> str:
    """One markdown line from its `# text` form in a source."""
    if line.startswith("# ") or line == "#" or not line.strip():
        return line[2:]
    raise SystemExit(f"{where}: a markdown line must start with '# ' (or be '#'): {line!r}")


def parse_cells(text: str, name: str = "<source>") -> list[dict]:
    """Split percent-format text into notebook cells; `name` (the source path) goes into every error."""
    cells: list[dict] = []
    seen: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        header = parse_header(line, where)
        if header:
            if header["id"] in seen:
                raise SystemExit(f"{where}: cell id {header['id']!r} is already used at {seen[header['id']]}")
            seen[header["id"]] = where
            cells.append(header)
        elif cells:
            cells[-1]["lines"].append((line, where))
        elif line.strip() and not line.startswith("#"):
            raise SystemExit(f"{where}: text before the first `# %%` cell header: {line!r}")
    out = []
    for cell in cells:
        lines = cell["lines"]
        while lines and not lines[-1][0].strip():
            lines.pop()
        while lines and not lines[0][0].strip():
            lines.pop(0)
        if cell["kind"] == "markdown":
            lines = [(markdown_line(line, where), where) for line, where in lines]
        out.append(make_cell(cell["kind"], "\n".join(line for line, _ in lines), cell["id"], cell["tags"]))
    return out


def make_cell(kind: str, source: str, cell_id: str, tags: list[str] | None = None) -> dict:
    """One nbformat-4 cell without outputs."""
    lines = source.splitlines(keepends=True)
    cell = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}, "source": lines}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    cell["id"] = cell_id
    return cell


def render(text: str, source: str, notebook: str, repo: str) -> str:
    """The notebook JSON text that source `text` (read from file `source`) builds as `notebooks/{notebook}`."""
    cells = parse_cells(text, source)
    if not cells or cells[0]["cell_type"] != "markdown":
        raise SystemExit(f"{source}: the first cell must be the markdown title cell (the badge goes into it)")
    cells[0]["source"] = [badge_line(repo, notebook) + "\n", "\n", *cells[0]["source"]]
    generated = [make_cell("markdown", INSTALL_NOTE, INSTALL_NOTE_ID),
                 make_cell("code", install_source(repo), INSTALL_CELL_ID)]
    for cell in cells:
        if cell["id"] in (INSTALL_NOTE_ID, INSTALL_CELL_ID):
            raise SystemExit(f"{source}: cell id {cell['id']!r} is the builder's own (the Colab install cells)")
    cells[1:1] = generated
    notebook_json = {"cells": cells, "metadata": NOTEBOOK_METADATA, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook_json, ensure_ascii=False, indent=1) + "\n"


def build(source: Path, target: Path, root: Path = ROOT) -> bool:
    """Write the notebook for one source file unless it is already what the source builds; True if written."""
    text = render(source.read_text(encoding="utf-8"), str(source), target.name,
                  repository_slug(root / "pyproject.toml"))
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    shown = target.relative_to(root) if target.is_relative_to(root) else target
    print(f"wrote {shown} ({len(json.loads(text)['cells'])} cells)")
    return True


def missing_sources(root: Path = ROOT) -> list[str]:
    """One line for every committed notebook that has no source (convert it once)."""
    return [f"{notebook.relative_to(root)} has no source {source_path(notebook).relative_to(root)}: write it once "
            f"with `python tools/notebook_to_source.py {notebook.relative_to(root)}`"
            for notebook in sorted((root / "notebooks").glob("*.ipynb")) if not source_path(notebook).exists()]


def build_all(root: Path = ROOT) -> list[Path]:
    """Build every notebook from its source (`make notebooks`); return the notebooks that changed."""
    sources = sorted((root / "notebooks" / "src").glob("*.py"))
    changed = [notebook_path(source) for source in sources if build(source, notebook_path(source), root)]
    print(f"{len(sources)} notebooks built from notebooks/src, {len(changed)} changed")
    if missing := missing_sources(root):
        raise SystemExit("\n".join(missing))
    return changed


def retarget(text: str, repo: str) -> str:
    """`text` with every course address (Colab badges, pip URLs and GitHub links to it) pointing at `repo`."""
    for old in {m.group(1) for m in ADDRESS.finditer(text)} - {repo}:
        text = re.sub(rf"(?:(?<=github\.com/)|(?<=/github/)){re.escape(old)}(?=[/\\\"')\s]|\.git\b|$)", repo, text)
    return text


def sync_repository(root: Path = ROOT) -> list[Path]:
    """Point the README and every notebook at pyproject's repository; return the files that changed."""
    repo = repository_slug(root / "pyproject.toml")
    changed = []
    for path in [root / "README.md", *sorted((root / "notebooks").glob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        new = retarget(text, repo)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    print(f"repository {repo}: {len(changed)} files changed" + "".join(f"\n  {p}" for p in changed))
    return changed


if __name__ == "__main__":
    if sys.argv[1:] == ["--sync-repository"]:
        sync_repository()
    elif sys.argv[1:] == ["--all"]:
        build_all()
    elif len(sys.argv) == 3:
        build(Path(sys.argv[1]), Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
