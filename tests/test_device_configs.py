"""Every optimizer/precision/clipping choice the course makes on a GPU, forced on this CPU, takes real steps."""

import lightning as L
import pytest
import torch
from lightning.pytorch.plugins.precision import MixedPrecision
from torch_threads import one_torch_thread  # noqa: F401  (a fixture)

import helpers.core.tasks
from helpers.classification.pipeline import encode_splits
from helpers.core.loaders import make_loaders
from helpers.core.models import load_tokenizer
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, SMOKE_OVERRIDES, CourseSettings
from helpers.core.splits import read_nsmc_splits
from helpers.core.tasks import adamw_implementation, build_task
from helpers.core.training import AtomicCheckpointIO, build_trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")
STEPS = 4


def tiny_run(tmp_path, **changes):
    """Settings, task and loaders of a tiny document-classification run on the embedded sample."""
    settings = CourseSettings(**{**SMOKE_OVERRIDES, "smoke": True, "corpus_root_dir": str(EMBEDDED_SAMPLE_ROOT),
                                 "output_dir": str(tmp_path / "out"), "limit_train_rows": 64,
                                 "limit_eval_rows": 16, **changes})
    tokenizer = load_tokenizer(settings)
    loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length),
                           tokenizer, settings)
    L.seed_everything(settings.seed, verbose=False)
    return settings, build_task(settings), loaders


def as_on_a_gpu(monkeypatch):
    """Make the course's optimizer choice the one it makes for parameters on CUDA."""
    real = helpers.core.tasks.adamw_implementation
    monkeypatch.setattr(helpers.core.tasks, "adamw_implementation", lambda device_type, clipping: real("cuda", clipping))


def fit_steps(settings, task, loaders, **trainer_options):
    """Fit for STEPS optimizer steps through build_trainer; return the trainer and the weights before."""
    before = {k: v.clone() for k, v in task.state_dict().items()}
    trainer = build_trainer(settings, enable_progress_bar=False, max_steps=STEPS, checkpoint_every_minutes=0,
                            **trainer_options)
    trainer.fit(task, loaders.train, loaders.val)
    return trainer, before


def test_a_fused_adamw_cannot_be_clipped_under_mixed_precision(tmp_path):
    """The crash every GPU learner met: Lightning refuses to clip gradients that a fused AdamW unscales itself."""
    settings, task, loaders = tiny_run(tmp_path)
    task.configure_optimizers = lambda: torch.optim.AdamW(task.parameters(), lr=1e-3, fused=True)
    trainer = L.Trainer(accelerator="cpu", precision="bf16-mixed", gradient_clip_val=1.0, max_steps=2,
                        logger=False, enable_checkpointing=False, enable_progress_bar=False)
    with pytest.raises(RuntimeError, match="does not allow for gradient clipping"):
        trainer.fit(task, loaders.train)


def test_on_a_gpu_adamw_is_foreach_while_clipping_and_fused_without():
    assert adamw_implementation("cuda", clipping=True) == {"foreach": True}
    assert adamw_implementation("cuda", clipping=False) == {"fused": True}
    assert adamw_implementation("cpu", clipping=True) == {} == adamw_implementation("cpu", clipping=False)


@pytest.mark.parametrize("precision", ["bf16-mixed", "32-true"])  # 16-mixed: Lightning makes it bf16 on CPU
def test_the_gpu_optimizer_choice_takes_real_clipped_steps(tmp_path, monkeypatch, precision):
    as_on_a_gpu(monkeypatch)  # on today's GPUs: this was fused=True with clipping, and the first step crashed
    settings, task, loaders = tiny_run(tmp_path, precision=precision)
    trainer, before = fit_steps(settings, task, loaders)
    optimizer = trainer.optimizers[0]
    assert trainer.gradient_clip_val == 1.0 and trainer.precision == precision
    assert optimizer.defaults["foreach"] is True and not optimizer.defaults["fused"]
    assert trainer.global_step == STEPS and all(int(s["step"]) == STEPS for s in optimizer.state.values())
    changed = [k for k, v in task.state_dict().items() if v.is_floating_point() and not torch.equal(v, before[k])]
    assert len(changed) > 30  # every weight matrix moved


def test_without_clipping_the_gpu_choice_is_the_fused_kernel_and_it_steps(tmp_path, monkeypatch):
    as_on_a_gpu(monkeypatch)
    settings, task, loaders = tiny_run(tmp_path, precision="bf16-mixed")
    trainer, before = fit_steps(settings, task, loaders, gradient_clip_val=0)
    assert trainer.optimizers[0].defaults["fused"] is True and trainer.global_step == STEPS
    assert not torch.equal(task.state_dict()["model.classifier.weight"], before["model.classifier.weight"])


def test_fp16_with_a_loss_scaler_and_gradient_accumulation(tmp_path, monkeypatch):
    """A T4's 16-mixed scales the loss; a CPU grad scaler runs the same unscale-clip-step path as the CUDA one."""
    as_on_a_gpu(monkeypatch)
    settings, task, loaders = tiny_run(tmp_path, batch_size=8)
    scaled = MixedPrecision("16-mixed", "cpu", scaler=torch.amp.GradScaler("cpu"))
    trainer, before = fit_steps(settings, task, loaders, precision=None, plugins=[AtomicCheckpointIO(), scaled],
                                accumulate_grad_batches=2)
    assert trainer.precision_plugin is scaled and scaled.scaler.get_scale() > 0
    assert trainer.global_step == STEPS and trainer.fit_loop.epoch_loop.batch_progress.total.completed == 2 * STEPS
    assert trainer.optimizers[0].defaults["foreach"] is True
    assert not torch.equal(task.state_dict()["model.classifier.weight"], before["model.classifier.weight"])


def test_lightning_would_clip_the_courses_gpu_optimizer_under_a_cuda_fp16_scaler(tmp_path, monkeypatch):
    """What cannot run here (CUDA's grad scaler): the plugin a T4 gets accepts our optimizer and refuses fused."""
    settings, task, _ = tiny_run(tmp_path)
    plugin = MixedPrecision("16-mixed", "cuda", scaler=torch.amp.GradScaler("cuda", enabled=False))
    ours = torch.optim.AdamW(task.parameters(), **adamw_implementation("cuda", clipping=True))
    plugin.clip_gradients(ours, clip_val=1.0)  # no error: foreach leaves unscaling to the scaler
    with pytest.raises(RuntimeError, match="does not allow for gradient clipping"):
        plugin.clip_gradients(torch.optim.AdamW(task.parameters(), fused=True), clip_val=1.0)
