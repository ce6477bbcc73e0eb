"""After `fit`: dropout stays on for the next fit, prediction runs on the inference device, last.ckpt is current."""

import sys
import types

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

import helpers.core.devices
import helpers.core.prediction
import helpers.core.training
import helpers.demos.inference
from helpers.classification.pipeline import encode_splits
from helpers.core.devices import inference_device, to_inference_device
from helpers.core.loaders import make_loaders
from helpers.core.models import load_tokenizer, save_model
from helpers.core.prediction import predict_texts
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
from helpers.core.splits import read_nsmc_splits
from helpers.core.tasks import build_task
from helpers.core.training import build_trainer, fit_and_evaluate, fit_or_resume, last_checkpoint
from helpers.demos.attention import cls_attention
from helpers.generation.models import load_generation_model, load_generation_tokenizer
from helpers.generation.pipeline import evaluate_perplexity, generate_text

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class ModeRecorder(Callback):
    """Records whether the model was in training mode at each training step."""

    def __init__(self) -> None:
        self.modes: list[bool] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.modes.append(pl_module.model.training)


class EpochZeroBest(Callback):
    """A score that falls every epoch: epoch 0 stays the best, so no later validation saves a new best."""

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        pl_module.log("score", -float(trainer.current_epoch))


def tiny(tmp_path, **changes):
    settings = CourseSettings(**{**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
                                 "output_dir": str(tmp_path / "out"), "limit_train_rows": 32,
                                 "limit_eval_rows": 16, **changes})
    tokenizer = load_tokenizer(settings)
    loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length),
                           tokenizer, settings)
    return settings, tokenizer, loaders


def test_a_training_cell_after_a_prediction_cell_still_trains_with_dropout(tmp_path):
    settings, tokenizer, loaders = tiny(tmp_path)
    task = build_task(settings)
    assert task.model.training
    predict_texts(task.model, tokenizer, ["재밌다", "별로"])
    cls_attention(task.model, tokenizer, "재밌다")
    assert task.model.training  # the prediction helpers put the mode back
    recorder = ModeRecorder()
    fit_or_resume(build_trainer(settings, callbacks=[recorder], enable_progress_bar=False), task, loaders.train,
                  loaders.val, settings)
    assert recorder.modes and all(recorder.modes)


def test_generation_helpers_restore_the_mode_and_kogpt2_trains_with_dropout(tmp_path):
    settings = CourseSettings(smoke=True, output_dir=str(tmp_path))
    tokenizer = load_generation_tokenizer(settings, ["긍정 좋은 영화", "부정 나쁜 영화"] * 20)
    model = load_generation_model(settings, tokenizer)
    assert model.training
    generate_text(model, tokenizer, "긍정", max_new_tokens=3)
    batch = {"input_ids": torch.tensor([[1, 5, 6, 1]]), "attention_mask": torch.ones(1, 4, dtype=torch.long),
             "labels": torch.tensor([[1, 5, 6, 1]])}
    evaluate_perplexity(model, [batch])
    assert model.training
    model.eval()
    generate_text(model, tokenizer, "부정", max_new_tokens=3)
    assert not model.training  # and an eval-mode model stays in eval mode


def fake_cuda(monkeypatch, count: int, notebook: bool, initialised: bool = False) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: initialised)
    if notebook:
        monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    else:
        monkeypatch.delitem(sys.modules, "ipykernel", raising=False)


@pytest.mark.parametrize("count, notebook, initialised, expected", [
    (1, True, False, "cuda"), (1, False, False, "cuda"), (2, False, False, "cuda"),
    (2, True, False, "cpu"),  # the kernel may still fork ddp_notebook workers: keep CUDA untouched
    (2, True, True, "cuda"),  # already initialised (it predicted on the GPU before): nothing more to lose
])
def test_inference_device_uses_the_gpu_except_in_a_multi_gpu_notebook_kernel(monkeypatch, count, notebook,
                                                                             initialised, expected):
    fake_cuda(monkeypatch, count, notebook, initialised)
    assert inference_device().type == expected


