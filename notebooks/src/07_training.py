# Source of notebooks/07_training.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 7. 학습: `Trainer.fit`, 학습 곡선, 테스트 정확도, 모델 저장, 예측
#
# 마지막 단계입니다. Lightning `Trainer`가 앞에서 직접 실행했던 학습 스텝을 전체 데이터에 대해 반복하고,
# 에폭마다 검증하고, 가장 좋은 체크포인트와 마지막 체크포인트를 저장합니다. 학습이 끝나면 테스트 정확도를 재고,
# 모델을 `save_pretrained`로 저장한 뒤 새 문장을 예측해 봅니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - `Trainer`로 학습하고, 끊긴 학습을 마지막 체크포인트부터 이어 갈 수 있습니다.
# - 혼합 정밀도와 손실 스케일링이 무엇이고 왜 쓰는지 설명할 수 있습니다.
# - 학습 곡선을 읽고, 정확도·정밀도·재현율·매크로 F1로 테스트 결과를 해석할 수 있습니다.
# - 학습한 모델을 저장해 새 문장을 예측하고, 내 CSV·TSV·JSONL 파일로 같은 파이프라인을 돌릴 수 있습니다.
#
# **실제 실행에서 기대할 값**: KcBERT-base로 NSMC 전체를 한 에폭(약 4,450스텝) 학습하면 테스트 정확도가 약 0.89–0.90입니다
# (찍기는 0.50). Colab T4에서 `16-mixed`로 약 30분 걸립니다. 빠른 점검 모드의 점수는 작은 무작위 모델의 것이라 의미가 없습니다.

# %% [markdown] id=drive-md
# ## 1절. Colab: 체크포인트를 구글 드라이브에
# Colab은 노트북마다 런타임이 따로라서, 01의 5절에서 연결한 드라이브가 이 노트북에는 없습니다. 학습 도중 연결이 끊겨도
# 이어서 학습하려면 설정을 만들기 전에 아래 셀을 실행해 체크포인트 폴더를 드라이브에 두세요(CI와 로컬에서는 건너뜁니다).

# %% id=drive-mount
import os
import sys

if "google.colab" in sys.modules:
    from google.colab import drive

    drive.mount("/content/drive")
    os.environ["NLPBOOK_CHECKPOINT_ROOT"] = "/content/drive/MyDrive/nlpbook-checkpoints"
else:
    print("Colab이 아니라서 드라이브 연결을 건너뜁니다: 체크포인트는 이 컴퓨터의 폴더에 저장됩니다.")

# %% [markdown] id=cell-03
# ## 2절. 앞 단계 다시 만들기

# %% id=cell-04
from helpers.core.tasks import build_task
from helpers.classification.pipeline import encode_splits
from helpers.core.loaders import make_loaders
from helpers.core.splits import read_nsmc_splits
from helpers.core.models import load_tokenizer
from helpers.core.settings import settings_from_env

settings = settings_from_env()
tokenizer = load_tokenizer(settings)
loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length), tokenizer, settings)
task = build_task(settings)

