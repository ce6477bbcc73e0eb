# Source of notebooks/06_task.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 6. 태스크: 모델, 옵티마이저, 학습률 스케줄, 학습 스텝
#
# Lightning의 `LightningModule`은 "무엇을 학습하는가"를 한곳에 모읍니다. 모델, 옵티마이저(AdamW), 학습률 스케줄,
# 그리고 배치 하나로 손실을 계산하고 가중치를 한 번 고치는 **스텝**(step)입니다. 이 노트북에서는 `ClassificationTask`를 만들고
# 학습 스텝 몇 번을 직접 실행해 봅니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - AdamW, 가중치 감쇠, 워밍업이 왜 필요한지 설명하고 기본값(5e-5, 0.01, 0.1)의 이유를 말할 수 있습니다.
# - Lightning에 학습률 스케줄을 스텝마다 진행하도록 넘길 수 있고, `interval`을 빠뜨리면 무슨 일이 생기는지 압니다.
# - 학습 스텝(손실 → 역전파 → 가중치 갱신)을 직접 실행하고 손실 값을 해석할 수 있습니다.

# %% [markdown] id=cell-03
# ## 1절. 앞 단계 다시 만들기

# %% id=cell-04
from helpers.classification.pipeline import encode_splits
from helpers.core.loaders import make_loaders
from helpers.core.splits import read_nsmc_splits
from helpers.core.models import load_tokenizer
from helpers.core.settings import settings_from_env

settings = settings_from_env()
tokenizer = load_tokenizer(settings)
loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length), tokenizer, settings)

# %% [markdown] id=cell-05
# ## 2절. 태스크 만들기
# 태스크는 `L.LightningModule`을 상속한 클래스입니다. Lightning은 정해진 이름의 메서드를 알맞은 때에 부릅니다.
#
# - `training_step(batch, batch_idx)`: 학습 배치 하나로 손실을 계산해 돌려줍니다. 역전파와 가중치 갱신은 Lightning이 합니다.
#   transformers 모델은 배치에 `labels`가 있으면 cross-entropy 손실을 직접 계산해 `out.loss`로 돌려줍니다.
# - `validation_step(batch, batch_idx)`: 검증 배치 하나로 손실과 지표를 계산합니다(`test_step`은 테스트 데이터에 같은 일을 합니다).
# - `configure_optimizers()`: 옵티마이저와 학습률 스케줄을 돌려줍니다(3절).
#
# `self.log`로 기록한 값은 진행 막대와 학습 기록(CSV)에 남습니다. torchmetrics의 지표 객체를 넘기면 배치마다 쌓았다가 에폭이 끝날 때
# 한 번에 계산합니다. 그래서 학습 손실·정확도는 스텝마다, 검증 손실·정확도·매크로 F1은 에폭마다 기록됩니다. 매크로 F1은 다음 노트북에서 설명합니다.
# 학습률과 학습 정확도는 로거가 실제로 기록하는 스텝에만 계산합니다(스텝마다 계산하면 그만큼 느려집니다).
# `FineTuningTask`는 10–13의 모든 과제가 함께 쓰는 부분이고, `ClassificationTask`는 여기에 문서 분류의 지표를 더합니다.
# 아래 셀은 `helpers/core/tasks.py`의 클래스와 글자 하나까지 같은 코드입니다.

# %% id=task-classes tags=["library:helpers.core.tasks"]
from typing import Any

import lightning as L
import torch
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from helpers.core.tasks import adamw_with_schedule


class FineTuningTask(L.LightningModule):
    """A pretrained model fine-tuned with AdamW and a per-step schedule; subclasses add their metrics."""

    def forward(self, batch: dict[str, torch.Tensor]) -> Any:
        return self.model(**batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        out = self(batch)
        self.log("train_loss", out.loss, prog_bar=True, batch_size=len(batch["input_ids"]))
        if self.logs_this_step():  # the extras only when the logger writes them: each costs host work per step
            self.log("lr", self.trainer.optimizers[0].param_groups[0]["lr"], on_step=True, on_epoch=False)
            self.log_train_metrics(out, batch)
        return out.loss

    def logs_this_step(self) -> bool:
        """True on the steps whose metrics the logger writes (every `log_every_n_steps`, as Lightning does)."""
        return self.global_step % max(1, self.trainer.log_every_n_steps) == 0

    def log_train_metrics(self, out: Any, batch: dict[str, torch.Tensor]) -> None:
        """Per-step training metrics beyond loss and LR (none by default)."""

    def configure_optimizers(self) -> dict[str, Any]:
        hp = self.hparams
        return adamw_with_schedule(self, hp.learning_rate, hp.weight_decay, hp.warmup_ratio)


class ClassificationTask(FineTuningTask):
    """Fine-tunes a sequence classifier: cross-entropy loss, accuracy and macro-averaged F1 per epoch."""

    def __init__(self, model: torch.nn.Module, learning_rate: float = 5e-5, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])
        n = model.config.num_labels
        # validate_args=False: the labels come from our own collate, so skip torchmetrics' checks on every batch.
        accuracy = dict(num_classes=n, average="micro", validate_args=False)
        f1 = dict(num_classes=n, average="macro", validate_args=False)
        self.train_acc = MulticlassAccuracy(**accuracy)
        self.val_acc, self.val_f1 = MulticlassAccuracy(**accuracy), MulticlassF1Score(**f1)
        self.test_acc, self.test_f1 = MulticlassAccuracy(**accuracy), MulticlassF1Score(**f1)

    def log_train_metrics(self, out: Any, batch: dict[str, torch.Tensor]) -> None:
        self.train_acc(out.logits.argmax(-1), batch["labels"])
        self.log("train_acc", self.train_acc, on_step=True, on_epoch=False, batch_size=len(batch["labels"]))

    def _evaluate(self, batch: dict[str, torch.Tensor], stage: str) -> None:
        out = self(batch)
        preds = out.logits.argmax(-1)
        acc, f1 = (self.val_acc, self.val_f1) if stage == "val" else (self.test_acc, self.test_f1)
        acc(preds, batch["labels"])
        f1(preds, batch["labels"])
        n = len(batch["labels"])
        self.log(f"{stage}_loss", out.loss, prog_bar=True, batch_size=n, sync_dist=True)
        self.log(f"{stage}_acc", acc, prog_bar=True, batch_size=n)
        self.log(f"{stage}_f1", f1, batch_size=n)

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "test")

