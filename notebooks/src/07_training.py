# Source of notebooks/07_training.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 7. 학습: `Trainer.fit`, 학습 곡선, 테스트 정확도, 모델 저장, 예측
#
# 마지막 단계입니다. Lightning `Trainer`가 앞에서 손으로 밟았던 걸음을 전체 데이터에 대해 반복하고,
# 에폭마다 검증하고, 가장 좋은 체크포인트와 마지막 체크포인트를 저장합니다. 학습이 끝나면 테스트 정확도를 재고,
# 모델을 `save_pretrained`로 저장한 뒤 새 문장을 예측해 봅니다.

# %% [markdown] id=cell-03
# ## 앞 단계 다시 만들기

# %% id=cell-04
from helpers.document_classification import build_task, encode_splits, make_loaders, read_nsmc_splits
from helpers.models import load_tokenizer
from helpers.settings import settings_from_env

settings = settings_from_env()
tokenizer = load_tokenizer(settings)
loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length), tokenizer, settings)
task = build_task(settings)

# %% [markdown] id=cell-05
# ## Trainer 만들기
# `build_trainer`는 장치에 맞는 설정을 고릅니다.
#
# - GPU가 있으면 사용하고(`accelerator="auto"`), 정밀도는 bf16을 지원하는 GPU(A100, H100 등)에서 `bf16-mixed`,
#   Colab T4처럼 bf16이 없는 GPU에서 `16-mixed`, CPU에서는 `32-true`입니다.
# - 검증 정확도가 가장 좋은 체크포인트(`best-...ckpt`)와 마지막 체크포인트(`last.ckpt`)를 `output_dir/checkpoints`에 저장합니다.
# - 학습 기록은 CSV 파일로 남겨 곡선을 그리는 데 씁니다. 진행 막대는 Colab과 JupyterLab에서 모두 보입니다.
# - 여러 GPU를 쓸 때는 `devices`, `strategy`, `num_nodes`를 그대로 넘기면 됩니다.

# %% id=cell-06
from helpers.training import build_trainer, pick_precision

trainer = build_trainer(settings)
print("정밀도:", pick_precision(settings.precision), "| 최대 에폭:", trainer.max_epochs)

# %% [markdown] id=cell-07
# ## 학습하기
# `fit_or_resume`은 `Trainer.fit`을 부릅니다. 이전 실행이 중간에 끊겨 `last.ckpt`가 남아 있으면 처음부터 다시 하지 않고
# 그 체크포인트에서 **이어서** 학습하고, 그렇다고 알려 줍니다. 데이터 순서와 난수 상태까지 이어지므로
# 끊기지 않은 학습과 같은 결과가 나옵니다. GPU가 여러 개면 `build_trainer`가 노트북용 `ddp_notebook`을 자동으로 고릅니다.

# %% id=cell-08
from helpers.training import checkpoint_dir, fit_or_resume, resuming

print("체크포인트 폴더:", checkpoint_dir(settings), "| 이어서 학습:", resuming(settings))
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)

# %% [markdown] id=cell-09
# ## 학습 곡선
# 파란 선은 걸음마다의 학습 손실·정확도, 점은 에폭마다의 검증 값입니다. 학습 손실만 내려가고 검증 손실이 올라가면 과적합입니다.

# %% id=cell-10
from pathlib import Path

from helpers.plots import plot_learning_curves
from helpers.training import metrics_csv

plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png");

# %% [markdown] id=cell-11
# ## 테스트 정확도
# 검증 정확도가 가장 좋았던 체크포인트를 불러와 한 번도 보지 않은 테스트 데이터로 평가합니다.

# %% id=cell-12
from helpers.training import best_or_current

test_metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"테스트 정확도 {test_metrics['test_acc']:.4f}, macro F1 {test_metrics['test_f1']:.4f}")