# %% [markdown] id=cell-05
# ## 3절. Trainer 만들기
# `L.Trainer(...)`에 학습 방법을 인자로 넘깁니다. 아래 `build_trainer`가 강좌의 기본값을 정합니다.
#
# - `device_options`: GPU가 있으면 사용하고(`accelerator="auto"`), 정밀도는 bf16을 지원하는 GPU(A100, H100 등)에서 `bf16-mixed`,
#   Colab T4처럼 bf16이 없는 GPU에서 `16-mixed`, CPU에서는 `32-true`입니다(`pick_precision`).
#   **혼합 정밀도**(mixed precision)는 행렬 곱처럼 무거운 계산을 16비트로 해서 속도를 높이고 메모리를 줄이되, 가중치와
#   누적값은 32비트로 지켜 정확도를 잃지 않는 방법입니다. `16-mixed`(fp16)는 표현할 수 있는 수의 범위가 좁아 작은 기울기가 0이
#   되어 버릴 수 있으므로, 손실에 큰 수를 곱해 역전파한 뒤 기울기를 다시 그만큼 나눕니다. 이것을 **손실 스케일링**이라고 하며
#   Lightning이 자동으로 합니다. `bf16-mixed`는 범위가 32비트와 같아 스케일링이 필요 없습니다.
#   여러 GPU를 쓸 때는 `devices`, `strategy`, `num_nodes`를 그대로 넘기면 되고, 노트북에서는 `ddp_notebook`을 자동으로 고릅니다.
# - `course_defaults`: 에폭 수, 기울기 클리핑(06의 4절, `gradient_clip_val=1.0`), 기록 간격입니다.
# - `callbacks=`: Lightning이 학습 중 정해진 때에 부르는 객체들입니다. `BestWeightsCheckpoint`는 검증 정확도가 가장 좋은 가중치
#   (`best-...ckpt`)를, `LastCheckpoint`는 이어서 학습하는 데 필요한 모든 것(`last.ckpt`)을 `output_dir/checkpoints`에 저장합니다.
#   `last.ckpt`는 검증 때와 학습이 끝날 때, 그리고 에폭 중간에도 10분마다 다시 씁니다. 연결이 끊겨도 잃는 것은 몇 분뿐입니다.
#   `ResumePoint`는 에폭 중 몇 번째 배치까지 했는지와 난수 상태를, `RunRecord`는 무엇을 학습했는지를 체크포인트에 함께 적습니다.
# - `logger=`: 학습 기록을 CSV 파일로 남겨 곡선을 그리는 데 씁니다. 진행 막대는 Colab과 JupyterLab에서 모두 보입니다.
# - `plugins=`의 `AtomicCheckpointIO()`: 체크포인트를 임시 파일에 다 쓴 뒤 이름을 바꿔서, 쓰다가 끊긴 파일이 멀쩡해 보이는 일이 없게 합니다.
#
# 키워드 인자(예: `build_trainer(settings, max_epochs=3)`)는 기본값을 덮어씁니다.
# 아래 셀은 `helpers/core/training.py`의 함수와 글자 하나까지 같은 코드이고, 강좌의 모든 과제와 명령줄 학습이 이 함수로 `Trainer`를 만듭니다.

# %% id=build-trainer tags=["library:helpers.core.training"]
from datetime import timedelta
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback

from helpers.core.checkpoints import BestWeightsCheckpoint, KeptCSVLogger, LastCheckpoint
from helpers.core.devices import pick_precision, pick_strategy
from helpers.core.resume import ResumePoint
from helpers.core.run_guard import RunRecord
from helpers.core.settings import CourseSettings, trainer_settings
from helpers.core.training import (DEFAULT_CHECKPOINT_MINUTES, AtomicCheckpointIO, CompileModel, checkpoint_dir,
                                   log_version, progress_bar)


def device_options(settings: CourseSettings, options: dict[str, Any]) -> dict[str, Any]:
    """Accelerator, devices, nodes, strategy and precision (taken out of `options` where given there): the CPU in
    smoke runs, else what is there; `ddp_notebook` for several GPUs in a notebook; bf16 or fp16 mixed on a GPU."""
    if torch.cuda.is_available():  # flags only: setting them does not initialise CUDA
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    accelerator = options.pop("accelerator", "cpu" if settings.smoke else "auto")
    devices = options.pop("devices", "auto")
    strategy = pick_strategy(options.pop("strategy", "auto"), devices, accelerator)
    precision = pick_precision(settings.precision, accelerator, strategy if isinstance(strategy, str) else "")
    return dict(accelerator=accelerator, devices=devices, num_nodes=options.pop("num_nodes", 1), strategy=strategy,
                precision=options.pop("precision", precision))


