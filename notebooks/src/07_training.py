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
# `build_trainer`는 장치에 맞는 설정을 고릅니다.
#
# - GPU가 있으면 사용하고(`accelerator="auto"`), 정밀도는 bf16을 지원하는 GPU(A100, H100 등)에서 `bf16-mixed`,
#   Colab T4처럼 bf16이 없는 GPU에서 `16-mixed`, CPU에서는 `32-true`입니다.
#   **혼합 정밀도**(mixed precision)는 행렬 곱처럼 무거운 계산을 16비트로 해서 속도를 높이고 메모리를 줄이되, 가중치와
#   누적값은 32비트로 지켜 정확도를 잃지 않는 방법입니다. `16-mixed`(fp16)는 표현할 수 있는 수의 범위가 좁아 작은 기울기가 0이
#   되어 버릴 수 있으므로, 손실에 큰 수를 곱해 역전파한 뒤 기울기를 다시 그만큼 나눕니다. 이것을 **손실 스케일링**이라고 하며
#   Lightning이 자동으로 합니다. `bf16-mixed`는 범위가 32비트와 같아 스케일링이 필요 없습니다.
# - 기울기 클리핑(06의 4절)은 노름 1.0으로 걸려 있습니다(`gradient_clip_val=1.0`).
# - 검증 정확도가 가장 좋은 체크포인트(`best-...ckpt`)와 마지막 체크포인트(`last.ckpt`)를 `output_dir/checkpoints`에 저장합니다.
# - 학습 기록은 CSV 파일로 남겨 곡선을 그리는 데 씁니다. 진행 막대는 Colab과 JupyterLab에서 모두 보입니다.
# - 여러 GPU를 쓸 때는 `devices`, `strategy`, `num_nodes`를 그대로 넘기면 됩니다.

# %% id=cell-06
from helpers.core.training import build_trainer
from helpers.core.devices import pick_precision

trainer = build_trainer(settings)
print("정밀도:", pick_precision(settings.precision), "| 최대 에폭:", trainer.max_epochs)

# %% [markdown] id=cell-07
# ## 4절. 학습하기
# `fit_or_resume`은 `Trainer.fit`을 부릅니다. 이전 실행이 중간에 끊겨 `last.ckpt`가 남아 있으면 처음부터 다시 하지 않고
# 그 체크포인트에서 **이어서** 학습하며, 어느 체크포인트에서 이어 가는지 출력합니다. 데이터 순서와 난수 상태까지 이어지므로
# CPU의 32비트 학습에서는 끊기지 않은 학습과 똑같은 결과가 나옵니다. GPU에서 혼합 정밀도로 학습할 때는 속도를 위해
# 결정적 계산을 강제하지 않으므로(`deterministic=False`) 결과가 아주 조금 다를 수 있지만, 거의 같습니다.
# GPU가 여러 개면 `build_trainer`가 노트북용 `ddp_notebook`을 자동으로 고릅니다.

# %% id=cell-08
from helpers.core.training import checkpoint_dir, fit_or_resume, resuming

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
# - `Trainer`는 학습 스텝을 반복하고, 검증하고, 가장 좋은 체크포인트와 `last.ckpt`를 저장하며, 끊긴 학습은 이어서 합니다.
# - GPU에서는 혼합 정밀도(T4는 `16-mixed`와 손실 스케일링)로 빠르게 학습합니다. KcBERT-base, NSMC 한 에폭이 T4에서 약 30분,
#   테스트 정확도 약 0.89–0.90입니다.
# - 정확도와 함께 정밀도·재현율·매크로 F1을 보고, 검증 곡선으로 과적합을 보려면 검증을 자주 하세요.
# - 저장한 모델로 새 문장을 예측하고, 내 데이터 파일로도 같은 파이프라인을 돌릴 수 있습니다.
#
# 여기까지가 문서 분류로 익힌 파이프라인의 일곱 단계입니다. 다음 노트북 **10 문장 쌍 분류**에서는 같은 파이프라인으로
# 두 문장의 관계(함의·중립·모순)를 분류합니다.
