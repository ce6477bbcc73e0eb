"""Notebook cells a learner meets first: Colab-only cells skip themselves elsewhere; one repository address."""

import importlib.util
import json
import re
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COLAB_ONLY = ("google.colab import", "apt-get", "%pip", "!pip")
spec = importlib.util.spec_from_file_location("build_notebook", ROOT / "tools" / "build_notebook.py")
build_notebook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_notebook)


def code_sources(path: Path) -> list[tuple[str, list[str], str]]:
    """(cell id, tags, source) of every code cell of a notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(c["id"], c.get("metadata", {}).get("tags", []), "".join(c["source"]))
            for c in cells if c["cell_type"] == "code"]


def colab_only_cells() -> list[tuple[str, str]]:
    """(notebook:cell, source) of every cell that only makes sense on Colab."""
    return [(f"{path.name}:{cell}", source) for path in NOTEBOOKS for cell, _, source in code_sources(path)
            if any(marker in source for marker in COLAB_ONLY)]


def test_no_cell_relies_on_nbmake_skipping_it():
    tagged = [f"{p.name}:{cell}" for p in NOTEBOOKS for cell, tags, _ in code_sources(p) if "skip-execution" in tags]
    assert tagged == []  # so `make test` runs every cell, as Run All in JupyterLab does


def test_every_colab_only_line_sits_under_the_colab_check():
    cells = colab_only_cells()
    drive = {where.split("_")[0] for where, source in cells if "drive.mount" in source}
    assert {"01", "07", "10", "12", "13"} <= drive <= {"01", "07", "10", "11", "12", "13"}  # 01 and the training notebooks
    assert len(cells) == len(NOTEBOOKS) + len(drive) + 5  # an install cell each, the Drive cells, 20-24's font cell
    for where, source in cells:
        lines = source.splitlines()
        check = lines.index(build_notebook.COLAB_CHECK)
        for number, line in enumerate(lines):
            if any(marker in line for marker in COLAB_ONLY):
                assert number > check and line.startswith("    "), f"{where}: {line!r} runs outside Colab"


def test_colab_only_cells_of_every_notebook_skip_themselves_in_one_korean_sentence():
    cells = colab_only_cells()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for _, source in cells])
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    for (where, _), cell in zip(cells, notebook.cells):
        assert {(o["output_type"], o.get("name")) for o in cell.outputs} == {("stream", "stdout")}, where
        text = "".join(o["text"] for o in cell.outputs)
        assert text.startswith("Colab이 아니라서") and text.count("\n") == 1, (where, text)


def test_every_course_address_is_the_one_in_pyproject():
    repo = build_notebook.repository_slug()
    assert repo == "kor-nlp-course/finetuning-course"
    for path in [ROOT / "README.md", *NOTEBOOKS]:
        found = [m.group(1) for m in build_notebook.ADDRESS.finditer(path.read_text(encoding="utf-8"))]
        assert found and set(found) == {repo}, path.name
        if path.suffix == ".ipynb":
            assert len(found) == 2, path.name  # the Colab badge and the install cell


def test_sync_repository_points_a_fork_everywhere(tmp_path):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("outputs", "data"))
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(pyproject.replace("github.com/kor-nlp-course/finetuning-course",
                                                               "github.com/my-name/my-course"), encoding="utf-8")
    before = {p.name: p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *NOTEBOOKS]}
    changed = build_notebook.sync_repository(tmp_path)
    assert len(changed) == len(NOTEBOOKS) + 1
    for path in [tmp_path / "README.md", *sorted((tmp_path / "notebooks").glob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        assert "kor-nlp-course" not in text
        assert text.count("my-name/my-course") == before[path.name].count("kor-nlp-course/finetuning-course")
        assert re.sub("my-name/my-course", "kor-nlp-course/finetuning-course", text) == before[path.name]
        if path.suffix == ".ipynb":
            json.loads(text)
    assert build_notebook.sync_repository(tmp_path) == []  # a second run has nothing left to change