def course_defaults(settings: CourseSettings) -> dict[str, Any]:
    """The course's other Trainer options: epochs and steps, gradient clipping at norm 1.0, how often to log."""
    return dict(
        max_epochs=settings.epochs, max_steps=settings.max_steps, gradient_clip_val=1.0,
        log_every_n_steps=1 if settings.smoke else 10, enable_model_summary=not settings.smoke, deterministic=False,
        # helpers.core.data's training batch samplers split whole batches between DDP processes themselves; Lightning's
        # DistributedSampler would reshuffle them (losing length grouping) and pad evaluation with repeated rows.
        use_distributed_sampler=False,
    )


def build_trainer(settings: CourseSettings, monitor: str = "val_acc", mode: str = "max",
                  callbacks: list[Callback] | None = None, devices: Any = None, strategy: str | None = None,
                  num_nodes: int | None = None, checkpoint_every_n_steps: int | None = None,
                  checkpoint_every_minutes: float | None = None, **trainer_kwargs: Any) -> L.Trainer:
    """A Trainer with the course defaults; the Trainer settings (accelerator, devices, ...) and keyword arguments
    override them.

    `devices`, `strategy`, `num_nodes` and any other Trainer option pass through to Lightning. Besides the best
    checkpoint, last.ckpt is written every `checkpoint_every_n_steps` steps, else every `checkpoint_every_minutes`
    (default 10; 0 turns it off), so that a disconnect mid-epoch loses minutes, not the epoch.
    """
    options = {**trainer_settings(settings), **trainer_kwargs}
    given = dict(devices=devices, strategy=strategy, num_nodes=num_nodes,
                 checkpoint_every_n_steps=checkpoint_every_n_steps, checkpoint_every_minutes=checkpoint_every_minutes)
    options.update({k: v for k, v in given.items() if v is not None})
    every_n_steps = options.pop("checkpoint_every_n_steps", None)
    every_minutes = options.pop("checkpoint_every_minutes", DEFAULT_CHECKPOINT_MINUTES)
    interval = None if every_n_steps or not every_minutes else timedelta(minutes=every_minutes)
    L.seed_everything(settings.seed, workers=True, verbose=False)
    device = device_options(settings, options)
    logger = options.pop("logger", KeptCSVLogger(settings.output_dir, name="logs", version=log_version(settings)))
    folder = checkpoint_dir(settings)
    return L.Trainer(
        callbacks=[
            # The best weights only (a third of a full checkpoint: no AdamW moments), after each validation; the
            # first checkpoint callback, so it is `trainer.checkpoint_callback` (see best_or_current).
            BestWeightsCheckpoint(folder, monitor, mode),
            # last.ckpt, all a resume needs: at each validation, at the end, every N steps or minutes.
            LastCheckpoint(folder, every_n_train_steps=every_n_steps or None, train_time_interval=interval),
            ResumePoint(),  # epoch, batches done and RNG states in each checkpoint: a resume goes on mid-epoch
            RunRecord(settings),  # stores in each checkpoint what was trained, so another run does not resume from it
            *progress_bar(settings, options.get("enable_progress_bar", True)),
            *([CompileModel()] if settings.compile_model else []),
            *(callbacks or []),
        ],
        logger=logger,  # metrics.csv per run part, for the learning curves
        plugins=options.pop("plugins", [AtomicCheckpointIO()]),  # a checkpoint: to a temporary file, then renamed
        **device, **{**course_defaults(settings), **options},
    )

# %% id=cell-06
trainer = build_trainer(settings)
print("정밀도:", trainer.precision, "| 최대 에폭:", trainer.max_epochs)
print("콜백:", [type(c).__name__ for c in trainer.callbacks])