# %% [markdown] id=task-build-md
# 03에서 본 분류 모델을 태스크로 감쌉니다. 학습률 같은 인자는 `save_hyperparameters`로 `task.hparams`에 저장되어 체크포인트에도 남습니다.
# (07부터는 같은 일을 하는 `helpers.core.tasks.build_task(settings)`를 씁니다.)

# %% id=cell-06
from helpers.core.corpora import NSMC_LABELS
from helpers.core.models import load_sequence_classifier

model = load_sequence_classifier(settings, NSMC_LABELS)
task = ClassificationTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)
print(task.hparams)

# %% [markdown] id=cell-07
# ## 3절. 옵티마이저와 학습률 스케줄
# 옵티마이저는 `torch.optim.AdamW`입니다. Adam은 파라미터마다 기울기의 크기에 맞춰 보폭을 따로 조절해서, 층마다 기울기 크기가
# 크게 다른 트랜스포머에서도 안정적으로 학습합니다. AdamW는 여기에 **가중치 감쇠**(weight decay)를 손실과 떼어 따로 적용합니다.
# 가중치 감쇠는 스텝마다 가중치를 조금씩 0 쪽으로 당겨 과적합을 줄이며, BERT 논문의 값 0.01을 기본값으로 씁니다.
# 편향과 LayerNorm 가중치에는 감쇠를 걸지 않습니다(크기를 줄일 이유가 없는 값들입니다).
#
# 학습률 기본값 5e-5는 BERT 논문이 파인튜닝에 권한 범위(2e-5~5e-5)의 위쪽 끝입니다. 사전학습한 가중치를 크게 흔들지 않을 만큼 작습니다.
# 학습률은 처음 `warmup_ratio`(10%) 동안 0에서 천천히 올라갔다가(**워밍업**) 끝까지 직선으로 줄어듭니다. 학습 초반에는 새로 붙인
# 분류 층이 무작위라 기울기가 크고 AdamW의 통계도 아직 부정확해서, 처음부터 큰 학습률을 쓰면 사전학습한 가중치가 망가질 수 있습니다.
#
# Lightning이 이 스케줄을 **스텝마다** 진행하려면 `lr_scheduler` 키 아래 `interval: "step"`으로 돌려줘야 합니다.
# 여기서 가장 빠지기 쉬운 함정은 `interval`을 빠뜨리는 것입니다. 기본값 `"epoch"`이면 스케줄이 에폭이 끝날 때만 진행되므로,
# 한 에폭짜리 학습에서는 학습률이 워밍업 첫 값(거의 0)에 머문 채 끝납니다. 오류도 경고도 없습니다.
# 키 이름을 `"lr_schedular"`처럼 틀리면 Lightning이 `Found unsupported keys in the optimizer configuration` 경고를 출력하고
# 스케줄러 없이 학습합니다. 경고가 나오기는 하지만 긴 출력 속에서 놓치기 쉽습니다.
#
# 아래 `adamw_with_schedule`이 태스크의 `configure_optimizers`가 돌려주는 값을 만듭니다. 전체 스텝 수는 `Trainer`가 데이터로더 길이와
# 에폭 수로 셉니다(`estimated_stepping_batches`). `helpers/core/tasks.py`의 함수 그대로입니다.

# %% id=cell-08 tags=["library:helpers.core.tasks"]
import math

from helpers.core.tasks import adamw_implementation, linear_warmup_decay, parameter_groups


