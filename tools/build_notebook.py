"""Build course notebooks from percent-format scripts, and keep the repository address in sync everywhere.

Usage:
  `python tools/build_notebook.py SOURCE.py notebooks/NAME.ipynb`: turn a percent-format script (`# %% [markdown]`
  / `# %%` cells) into a course notebook, outputs stripped. The Colab badge and the Colab-only install cell (it
  installs on Colab and skips itself elsewhere) are added after the first (title) cell.
  `python tools/build_notebook.py --sync-repository`: write the address in pyproject.toml's [project.urls]
  (`Repository`) into every notebook's badge and install cell and into README.md (for a fork, see README).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

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
HEADER = re.compile(r"^# %%(?: \[(markdown)\])?(?: tags=(\[.*\]))?\s*$")


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
    repo = repository_slug()
    cells = parse_cells(source.read_text(encoding="utf-8"))
    rel = target.as_posix().split("notebooks/", 1)[-1]
    cells[0]["source"] = [badge_line(repo, rel) + "\n", "\n", *cells[0]["source"]]
    cells[1:1] = [make_cell("markdown", INSTALL_NOTE), make_cell("code", install_source(repo))]
    notebook = {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "accelerator": "GPU", "colab": {"provenance": []}},
        "nbformat": 4, "nbformat_minor": 5}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:02d}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(cells)} cells)")


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
    elif len(sys.argv) == 3:
        build(Path(sys.argv[1]), Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
