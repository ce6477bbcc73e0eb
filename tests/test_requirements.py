"""Version ranges that hold: every imported package is required, lower bounds cover the APIs used, loads are safe.

The real check of the lower bounds is `make test-lowest` (CI): the unit tests on exactly those versions.
"""

import ast
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
HELPERS = sorted((ROOT / "helpers").rglob("*.py"))
DISTRIBUTION = {"lightning": "lightning", "torch": "torch", "transformers": "transformers", "numpy": "numpy",
                "tokenizers": "tokenizers", "safetensors": "safetensors", "torchmetrics": "torchmetrics",
                "Korpora": "korpora", "seqeval": "seqeval", "matplotlib": "matplotlib", "ipywidgets": "ipywidgets",
                "tqdm": "tqdm", "IPython": "ipython"}  # import name -> distribution name
# Lower bounds the code needs, and why.
NEEDED = {"lightning": ("2.6", "Trainer.fit(..., weights_only=True)"),
          "torch": ("2.6", "transformers 5 refuses torch.load of .bin weights before 2.6"),
          "transformers": ("5.0", "BertTokenizer is the fast tokenizer; the v5 API"),
          "matplotlib": ("3.9", "the first release built against NumPy 2")}


def requirements() -> dict[str, Requirement]:
    """requirements.txt by lower-cased distribution name."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    found = [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]
    return {r.name.lower(): r for r in found}


def lower_bound(requirement: Requirement) -> Version | None:
    """The version of a `>=` specifier, or None."""
    return next((Version(s.version) for s in requirement.specifier if s.operator == ">="), None)


def imported_packages() -> set[str]:
    """Top-level names of the third-party packages helpers/ imports (anywhere in a module)."""
    names = set()
    for path in HELPERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names & set(DISTRIBUTION)


def test_every_imported_package_is_a_requirement_with_a_lower_bound():
    required = requirements()
    imported = imported_packages()
    assert {"torch", "lightning", "transformers", "numpy"} <= imported
    missing = sorted(DISTRIBUTION[n] for n in imported if DISTRIBUTION[n] not in required)
    assert missing == [], f"imported by helpers/ but not in requirements.txt: {missing}"
    unbounded = sorted(DISTRIBUTION[n] for n in imported if lower_bound(required[DISTRIBUTION[n]]) is None)
    assert unbounded == []


@pytest.mark.parametrize("name", sorted(NEEDED))
def test_lower_bounds_cover_what_the_code_uses(name):
    needed, why = NEEDED[name]
    assert lower_bound(requirements()[name]) >= Version(needed), f"{name} needs >= {needed}: {why}"


def test_every_torch_load_passes_weights_only_true():
    loads = []
    for path in HELPERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "torch.load":
                safe = any(k.arg == "weights_only" and ast.unparse(k.value) == "True" for k in node.keywords)
                loads.append((f"{path.name}:{node.lineno}", safe))
    assert loads and all(safe for _, safe in loads), loads