# %% [markdown] id=cell-07
# ## 4절. 학습하기
# 학습은 `trainer.fit(task, 학습 데이터로더, 검증 데이터로더)` 한 줄입니다. `ckpt_path=`에 체크포인트를 주면 처음부터가 아니라
# 그 체크포인트에서 **이어서** 학습합니다. 아래 `fit_or_resume`은 이전 실행이 중간에 끊겨 `last.ckpt`가 남아 있으면 그 경로를,
# 없으면 `None`(처음부터)을 `ckpt_path=`로 넘기고, 어느 체크포인트에서 이어 가는지 출력합니다. 데이터 순서와 난수 상태까지 이어지므로
# CPU의 32비트 학습에서는 끊기지 않은 학습과 똑같은 결과가 나옵니다. GPU에서 혼합 정밀도로 학습할 때는 속도를 위해
# 결정적 계산을 강제하지 않으므로(`deterministic=False`) 결과가 아주 조금 다를 수 있지만, 거의 같습니다.
# `guarded_fit`은 학습하는 동안 `output_dir`을 잠가 두 학습이 같은 폴더에 쓰지 않게 하고, 다른 설정으로 만든 `last.ckpt`면 이어 가지 않고
# 멈춥니다. 처음 세 줄은 `ResumePoint` 콜백을 학습 데이터로더(05의 `ResumableDataLoader`)에 알려 주어, 이어서 학습할 때 에폭 중간의
# 그 배치부터 시작하게 합니다. 학습이 끝나면 가장 좋았던 체크포인트의 가중치를 태스크에 다시 불러옵니다.
# 아래 셀도 `helpers/core/training.py`의 함수 그대로입니다.

# %% id=fit-or-resume tags=["library:helpers.core.training"]
from lightning.pytorch.utilities import rank_zero_only

from helpers.core.checkpoints import load_best_weights
from helpers.core.run_guard import guarded_fit
from helpers.core.training import last_checkpoint, remove_stale_logs, resuming


def fit_or_resume(trainer: L.Trainer, task: L.LightningModule, train_loader: Any, val_loader: Any,
                  settings: CourseSettings) -> None:
    """Run Trainer.fit, resuming from last.ckpt when an earlier run left one (and saying so)."""
    point = next((c for c in trainer.callbacks if isinstance(c, ResumePoint)), None)
    if point is not None and hasattr(train_loader, "resume_point"):
        train_loader.resume_point = point  # lets the loader start mid-epoch where the checkpoint stopped
    last = last_checkpoint(settings) if resuming(settings) else None
    with guarded_fit(settings, task, last):  # locks output_dir; an unreadable or foreign last.ckpt stops here
        if last is None:
            remove_stale_logs(settings)
        else:
            rank_zero_only(print)(f"{last}에서 이어서 학습합니다 (resuming from {last}). 처음부터 하려면 그 파일을 지우거나 "
                                  "resume=False로 설정하세요. 이미 끝난 학습은 epochs를 늘려야 더 학습합니다.")
        trainer.fit(task, train_loader, val_loader, ckpt_path=str(last) if last else None, weights_only=True)
    # Keep the best weights in this process too: under a fork launcher (ddp_notebook, ddp_fork) only the workers
    # would load them for evaluation, and the notebook would go on saving and predicting with the last epoch's.
    best = load_best_weights(trainer, task)
    if best is not None:
        rank_zero_only(print)(f"가장 좋은 체크포인트의 가중치를 불러왔습니다 | best weights loaded from {best}")

# %% id=cell-08
print("체크포인트 폴더:", checkpoint_dir(settings), "| 이어서 학습:", resuming(settings))
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)

# %% [markdown] id=cell-09
# ## 5절. 학습 곡선
# 파란 선은 스텝마다의 학습 손실·정확도, 점은 검증 값입니다. 학습 손실만 내려가고 검증 손실이 올라가면 과적합입니다.
# 다만 기본값 `epochs=1`에서는 검증을 에폭 끝에 한 번만 하므로 검증 점이 하나뿐이라 이 곡선으로 과적합을 읽을 수 없습니다.
# 검증 곡선을 보려면 에폭 수를 늘리거나, 에폭 중간에도 검증하도록 `build_trainer(settings, val_check_interval=0.25)`처럼
# 만드세요(에폭마다 네 번 검증).

