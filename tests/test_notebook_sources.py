"""Notebooks are built from their percent-format sources: committed notebooks match them, ids are names."""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import build_notebook  # noqa: E402
import check_notebooks  # noqa: E402
import notebook_to_source  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))
REPO = build_notebook.repository_slug()


def copy_course(tmp_path: Path) -> Path:
    """A copy of pyproject.toml and notebooks/ (sources included) to edit in a test."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns("outputs", "data", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def cell_ids(text: str, name: str = "x.py") -> list[str]:
    """The cell ids of the notebook a source text builds."""
    return [cell["id"] for cell in json.loads(build_notebook.render(text, name, name, REPO))["cells"]]


def test_every_committed_notebook_is_what_its_source_builds_without_outputs():
    problems = check_notebooks.stale_notebooks()
    assert problems == [], "\n".join(problems)
    assert len(SOURCES) == len(NOTEBOOKS) >= 16


def test_the_converter_writes_the_committed_sources_back():
    for notebook in NOTEBOOKS:
        source = build_notebook.source_path(notebook)
        assert notebook_to_source.source_text(notebook, REPO) == source.read_text(encoding="utf-8"), source.name


def test_a_hand_edited_notebook_fails_the_check_naming_it_and_make_notebooks(tmp_path):
    root = copy_course(tmp_path)
    edited = root / "notebooks" / "04_tokenizer.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("WordPiece", "WordPeace", 1), encoding="utf-8")
    problems = check_notebooks.stale_notebooks(root)
    assert len(problems) == 1
    assert problems[0].startswith("notebooks/04_tokenizer.ipynb differs from what notebooks/src/04_tokenizer.py")
    assert "WordPeace" in problems[0] and "make notebooks" in problems[0]
    assert build_notebook.build_all(root) == [edited]  # `make notebooks` puts the source's text back
    assert edited.read_text(encoding="utf-8") == (ROOT / "notebooks" / "04_tokenizer.ipynb").read_text("utf-8")
    assert check_notebooks.stale_notebooks(root) == []


def test_a_notebook_with_an_output_or_an_execution_count_fails_the_check(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "07_training.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    code[1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    code[2]["execution_count"] = 3
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    problems = check_notebooks.stale_notebooks(root)
    assert len(problems) == 2
    assert problems[0] == (f"notebooks/07_training.ipynb carries outputs or execution counts (cells {code[1]['id']}, "
                           f"{code[2]['id']}): commit it stripped, run `make notebooks`")
    assert problems[1].startswith("notebooks/07_training.ipynb differs from")


def test_a_notebook_without_a_source_or_a_source_without_its_notebook_fails_the_check(tmp_path):
    root = copy_course(tmp_path)
    shutil.copy(root / "notebooks" / "06_task.ipynb", root / "notebooks" / "14_new.ipynb")
    (root / "notebooks" / "02_download.ipynb").unlink()
    assert check_notebooks.stale_notebooks(root) == [
        "notebooks/14_new.ipynb has no source notebooks/src/14_new.py: write it once with "
        "`python tools/notebook_to_source.py notebooks/14_new.ipynb`",
        "notebooks/02_download.ipynb is missing: notebooks/src/02_download.py builds it, run `make notebooks`"]


def test_inserting_a_cell_shifts_no_id():
    text = build_notebook.source_path(NOTEBOOKS[0]).read_text(encoding="utf-8")
    before = cell_ids(text)
    second = text.index("\n# %%", text.index("# %% [markdown] id=cell-00") + 1)
    inserted = text[:second] + "\n\n# %% id=check-version\nimport sys\nprint(sys.version)\n" + text[second:]
    after = cell_ids(inserted)
    assert after == before[:3] + ["check-version"] + before[3:]
    assert before[:3] == ["cell-00", "cell-01", "cell-02"]  # title, then the builder's Colab install note and cell


def test_a_source_round_trips_tags_blank_lines_and_markdown_hashes():
    text = ("# notes of this file\n\n# %% [markdown] id=title\n# # Title\n#\n#   indented\n"
            "# %% id=code-1 tags=[\"slow\", \"x\"]\n\nx = 1\n\n\ny = 2\n\n"
            "# %% [markdown] id=end\n# ## 끝 #\n")
    cells = json.loads(build_notebook.render(text, "t.py", "t.ipynb", REPO))["cells"]
    assert [c["id"] for c in cells] == ["title", "cell-01", "cell-02", "code-1", "end"]
    assert cells[0]["source"][2:] == ["# Title\n", "\n", "  indented"]
    assert cells[3] == {"cell_type": "code", "metadata": {"tags": ["slow", "x"]}, "source": ["x = 1\n", "\n", "\n",
                        "y = 2"], "execution_count": None, "outputs": [], "id": "code-1"}
    assert cells[4]["source"] == ["## 끝 #"]
    assert notebook_to_source.cell_text(cells[3]) == "# %% id=code-1 tags=[\"slow\", \"x\"]\nx = 1\n\n\ny = 2\n"


@pytest.mark.parametrize("text, error", [
    ("# %% [markdown] id=a\n# t\n# %%\nx = 1\n", "x.py:3: the cell header '# %%' has no id: add a new one"),
    ("# %% [markdown] id=a\n# t\n# %% id=a\nx = 1\n", "x.py:3: cell id 'a' is already used at x.py:1"),
    ("# %% [markdown] id=a\n# t\n# %% id=cell-02\nx = 1\n", "x.py: cell id 'cell-02' is the builder's own"),
    ("# %% [markdown] id=a\n# t\n# %% id=a.b\n", "x.py:3: cell id 'a.b' is not 1-64 of A-Za-z0-9_-"),
    ("# %% [markdown] id=a\n# t\n# %% code id=b\n", "x.py:3: '# %% code id=b' is not a cell header"),
    ("# %% [markdown] id=a\n# t\n# %% id=b tags=[x]\n", "x.py:3: tags=[x] is not a JSON list"),
    ("# %% [markdown] id=a\ntitle\n", "x.py:2: a markdown line must start with '# ' (or be '#'): 'title'"),
    ("import os\n# %% [markdown] id=a\n# t\n", "x.py:1: text before the first `# %%` cell header"),
    ("# %% id=a\nx = 1\n", "x.py: the first cell must be the markdown title cell"),
])
def test_a_bad_source_stops_the_build_naming_file_and_line(text, error):
    with pytest.raises(SystemExit, match="^" + re.escape(error)):
        build_notebook.render(text, "x.py", "x.ipynb", REPO)


def test_the_converter_refuses_what_a_source_cannot_say(tmp_path):
    root = copy_course(tmp_path)
    path = root / "notebooks" / "03_pretrained_model.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][4]["metadata"]["collapsed"] = True
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"03_pretrained_model.ipynb: cell 5 \(cell-04\): cell metadata"):
        notebook_to_source.convert(path, root)
    notebook["cells"][4]["metadata"] = {}
    notebook["cells"][2]["source"][-1] += " # edited"
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"cells 2-3 \(ids \[.cell-01., .cell-02.\]\) are not the install note"):
        notebook_to_source.convert(path, root)