def test_without_a_gpu_everything_stays_on_the_cpu():
    assert inference_device().type == "cpu" and not torch.cuda.is_available()


def test_predictions_saved_models_and_the_end_of_fit_move_to_the_inference_device(tmp_path, monkeypatch):
    meta = torch.device("meta")  # stands in for the GPU: a device the model is visibly moved to
    settings, tokenizer, loaders = tiny(tmp_path)
    task = build_task(settings)
    moved = []
    monkeypatch.setattr(helpers.core.training, "to_inference_device", lambda module: moved.append(module))
    fit_and_evaluate(settings, task, loaders.train, loaders.val, loaders.test, enable_progress_bar=False)
    assert moved == [task]  # after Lightning's teardown put it on the CPU
    folder = save_model(task, tokenizer, tmp_path / "model")
    monkeypatch.setattr(helpers.demos.inference, "inference_device", lambda: meta)
    model, _ = helpers.demos.inference.load_saved_model(folder, "AutoModelForSequenceClassification")
    assert next(model.parameters()).device == meta and not model.training
    monkeypatch.setattr(helpers.core.devices, "inference_device", lambda: meta)
    model = task.model.cpu()
    assert to_inference_device(model) == meta and next(model.parameters()).device == meta


def test_prediction_helpers_ask_for_the_inference_device(tmp_path, monkeypatch):
    settings, tokenizer, _ = tiny(tmp_path)
    model = build_task(settings).model
    asked = []

    def record(module):
        asked.append(module)
        return torch.device("cpu")

    monkeypatch.setattr(helpers.core.prediction, "to_inference_device", record)
    predict_texts(model, tokenizer, ["좋다"])
    assert asked == [model]


def test_last_checkpoint_is_current_at_every_validation_and_at_the_end(tmp_path):
    settings, tokenizer, loaders = tiny(tmp_path, epochs=3)
    L.seed_everything(settings.seed, verbose=False)
    task = build_task(settings)
    trainer = build_trainer(settings, "score", "max", callbacks=[EpochZeroBest()], checkpoint_every_minutes=0,
                            enable_progress_bar=False)
    fit_or_resume(trainer, task, loaders.train, loaders.val, settings)
    steps = trainer.global_step
    assert steps == 3 * 2 and trainer.checkpoint_callback.best_model_path.endswith("best-epoch=0-step=2.ckpt")
    saved = torch.load(last_checkpoint(settings), weights_only=True)
    assert saved["global_step"] == steps and saved["epoch"] == 2  # not epoch 0, the last new best
    best = torch.load(trainer.checkpoint_callback.best_model_path, weights_only=True)
    assert "optimizer_states" in saved and "optimizer_states" not in best  # best holds the weights only
    assert {k: v.shape for k, v in best["state_dict"].items()} == {k: v.shape for k, v in saved["state_dict"].items()}


def test_compile_model_setting_compiles_the_model_for_fit(tmp_path, monkeypatch):
    settings, _, loaders = tiny(tmp_path, compile_model=True, max_steps=2)
    task = build_task(settings)
    trainer = build_trainer(settings, enable_progress_bar=False, checkpoint_every_minutes=0)
    compiling = [c for c in trainer.callbacks if isinstance(c, helpers.core.training.CompileModel)]
    assert len(compiling) == 1
    compiling[0].backend = "eager"  # dynamo traces the real model; inductor's C++ build is too slow for a test
    trainer.fit(task, loaders.train, loaders.val)
    assert task.model._compiled_call_impl is not None and trainer.global_step == 2
    assert all(not k.startswith("_orig_mod") for k in task.model.state_dict())  # checkpoints load uncompiled
    assert not [c for c in build_trainer(settings.replace(compile_model=False)).callbacks
                if isinstance(c, helpers.core.training.CompileModel)]