# %% id=cell-10
from pathlib import Path

from helpers.core.plots import plot_learning_curves
from helpers.core.training import metrics_csv

plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png");

# %% [markdown] id=cell-11
# ## 6절. 테스트 정확도와 매크로 F1
# 검증 정확도가 가장 좋았던 체크포인트를 불러와 한 번도 보지 않은 테스트 데이터로 평가합니다.
#
# 정확도 말고도 레이블마다 두 가지를 봅니다. **정밀도**(precision)는 모델이 '긍정'이라고 한 리뷰 중 실제 긍정의 비율,
# **재현율**(recall)은 실제 긍정 리뷰 중 모델이 '긍정'이라고 맞힌 비율입니다. **F1**은 둘의 조화 평균(2PR/(P+R))이라
# 한쪽만 높으면 낮게 나옵니다. **매크로 F1**은 레이블마다 구한 F1을 단순 평균한 값으로, 레이블 수가 한쪽으로 치우쳐도
# 작은 레이블을 무시하지 않습니다. NSMC처럼 반반인 데이터에서는 정확도와 거의 같습니다.

# %% id=cell-12
from helpers.core.training import best_or_current

test_metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"테스트 정확도 {test_metrics['test_acc']:.4f}, 매크로 F1 {test_metrics['test_f1']:.4f}")

# %% [markdown] id=cell-13
# ## 7절. 모델 저장
# `save_pretrained`는 가중치를 safetensors 형식으로, 설정(레이블 이름 포함)과 토크나이저를 함께 저장합니다.
# 나중에 `BertForSequenceClassification.from_pretrained(폴더)`로 그대로 불러올 수 있습니다.

# %% id=cell-14
from helpers.core.models import save_model

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
print(sorted(p.name for p in saved.iterdir()))

# %% [markdown] id=cell-15
# ## 8절. 새 문장 예측하기
# 저장한 폴더에서 모델을 다시 불러와 새 리뷰의 긍정/부정 확률을 봅니다.
# (빠른 점검 모드의 작은 모델은 몇 스텝만 학습했으므로 예측이 엉뚱할 수 있습니다.)

# %% id=cell-16
from transformers import BertForSequenceClassification

from helpers.core.prediction import predict_texts

reloaded = BertForSequenceClassification.from_pretrained(saved)
for result in predict_texts(reloaded, tokenizer, ["이 영화 정말 재밌어요 강추!", "돈 아깝다 최악", "그냥 그랬어요"]):
    probs = ", ".join(f"{k} {v:.2f}" for k, v in result["probabilities"].items())
    print(f"{result['label']:>2} ({probs}) | {result['text']}")

# %% [markdown] id=cell-17
# ## 9절. 내 데이터로 학습하기
# NSMC 대신 여러분의 데이터로도 같은 파이프라인을 돌릴 수 있습니다. TSV, CSV, JSONL 파일 하나에 **문장 열**과 **레이블 열**만
# 있으면 됩니다. 첫 줄(헤더)에 열 이름을 적고, 읽을 때 그 이름을 인자로 넘깁니다. 레이블은 글자든 숫자든, 몇 종류든 됩니다.
#
# ```
# review,rating
# 배송이 빠르고 포장도 꼼꼼해서 만족합니다,긍정
# "색이 사진이랑 똑같고, 촉감도 부드러워요",긍정
# 한 번 쓰고 바로 고장났어요,부정
# ```
#
# - CSV에서 쉼표가 들어간 문장은 큰따옴표로 감쌉니다. TSV는 따옴표를 글자 그대로 읽고, JSONL은 한 줄에 JSON 객체 하나입니다.
# - 파일은 UTF-8로 저장하세요(엑셀: "CSV UTF-8(쉼표로 분리)"). 다른 인코딩이면 몇째 줄인지 적힌 오류가 나며 멈춥니다.
# - 빈 문장, 열 개수가 다른 줄, 모르는 레이블(레이블을 지정한 경우), 잘린 JSON 줄도 파일 이름과 줄 번호가 적힌 오류로 멈춥니다.
#   문제가 있는 줄을 건너뛰고 넘어가는 일은 없습니다.

