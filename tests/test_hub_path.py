"""The hub path, offline: a local server plays the model hub for beomi/kcbert-base and skt/kogpt2-base-v2 (tiny
models made here), and the document-classification and generation pipelines run with their default model names,
first downloading and caching, then again from the cache alone with the server stopped (HF_HUB_OFFLINE=1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from local_servers import LocalServer, hub_resolver
from safetensors.torch import load_file
from transformers import BertConfig, BertForPreTraining, GPT2Config, GPT2LMHeadModel

from helpers.core.corpora import NsmcReader
from helpers.core.models import EMBEDDED_TOKENIZER_DIR
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings
from helpers.generation.models import KOGPT2_NAME, train_byte_level_bpe

ROOT = Path(__file__).resolve().parents[1]
KCBERT_NAME = CourseSettings.pretrained_model_name
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def hub_repos(tmp_path_factory) -> dict[str, Path]:
    """Folders in the hub's file layout: a tiny BERT (with KcBERT's vocab files) and a tiny GPT-2 with a
    byte-level BPE tokenizer.json carrying KoGPT2's special tokens."""
    base = tmp_path_factory.mktemp("hub")
    torch.manual_seed(0)
    bert = base / "kcbert"
    vocab_size = sum(1 for _ in open(EMBEDDED_TOKENIZER_DIR / "vocab.txt", encoding="utf-8"))
    config = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=300)
    BertForPreTraining(config).save_pretrained(bert)  # bert.* (with pooler) + cls.* heads, as KcBERT's checkpoint
    for name in ("vocab.txt", "tokenizer_config.json"):
        shutil.copy(EMBEDDED_TOKENIZER_DIR / name, bert / name)
    gpt2 = base / "kogpt2"
    texts = [row.text for row in NsmcReader().read(EMBEDDED_SAMPLE_ROOT / "nsmc" / "ratings_train.txt", False)]
    tokenizer = train_byte_level_bpe(texts, vocab_size=800)
    tokenizer.save_pretrained(gpt2)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_layer=2, n_head=2, n_embd=32,
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(gpt2)
    return {KCBERT_NAME: bert, KOGPT2_NAME: gpt2}


def run_probe(task: str, work: Path, env_changes: dict[str, str]) -> str:
    """Run tests/hub_probe.py for `task` with the hub environment; return its stdout+stderr (asserting success)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_", "TRANSFORMERS_", "NLPBOOK_"))}
    env.update(PYTHONPATH=str(ROOT), NLPBOOK_CORPUS_ROOT=str(EMBEDDED_SAMPLE_ROOT),
               NLPBOOK_OUTPUT_ROOT=str(work / "outputs"), HF_HUB_DISABLE_TELEMETRY="1", **env_changes)
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "hub_probe.py"), task, str(work / "dump")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, output[-6000:]
    assert f"{task} finished" in output, output[-3000:]
    return output


def missing_in_report(output: str) -> list[str]:
    """The keys that transformers' LOAD REPORT lists as MISSING (newly initialised) in a run's output."""
    return [line.split("|")[0].strip() for line in output.splitlines() if re.search(r"\|\s*MISSING\s*\|", line)]


def assert_served_weights_loaded(work: Path, served_folder: Path, prefix: str, head: set[str]) -> None:
    """Every served tensor under `prefix` equals the loaded one; only the `head` keys were newly initialised."""
    served = load_file(str(served_folder / "model.safetensors"))
    loaded = load_file(str(work / "dump" / "loaded.safetensors"))
    checked = [k for k in served if k.startswith(prefix)]
    assert checked, f"no served tensor starts with {prefix!r}"
    for key in checked:
        assert key in loaded, f"{key} was served but is not in the loaded model"
        assert torch.equal(loaded[key], served[key]), f"{key} differs from the served weights"
    info = json.loads((work / "dump" / "loading_info.json").read_text())
    assert set(info["missing_keys"]) == head and not info["mismatched_keys"], info
    assert set(loaded) - set(checked) - {"lm_head.weight"} == head  # GPT-2's lm_head is the tied wte


def assert_cached(hf_home: Path, repo: str, folder: Path, names: tuple[str, ...]) -> None:
    """The hub cache under `hf_home` holds each served file of `repo`, byte for byte."""
    snapshots = hf_home / "hub" / f"models--{repo.replace('/', '--')}" / "snapshots"
    (snapshot,) = snapshots.iterdir()
    for name in names:
        assert (snapshot / name).read_bytes() == (folder / name).read_bytes(), f"{repo}/{name} not cached"


def run_online_then_offline(task: str, repos: dict[str, Path], tmp_path: Path,
                            fetched: tuple[str, ...]) -> tuple[str, str]:
    """Run `task` against the local hub (fresh HF_HOME), then with the server stopped and HF_HUB_OFFLINE=1;
    assert that the online run fetched each file in `fetched` from the server."""
    hf_home = tmp_path / "hf-home"
    assert not hf_home.exists()
    with LocalServer(hub_resolver(repos)) as server:
        online = run_probe(task, tmp_path / "online", {"HF_ENDPOINT": server.url, "HF_HOME": str(hf_home)})
    repo = KCBERT_NAME if task == "document-classification" else KOGPT2_NAME
    for name in fetched:
        assert server.got(f"/{repo}/resolve/main/{name}"), f"{name} was not downloaded from the local hub"
    offline = run_probe(task, tmp_path / "offline", {"HF_ENDPOINT": server.url, "HF_HOME": str(hf_home),
                                                      "HF_HUB_OFFLINE": "1"})
    assert_cached(hf_home, repo, repos[repo], fetched)
    return online, offline


def test_document_classification_downloads_kcbert_from_the_hub_and_reruns_offline(hub_repos, tmp_path):
    files = ("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors")
    online, offline = run_online_then_offline("document-classification", hub_repos, tmp_path, files)
    bert = hub_repos[KCBERT_NAME]
    head = {"classifier.weight", "classifier.bias"}
    for run, output in (("online", online), ("offline", offline)):
        assert_served_weights_loaded(tmp_path / run, bert, "bert.", head)
        assert all(key.startswith("classifier.") for key in missing_in_report(output)), missing_in_report(output)
        assert "test accuracy" in output and "FRESHLY INITIALISED" not in output
        assert "module(s) in eval mode at the start of training" not in output  # dropout on while fine-tuning
        assert (tmp_path / run / "outputs" / "document-classification" / "model" / "model.safetensors").is_file()
    assert missing_in_report(online), "the LOAD REPORT did not list the new classifier head"


def test_generation_downloads_kogpt2_from_the_hub_and_reruns_offline(hub_repos, tmp_path):
    online, offline = run_online_then_offline("generation", hub_repos, tmp_path,
                                              ("config.json", "tokenizer.json", "model.safetensors"))
    gpt2 = hub_repos[KOGPT2_NAME]
    for run, output in (("online", online), ("offline", offline)):
        assert_served_weights_loaded(tmp_path / run, gpt2, "", set())
        loaded = load_file(str(tmp_path / run / "dump" / "loaded.safetensors"))
        assert torch.equal(loaded["lm_head.weight"], loaded["transformer.wte.weight"])  # tied, as KoGPT2's
        assert not missing_in_report(output) and "random weights" not in output
        assert "test loss" in output
        assert "module(s) in eval mode at the start of training" not in output  # KoGPT2 fine-tuned with dropout
        assert (tmp_path / run / "outputs" / "sentence-generation" / "model" / "model.safetensors").is_file()
