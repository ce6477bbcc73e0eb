"""Run in a subprocess by test_hub_path: load a task's pretrained model through the course's own loaders with the
default settings (the hub client configured by the environment), dump what was loaded, then run the pipeline.

    python tests/hub_probe.py TASK DUMP_FOLDER

writes DUMP_FOLDER/loaded.safetensors (the model right after loading) and DUMP_FOLDER/loading_info.json
(transformers' missing/unexpected/mismatched keys for the same checkpoint), then runs `helpers.train TASK`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from safetensors.torch import save_file
from transformers import BertForSequenceClassification, GPT2LMHeadModel

from helpers.core.corpora import NSMC_LABELS
from helpers.core.models import load_sequence_classifier
from helpers.core.settings import settings_for_task
from helpers.generation.models import load_generation_model, load_generation_tokenizer
from helpers.train import main as train


def load_document_classifier() -> tuple[Any, dict[str, list[str]]]:
    """The classifier as the pipeline loads it, and the loading info of the same hub checkpoint."""
    settings = settings_for_task("document-classification")
    model = load_sequence_classifier(settings, NSMC_LABELS)
    _, info = BertForSequenceClassification.from_pretrained(settings.pretrained_model_name, num_labels=2,
                                                            output_loading_info=True)
    return model, info


def load_kogpt2() -> tuple[Any, dict[str, list[str]]]:
    """KoGPT2 as the pipeline loads it (tokenizer first), and the loading info of the same hub checkpoint."""
    settings = settings_for_task("generation")
    model = load_generation_model(settings, load_generation_tokenizer(settings))
    _, info = GPT2LMHeadModel.from_pretrained(settings.pretrained_model_name, output_loading_info=True)
    return model, info


def dump(model: Any, info: dict[str, Any], folder: Path) -> None:
    """Write the loaded tensors (tied ones copied apart) and the loading info as JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().clone().contiguous() for k, v in model.state_dict().items()},
              str(folder / "loaded.safetensors"))
    keys = {name: sorted(str(k) for k in info.get(name, ())) for name in
            ("missing_keys", "unexpected_keys", "mismatched_keys")}
    (folder / "loading_info.json").write_text(json.dumps(keys, indent=1))


def main(task: str, folder: str) -> None:
    """Dump the model the course loads for `task`, then run the task's whole pipeline with default settings."""
    loaders = {"document-classification": load_document_classifier, "generation": load_kogpt2}
    dump(*loaders[task](), Path(folder))
    train([task])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