# %% id=cell-18
from helpers.core.custom_corpus import read_custom_rows
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT

example = EMBEDDED_SAMPLE_ROOT / "custom" / "product_reviews.csv"
rows, labels = read_custom_rows(example, text_column="review", label_column="rating")
for row in rows[:3]:
    print(labels[row.label], "|", row.text)

# %% [markdown] id=cell-19
# 학습까지 한 번에 하려면 `corpus_name="custom"`과 파일·열 이름을 설정에 넣습니다. 테스트 데이터를 따로 주지 않으면 같은 파일에서
# 떼어 냅니다(`custom_test_file`로 따로 줄 수도 있습니다). 명령줄에서는
# `python -m helpers.train document-classification --set corpus_name=custom --set custom_file=내파일.csv --set text_column=review --set label_column=rating`.

# %% id=cell-20
from helpers.classification.pipeline import run_document_classification

custom_settings = settings_from_env(corpus_name="custom", output_dir="outputs/my-reviews", val_fraction=0.2,
                                    custom_file=str(example), text_column="review", label_column="rating")
custom_metrics = run_document_classification(custom_settings)

# %% [markdown] id=exercises
# ## 10절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다.
#
# **문제 1.** 실제 리뷰 10개의 레이블이 `F1_LABELS`, 모델의 예측이 `F1_PREDICTIONS`입니다(1=긍정, 0=부정). 정확도는 0.7입니다.
# 매크로 F1은 얼마일까요? 손으로 정밀도·재현율을 구해 본 뒤 `torchmetrics`로 확인해 보세요.

# %% id=exercise-07-macro-f1
from helpers.exercises.book import check
from helpers.exercises.samples import F1_LABELS, F1_PREDICTIONS

print("레이블:", F1_LABELS)
print("예측  :", F1_PREDICTIONS)
answer = ...  # 여기에 답을 쓰세요
check("07-macro-f1", answer)

# %% [markdown] id=exercise-07-steps-md
# **문제 2.** 실제 NSMC 학습 파일(150,000행)에서 기본 설정으로 검증 데이터를 떼고 배치 크기 32로 한 에폭을 돌면 몇 스텝일까요?
# (마지막의 작은 배치도 한 스텝입니다.)

# %% id=exercise-07-steps
answer = ...  # 여기에 답을 쓰세요
check("07-steps-per-epoch", answer)

# %% [markdown] id=summary
# ## 정리
# - `L.Trainer(...)`는 학습 스텝을 반복하고, 검증하고, 콜백으로 가장 좋은 체크포인트와 `last.ckpt`를 저장합니다.
#   끊긴 학습은 `trainer.fit(..., ckpt_path=last.ckpt)`로 이어서 합니다.
# - GPU에서는 혼합 정밀도(T4는 `16-mixed`와 손실 스케일링)로 빠르게 학습합니다. KcBERT-base, NSMC 한 에폭이 T4에서 약 30분,
#   테스트 정확도 약 0.89–0.90입니다.
# - 정확도와 함께 정밀도·재현율·매크로 F1을 보고, 검증 곡선으로 과적합을 보려면 검증을 자주 하세요.
# - 저장한 모델로 새 문장을 예측하고, 내 데이터 파일로도 같은 파이프라인을 돌릴 수 있습니다.
#
# 여기까지가 문서 분류로 익힌 파이프라인의 일곱 단계입니다. 다음 노트북 **10 문장 쌍 분류**에서는 같은 파이프라인으로
# 두 문장의 관계(함의·중립·모순)를 분류합니다.
