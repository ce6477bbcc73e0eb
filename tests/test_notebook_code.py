"""The course shows its code: a notebook cell tagged `library:MODULE` defines functions or classes that MODULE holds
word for word, and each stage and task notebook shows the calls of the stage it teaches."""

from __future__ import annotations

import ast
import difflib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import build_notebook  # noqa: E402

SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))
LIBRARY_TAG = "library:"
# What a learner reads (and runs) in each notebook's code cells: the calls and definitions of its stage.
SHOWN: dict[str, list[str]] = {
    "01_settings": ["@dataclass", "class CourseSettings", 'metadata={"help"', "describe("],
    "02_download": ["Korpora.fetch("],
    # One loader for every task (10-12 pass their own model class): the classifier is
    # load_pretrained(BertForSequenceClassification, ...), which calls model_class.from_pretrained(...).
    "03_pretrained_model": ["BertConfig.from_pretrained(", "model_class.from_pretrained(",
                            "load_pretrained(BertForSequenceClassification",
                            "BertForSequenceClassification.from_pretrained("],
    "04_tokenizer": ["BertTokenizer.from_pretrained(", "tokenizer("],
    # The training loader's sampler yields whole (length-grouped) batches, so it is the DataLoader's batch_sampler=.
    "05_dataloader": ["def collate_dynamic_padding", "DataLoader(", "batch_sampler=", "collate_fn="],
    "06_task": ["(L.LightningModule)", "def training_step", "def validation_step", "def configure_optimizers"],
    "07_training": ["L.Trainer(", "trainer.fit("],
    "10_pair_classification": ["def encode_pair_chunk", "ClassificationTask("],
    "11_named_entity_recognition": ["def token_tags", "class TokenClassificationTask"],
    "12_question_answering": ["class QaFeatureBuilder", "def decode_answers", "class QuestionAnsweringTask"],
    "13_sentence_generation": ["def build_lm_dataset", "def token_nll", "class LanguageModelTask"],
}


def code_cells(source: Path) -> list[dict]:
    """The code cells a notebook source builds."""
    cells = build_notebook.parse_cells(source.read_text(encoding="utf-8"), str(source))
    return [c for c in cells if c["cell_type"] == "code"]


def library_cells() -> list[tuple[str, str, str, str]]:
    """(notebook, cell id, module, cell text) of every cell tagged `library:MODULE`."""
    found = []
    for source in SOURCES:
        for cell in code_cells(source):
            for tag in cell["metadata"].get("tags", []):
                if tag.startswith(LIBRARY_TAG):
                    found.append((source.stem, cell["id"], tag[len(LIBRARY_TAG):], "".join(cell["source"])))
    return found


def definitions(text: str, where: str) -> dict[str, str]:
    """Top-level functions and classes of Python `text`, each as its exact source (decorators included)."""
    lines = text.splitlines()
    found = {}
    for node in ast.parse(text, where).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found[node.name] = "\n".join(lines[first - 1 : node.end_lineno])
    return found


def module_file(module: str) -> Path:
    """The file of an importable helpers module (found without importing it)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not a module"
    return Path(spec.origin)


def differences(cell_text: str, module: str, where: str) -> list[str]:
    """What a library cell defines differently from (or in addition to) its module: empty when they are equal."""
    shown = definitions(cell_text, where)
    if not shown:
        return [f"{where}: tagged {LIBRARY_TAG}{module} but defines no function or class"]
    held = definitions(module_file(module).read_text(encoding="utf-8"), module)
    problems = []
    for name, text in shown.items():
        if name not in held:
            problems.append(f"{where}: defines {name}, which {module} does not hold")
        elif text != held[name]:
            diff = "\n".join(difflib.unified_diff(held[name].splitlines(), text.splitlines(), module, where,
                                                  lineterm="", n=1))
            problems.append(f"{where}: {name} differs from {module}'s:\n{diff}")
    return problems


@pytest.mark.parametrize("notebook, cell_id, module, text", library_cells(),
                         ids=[f"{n}-{c}" for n, c, _, _ in library_cells()])
def test_a_library_cell_is_the_library_code(notebook, cell_id, module, text):
    problems = differences(text, module, f"notebooks/src/{notebook}.py cell {cell_id}")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("notebook", sorted(SHOWN))
def test_each_notebook_shows_the_code_of_its_stage(notebook):
    cells = code_cells(ROOT / "notebooks" / "src" / f"{notebook}.py")
    code = "\n".join("".join(c["source"]) for c in cells)
    missing = [snippet for snippet in SHOWN[notebook] if snippet not in code]
    assert not missing, f"notebooks/src/{notebook}.py shows none of {missing} in its code cells"
    assert any(any(t.startswith(LIBRARY_TAG) for t in c["metadata"].get("tags", [])) for c in cells), \
        f"notebooks/src/{notebook}.py has no cell tagged {LIBRARY_TAG}MODULE"


def test_a_changed_line_or_an_unknown_name_is_found():
    module = "helpers.core.data"
    held = definitions(module_file(module).read_text(encoding="utf-8"), module)["collate_dynamic_padding"]
    assert differences(held, module, "cell") == []
    changed = held.replace("pad_token_id", "pad_id", 1)
    assert "collate_dynamic_padding differs" in differences(changed, module, "cell")[0]
    assert "does not hold" in differences("def not_in_the_library():\n    pass\n", module, "cell")[0]
    assert "defines no function" in differences("x = 1\n", module, "cell")[0]