# %% [markdown] id=cell-13
# ## 모델 저장
# `save_pretrained`는 가중치를 safetensors 형식으로, 설정(레이블 이름 포함)과 토크나이저를 함께 저장합니다.
# 나중에 `BertForSequenceClassification.from_pretrained(폴더)`로 그대로 불러올 수 있습니다.

# %% id=cell-14
from helpers.document_classification import save_model

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
print(sorted(p.name for p in saved.iterdir()))

# %% [markdown] id=cell-15
# ## 새 문장 예측하기
# 저장한 폴더에서 모델을 다시 불러와 새 리뷰의 긍정/부정 확률을 봅니다.
# (스모크 실행의 작은 모델은 몇 걸음만 학습했으므로 예측이 엉뚱할 수 있습니다.)

# %% id=cell-16
from transformers import BertForSequenceClassification

from helpers.document_classification import predict_texts

reloaded = BertForSequenceClassification.from_pretrained(saved)
for result in predict_texts(reloaded, tokenizer, ["이 영화 정말 재밌어요 강추!", "돈 아깝다 최악", "그냥 그랬어요"]):
    probs = ", ".join(f"{k} {v:.2f}" for k, v in result["probabilities"].items())
    print(f"{result['label']:>2} ({probs}) | {result['text']}")

# %% [markdown] id=cell-17
# ## 내 데이터로 학습하기
# NSMC 대신 여러분의 데이터로도 같은 파이프라인을 돌릴 수 있습니다. TSV, CSV, JSONL 파일 하나에 **문장 열**과 **레이블 열**만
# 있으면 됩니다. 첫 줄(헤더)에 열 이름을 적고, 읽을 때 그 이름을 알려 줍니다. 레이블은 글자든 숫자든, 몇 종류든 됩니다.
#
# ```
# review,rating
# 배송이 빠르고 포장도 꼼꼼해서 만족합니다,긍정
# "색이 사진이랑 똑같고, 촉감도 부드러워요",긍정
# 한 번 쓰고 바로 고장났어요,부정
# ```
#
# - CSV에서 쉼표가 들어간 문장은 큰따옴표로 감쌉니다. TSV는 따옴표를 글자 그대로 읽고, JSONL은 한 줄에 JSON 객체 하나입니다.
# - 파일은 UTF-8로 저장하세요(엑셀: "CSV UTF-8(쉼표로 분리)"). 다른 인코딩이면 몇째 줄인지 알려 주며 멈춥니다.
# - 빈 문장, 열 개수가 다른 줄, 모르는 레이블(레이블을 지정한 경우), 잘린 JSON 줄도 파일 이름과 줄 번호를 알려 주며 멈춥니다.
#   조용히 건너뛰는 줄은 없습니다.

# %% id=cell-18
from helpers.custom_corpus import read_custom_rows
from helpers.settings import EMBEDDED_SAMPLE_ROOT

example = EMBEDDED_SAMPLE_ROOT / "custom" / "product_reviews.csv"
rows, labels = read_custom_rows(example, text_column="review", label_column="rating")
for row in rows[:3]:
    print(labels[row.label], "|", row.text)

# %% [markdown] id=cell-19
# 학습까지 한 번에 하려면 `corpus_name="custom"`과 파일·열 이름을 설정에 넣습니다. 시험 데이터를 따로 주지 않으면 같은 파일에서
# 떼어 냅니다(`custom_test_file`로 따로 줄 수도 있습니다). 명령줄에서는
# `python -m helpers.train document-classification --set corpus_name=custom --extra custom_file=내파일.csv --extra text_column=review --extra label_column=rating`.

# %% id=cell-20
from helpers.document_classification import run_document_classification

custom_settings = settings_from_env(corpus_name="custom", output_dir="outputs/my-reviews", val_fraction=0.2,
                                    extra={"custom_file": str(example), "text_column": "review", "label_column": "rating"})
custom_metrics = run_document_classification(custom_settings)