def adamw_with_schedule(module: L.LightningModule, learning_rate: float, weight_decay: float,
                        warmup_ratio: float) -> dict[str, Any]:
    """AdamW (no decay on biases and LayerNorm) plus a per-step linear schedule, in Lightning's format."""
    trainer = module._trainer
    clipping = bool(trainer is not None and trainer.gradient_clip_val)
    implementation = adamw_implementation(module.device.type, clipping)
    optimizer = torch.optim.AdamW(parameter_groups(module, weight_decay), lr=learning_rate, **implementation)
    total = trainer.estimated_stepping_batches if trainer is not None else 1000
    total = int(total) if math.isfinite(total) else 1000
    scheduler = linear_warmup_decay(optimizer, total, int(total * warmup_ratio))
    # The schedule must be returned under "lr_scheduler" with interval "step": without "interval" Lightning steps
    # it once per epoch, so a one-epoch run would keep the learning rate at its first warm-up value.
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

# %% [markdown] id=cell-09
# 스케줄이 실제로 어떻게 움직이는지 100스텝짜리 학습을 가정해 그려 봅니다.

# %% id=cell-10
import matplotlib.pyplot as plt
import torch

from helpers.core.tasks import linear_warmup_decay

optimizer = torch.optim.AdamW(task.parameters(), lr=settings.learning_rate)
scheduler = linear_warmup_decay(optimizer, total_steps=100, warmup_steps=10)
lrs = []
for _ in range(100):
    lrs.append(optimizer.param_groups[0]["lr"])
    optimizer.step()
    scheduler.step()
plt.figure(figsize=(6, 2.5))
plt.plot(lrs)
plt.xlabel("step")
plt.ylabel("learning rate")
plt.show()

# %% [markdown] id=cell-11
# ## 4절. 학습 스텝 직접 실행하기
# 학습 스텝 하나는 다음과 같습니다. ① 배치를 모델에 넣어 손실을 구하고 ② 역전파로 기울기를 구하고 ③ 옵티마이저가 가중치를 고칩니다.
# 같은 배치로 몇 스텝 반복하면 손실이 줄어드는 것을 볼 수 있습니다. 다음 노트북의 `Trainer`가 이 과정을 전체 데이터에 대해 반복하며,
# 그때는 ②와 ③ 사이에 **기울기 클리핑**(gradient clipping)도 합니다. 기울기 전체의 크기(노름)가 1.0을 넘으면 1.0으로 줄여서,
# 가끔 튀는 큰 기울기 하나가 가중치를 크게 망가뜨리지 않게 하는 장치입니다.

# %% id=cell-12
batch = next(iter(loaders.train))
optimizer = torch.optim.AdamW(task.parameters(), lr=settings.learning_rate)
task.train()
for step in range(5):
    loss = task(batch).loss
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"스텝 {step}: 손실 {loss.item():.4f}")

# %% [markdown] id=cell-13
# 손실(cross-entropy)은 -ln(정답 레이블의 확률)이라서 정답 확률이 높을수록 작아집니다. 두 레이블에 모두 50%를 주는 모델의 손실이
# ln 2 ≈ 0.693입니다. 아무렇게나 찍되 자신 있게 찍는 모델은 이보다 훨씬 나쁩니다. 틀린 답에 99%를 주면 그 리뷰 하나의 손실이
# -ln 0.01 ≈ 4.6이기 때문입니다. 그래서 학습 초반 손실이 0.69 근처에서 시작해 내려가는 것이 정상입니다.

# %% [markdown] id=exercises
# ## 5절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다.
#
# **문제 1.** 두 레이블 분류에서 (가) 정답 레이블에 확률 0.5를 준 예측과 (나) 틀린 레이블에 0.99를 줘서 정답 확률이 0.01인 예측의
# cross-entropy 손실을 `(가, 나)` 튜플로 답하세요. `torch.nn.functional.cross_entropy`로 확인해 봐도 좋습니다.

# %% id=exercise-06-loss
from helpers.exercises.book import check

answer = ...  # 여기에 답을 쓰세요
check("06-cross-entropy", answer)

# %% [markdown] id=exercise-06-interval-md
# **문제 2.** 학습률 5e-5, 전체 1,000스텝, 워밍업 100스텝인 한 에폭짜리 학습에서 `interval: "step"`을 빠뜨리면 스케줄은 에폭이 끝날 때만
# 진행됩니다. 에폭 내내 머무는 학습률은 얼마일까요? 3절처럼 `linear_warmup_decay`로 스케줄러를 만들고, `scheduler.step()`을
# 부르지 않은 채 `optimizer.param_groups[0]["lr"]`을 확인해 보세요.

# %% id=exercise-06-interval
answer = ...  # 여기에 답을 쓰세요
check("06-epoch-interval-lr", answer)

# %% [markdown] id=summary
# ## 정리
# - 태스크는 모델, AdamW(가중치 감쇠 0.01, 편향·LayerNorm 제외), 워밍업 10% 뒤 직선으로 줄어드는 학습률 스케줄을 묶습니다.
# - 스케줄은 `interval: "step"`으로 넘겨야 스텝마다 진행됩니다. 빠뜨려도 오류가 나지 않으니 학습률 기록으로 확인하세요.
# - 두 레이블 분류의 손실은 0.693(반반 예측)에서 시작해 내려가야 정상입니다.
#
# 다음 노트북 **07 학습**에서는 `Trainer.fit`으로 전체 데이터를 학습하고 평가합니다.
