# Source of notebooks/10_pair_classification.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 10. 문장 쌍 분류: KLUE-NLI로 자연어 추론 모델 만들기
#
# 두 문장을 함께 읽고 관계를 맞히는 **문장 쌍 분류**를 해 봅니다. 대표적인 예가 자연어 추론(NLI)입니다.
# 앞 문장(전제, premise)이 참일 때 뒤 문장(가설, hypothesis)이 반드시 참이면 **함의(entailment)**, 반드시 거짓이면
# **모순(contradiction)**, 알 수 없으면 **중립(neutral)** 입니다. 말뭉치는 KLUE-NLI v1.1(대안으로 KorNLI),
# 모델은 `beomi/kcbert-base`입니다. 문서 분류 노트북과 같은 순서(설정 → 말뭉치 → 모델 → 토크나이저 → 데이터로더 →
# 태스크 → 학습 → 평가 → 저장)를 따르고, 달라지는 점은 **두 문장을 한 입력으로 넣는 방법**입니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 전제와 가설을 `[CLS] 전제 [SEP] 가설 [SEP]` 한 입력으로 만들고 `token_type_ids`로 두 문장을 구별하기
# - 같은 전제의 쌍이 학습과 평가에 갈라져 들어가지 않게 데이터를 나누기
# - 정확도와 매크로 F1을 다수 클래스 기준선·혼동 행렬과 함께 읽고, 가설만 보고도 맞힐 수 있는 단서를 의심해 보기

# %% [markdown] id=drive-mount
# ### Colab: 드라이브 연결
# Colab은 노트북마다 런타임이 따로라서, 01 노트북의 드라이브 셀을 여기서 다시 실행해야 체크포인트가 드라이브에 남고
# 런타임이 끊겨도 `last.ckpt`에서 이어 학습할 수 있습니다. Colab이 아니면 이 셀은 건너뜁니다.

# %% id=drive-mount-code
import os
import sys

if "google.colab" in sys.modules:
    from google.colab import drive

    drive.mount("/content/drive")
    os.environ["NLPBOOK_CHECKPOINT_ROOT"] = "/content/drive/MyDrive/nlpbook-checkpoints"
else:
    print("Colab이 아니라서 드라이브 연결을 건너뜁니다: 체크포인트는 이 컴퓨터의 폴더에 저장됩니다.")

# %% [markdown] id=cell-03
# ## 1절. 설정
# 말뭉치 이름과 결과 폴더만 이 과제에 맞게 바꿉니다. 빠른 점검 모드(`NLPBOOK_SMOKE=1`, 01 노트북 참고)에서는
# 작은 모델과 수백 쌍만으로 한 에폭 학습합니다. 실제 실행에서는 KLUE-NLI 학습 파일(24,998쌍) 가운데 약 5%
# (`val_fraction=0.05`)를 검증 데이터로 떼어 두고 나머지로 3 에폭 학습합니다. 5%면 1,200쌍 남짓이라 에폭마다 점수를
# 비교하기에 충분하고, 학습 데이터는 거의 줄지 않습니다. KLUE의 테스트 데이터는 공개되지 않았으므로 KLUE 개발(dev)
# 파일 3,000쌍을 테스트 데이터로 씁니다. KorNLI로 바꾸려면 `corpus_name="kornli"`로 두면 됩니다.

# %% id=cell-04
from helpers.core.settings import settings_for_task

settings = settings_for_task("pair-classification")
if not settings.smoke:  # a real run: three passes over the whole KLUE-NLI training set
    settings = settings.replace(epochs=3)
print(settings.describe())

# %% [markdown] id=cell-05
# ## 2절. 말뭉치: KLUE-NLI 읽기
# KLUE-NLI는 KLUE 벤치마크 GitHub 저장소에 JSON 파일(`klue-nli-v1.1_train.json`, `klue-nli-v1.1_dev.json`)로 있습니다.
# 항목마다 `premise`, `hypothesis`, `gold_label`이 있고, 전제 하나에 가설 세 개(함의·중립·모순)가 짝지어 있습니다.
# KLUE는 Korpora에 없으므로 `read_pair_splits`가 파일이 **없을 때만** GitHub에서 직접 내려받습니다.
# 받을 수 없으면 어떤 파일을 어느 폴더에 두어야 하는지 안내합니다. JSON이 잘렸거나 레이블 값이 잘못되었으면 파일과 줄
# 번호를 밝히고 멈춥니다.
#
# 학습 파일이 있으면 검증 데이터를 학습 파일에서 떼어 내고, 개발 파일은 테스트 데이터로 씁니다. 개발 파일만 있는
# 환경(오프라인 실습용 `../shared/data`처럼)에서는 개발 파일 3,000쌍을 메모리에서 학습/검증/테스트로 나누고, 그렇게
# 나눴다는 메시지를 출력합니다. 어느 경우든 **같은 전제의 세 쌍은 한쪽에만** 들어가게 나눕니다. 전제가 학습과 평가에 함께 들어가면
# 모델이 전제를 외워 점수가 엉뚱해지기 때문입니다. 레이블 순서는 KLUE와 같은 `entailment, neutral, contradiction`(0, 1, 2)으로 고정합니다.

# %% id=cell-06
from helpers.pair_classification.corpus import NLI_LABELS, read_pair_splits

rows = read_pair_splits(settings)
print(f"학습 {len(rows.train):,}쌍, 검증 {len(rows.val):,}쌍, 테스트 {len(rows.test):,}쌍 | 레이블 순서 {NLI_LABELS}")

# %% [markdown] id=cell-07
# 레이블마다 한 쌍씩 보고, 레이블이 고르게 나뉘었는지 셉니다.

# %% id=cell-08
from collections import Counter

for label_id, name in enumerate(NLI_LABELS):
    pair = next(r for r in rows.train if r.label == label_id)
    print(f"[{name}]\n  전제: {pair.premise}\n  가설: {pair.hypothesis}")
print({NLI_LABELS[k]: v for k, v in sorted(Counter(r.label for r in rows.train).items())})

# %% [markdown] id=cell-09
# ## 3절. 사전학습 모델: `BertForSequenceClassification`
# 문서 분류와 같은 모델이고 출력만 세 개입니다. 레이블 이름과 순서는 모델 설정(`config.id2label`)에 저장되므로,
# 저장한 모델을 나중에 불러와도 숫자가 어떤 관계인지 알 수 있습니다. 빠른 점검 모드에서는 무작위로 초기화한 작은 BERT를 씁니다.

# %% id=cell-10
from helpers.core.models import count_parameters, load_sequence_classifier

model = load_sequence_classifier(settings, NLI_LABELS)
print(model.config.id2label)
print(f"학습할 파라미터 {count_parameters(model):,}개")

# %% [markdown] id=cell-11
# ## 4절. 토크나이저: 두 문장을 한 입력으로
# 전제와 가설을 토크나이저에 **따로따로 두 인자로** 넘기면 `[CLS] 전제 [SEP] 가설 [SEP]` 한 줄이 됩니다.
# `token_type_ids`(세그먼트 번호)는 전제 쪽이 0, 가설 쪽이 1이어서 모델이 두 문장을 구별합니다.

# %% id=cell-12
from helpers.core.models import load_tokenizer

tokenizer = load_tokenizer(settings)
example = rows.train[0]
encoded = tokenizer(example.premise, example.hypothesis)
for token, segment in zip(tokenizer.convert_ids_to_tokens(encoded["input_ids"]), encoded["token_type_ids"]):
    print(f"{segment} {token}")

# %% [markdown] id=cell-13
# ### 쌍을 토큰 번호로: `encode_pair_chunk`
# 아래 셀은 이 코스의 라이브러리(`helpers.pair_classification.encoding`)에 있는 함수를 **그대로** 옮긴 것입니다(테스트가
# 라이브러리 코드와 글자 하나까지 같은지 확인합니다). 실행하면 이 노트북은 여기서 정의한 함수를 씁니다.
#
# 쌍 여러 개를 한 번에 처리합니다. `pair_ids_batch`는 위의 `tokenizer(전제들, 가설들)`과 같은 `input_ids`와
# `token_type_ids`를 한 번의 배치 호출로 만듭니다(fast 토크나이저의 Rust 부분을 바로 불러, 쓰지 않을 마스크는 만들지 않습니다).
# 그중 `max_length`보다 긴 쌍만 골라 `truncation="longest_first"`로 **다시** 토큰화합니다. 이 방식은 두 문장 가운데 긴 쪽에서
# 토큰을 하나씩 떼어 내므로 짧은 가설이 통째로 사라지지 않습니다. 잘린 쌍의 수도 함께 돌려줍니다.

# %% id=pair-encode-chunk tags=["library:helpers.pair_classification.encoding"]
from typing import Any, Sequence

from helpers.core.corpora import LabeledPair
from helpers.core.data import pair_ids_batch


def encode_pair_chunk(tokenizer: Any, rows: Sequence[LabeledPair], max_length: int) -> tuple[list, list, int]:
    """Token ids and token type ids of (premise, hypothesis) pairs, those over max_length cut from the longer side,
    and how many were cut."""
    premises, hypotheses = [r.premise for r in rows], [r.hypothesis for r in rows]
    ids, types = pair_ids_batch(tokenizer, premises, hypotheses)
    long = [i for i, row in enumerate(ids) if len(row) > max_length]
    if long:
        cut = tokenizer([premises[i] for i in long], [hypotheses[i] for i in long], truncation="longest_first",
                        max_length=max_length, return_attention_mask=False)
        for i, row_ids, row_types in zip(long, cut["input_ids"], cut["token_type_ids"]):
            ids[i], types[i] = row_ids, row_types
    return ids, types, len(long)

# %% [markdown] id=pair-encode-chunk-demo-md
# 학습 쌍 세 개를 일부러 짧은 길이(24토큰)로 토큰화해 봅니다. 잘린 쌍에서는 전제와 가설 중 긴 쪽이 줄어들고, 두 `[SEP]`과
# 세그먼트 번호(전제 0, 가설 1)는 그대로 남습니다.

# %% id=pair-encode-chunk-demo
few = rows.train[:3]
few_ids, few_types, few_cut = encode_pair_chunk(tokenizer, few, max_length=24)
print(f"쌍 {len(few)}개 중 {few_cut}개를 24토큰으로 잘랐습니다")
for pair, ids, types in zip(few, few_ids, few_types):
    full = len(tokenizer(pair.premise, pair.hypothesis)["input_ids"])
    premise_tokens = [t for t, segment in zip(tokenizer.convert_ids_to_tokens(ids), types) if segment == 0]
    hypothesis_tokens = [t for t, segment in zip(tokenizer.convert_ids_to_tokens(ids), types) if segment == 1]
    print(f"{full}토큰 -> {len(ids)}토큰 | 세그먼트 0: {' '.join(premise_tokens)} | 세그먼트 1: {' '.join(hypothesis_tokens)}")

# %% [markdown] id=pair-encode-all-md
# `encode_pairs`는 모든 쌍을 묶음(chunk)으로 나눠 `encode_pair_chunk`에 넣고(다음 묶음은 미리 준비해 둡니다), 결과를 패딩 없는
# 빽빽한 배열에 모읍니다. 잘린 쌍의 수는 끝에 한 번 출력합니다. 패딩은 하지 않고 배치마다 채웁니다(동적 패딩).

# %% id=cell-14
from helpers.core.splits import Splits
from helpers.pair_classification.encoding import encode_pairs
from helpers.core.plots import plot_token_lengths, use_korean_font

use_korean_font()
datasets = Splits(*(encode_pairs(tokenizer, getattr(rows, name), settings.max_seq_length, name)
                    for name in ("train", "val", "test")))
plot_token_lengths(datasets.train.lengths(), settings.max_seq_length, "tokens per pair (train)");

# %% [markdown] id=cell-15
# ## 5절. 데이터로더
# 문서 분류와 같은 `make_loaders`를 그대로 씁니다. 콜레이터는 `input_ids`, `attention_mask`와 함께
# `token_type_ids`도 배치에서 가장 긴 쌍에 맞춰 채웁니다.

# %% id=cell-16
from helpers.core.loaders import make_loaders

loaders = make_loaders(datasets, tokenizer, settings)
batch = next(iter(loaders.train))
print({name: tuple(t.shape) for name, t in batch.items()})
print("첫 쌍의 세그먼트:", batch["token_type_ids"][0].tolist())

# %% [markdown] id=cell-17
# ## 6절. 태스크
# 문서 분류의 `ClassificationTask`를 그대로 씁니다. 손실은 교차 엔트로피이고, 에폭마다 정확도와 **매크로 F1**
# (세 레이블의 F1 평균)을 기록합니다. 그 코드는 06 노트북에서 한 줄씩 보았으므로 여기서는 다시 싣지 않습니다.
# 쌍 분류라서 달라지는 곳은 없습니다. 태스크의 `forward`가 배치를 통째로 `self.model(**batch)`로 넘기므로, 콜레이터가 만든
# `token_type_ids`도 그대로 모델에 들어갑니다.

# %% id=cell-18
from helpers.core.tasks import ClassificationTask

task = ClassificationTask(model, settings.learning_rate, settings.weight_decay, settings.warmup_ratio)

# %% [markdown] id=pair-segments-md
# 모델이 정말 `token_type_ids`를 쓰는지 확인해 봅니다. 같은 배치를 세그먼트 번호를 모두 0으로 바꿔 한 번 더 넣으면
# 점수(logits)가 달라집니다. 모델은 토큰 임베딩에 세그먼트 임베딩을 더해 읽으므로, 가설 쪽 토큰이 "둘째 문장"이라는
# 정보를 잃기 때문입니다(학습 전이라 점수 자체에는 아직 뜻이 없습니다).

# %% id=pair-segments
import torch

from helpers.core.models import evaluation_mode

few_rows = {name: t[:2] for name, t in batch.items()}
with evaluation_mode(task.model):
    with_segments = task(few_rows).logits
    without_segments = task({**few_rows, "token_type_ids": torch.zeros_like(few_rows["token_type_ids"])}).logits
for name, logits in (("세그먼트 번호 그대로", with_segments), ("세그먼트 번호 모두 0", without_segments)):
    print(f"{name}:", [[f"{v:.4f}" for v in row] for row in logits.tolist()])

# %% [markdown] id=cell-19
# ## 7절. 학습
# 검증 정확도가 가장 좋은 체크포인트와 마지막 체크포인트를 남기고, 끊긴 실행은 `last.ckpt`에서 이어 갑니다.
# Colab T4에서 KcBERT-base로 3 에폭(약 2,200 스텝, 혼합 정밀도, 배치 32)을 돌리면 대략 10~20분 걸립니다. 쌍이 짧아
# 동적 패딩 덕을 많이 보기 때문인데, 잰 값이 아니라 어림값이니 첫 에폭의 진행 막대로 남은 시간을 확인하세요.

# %% id=cell-20
from helpers.core.plots import epoch_table
from helpers.core.training import build_trainer, fit_or_resume, metrics_csv

trainer = build_trainer(settings)
fit_or_resume(trainer, task, loaders.train, loaders.val, settings)
print(epoch_table(metrics_csv(settings), ("val_loss", "val_acc", "val_f1")))

# %% [markdown] id=cell-21
# ## 8절. 평가
# 가장 좋은 체크포인트로 테스트 정확도와 매크로 F1을 잽니다. 늘 가장 흔한 레이블만 답하는 "다수 클래스" 정확도와
# 비교해야 모델이 정말 배웠는지 알 수 있습니다. 레이블이 고르게 셋이므로 다수 클래스 정확도는 약 0.33입니다.
# 실제 실행에서 기대할 점수: KLUE 논문(Park et al., 2021)의 KLUE-NLI 개발 데이터 결과에서 BERT-base 크기의 모델은
# 정확도가 대략 0.8입니다. 같은 크기인 KcBERT-base도 대략 이 근처를 목표로 삼으면 됩니다.
# (빠른 점검 모드의 작은 모델은 사전학습 없이 몇 스텝만 배우므로 다수 클래스 수준에 머뭅니다. KLUE-NLI는 가설의 낱말만으로는
# 답을 알기 어렵게 만든 말뭉치라서, 사전학습된 KcBERT가 있어야 점수가 오릅니다.)

# %% id=cell-22
from pathlib import Path

from helpers.pair_classification.pipeline import majority_share
from helpers.core.plots import plot_learning_curves
from helpers.core.training import best_or_current

metrics = trainer.test(task, loaders.test, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"테스트 정확도 {metrics['test_acc']:.4f}, 매크로 F1 {metrics['test_f1']:.4f} "
      f"(다수 클래스 정확도 {majority_share(rows.test):.4f})")
plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png",
                     metrics=("loss", "acc", "f1"));

# %% [markdown] id=cell-23
# 혼동 행렬은 행이 정답, 열이 예측입니다. 대각선 밖의 칸을 보면 어떤 관계를 어떤 관계로 착각하는지 알 수 있습니다
# (NLI 모델은 보통 중립을 가장 어려워합니다).

# %% id=cell-24
from helpers.pair_classification.pipeline import confusion_on_rows
from helpers.core.plots import plot_confusion_matrix

matrix = confusion_on_rows(task.model, tokenizer, rows.test, settings.max_seq_length)
plot_confusion_matrix(matrix, NLI_LABELS, save_to=Path(settings.output_dir) / "confusion_matrix.png");

# %% [markdown] id=cell-25
# ## 9절. 예측
# `predict_pairs`는 (전제, 가설) 쌍의 목록을 받아 관계와 세 레이블의 확률을 돌려줍니다(나중의 데모도 이 함수를 씁니다).

# %% id=cell-26
from helpers.pair_classification.pipeline import predict_pairs

pairs = [("아이들이 공원에서 축구를 하고 있다.", "아이들이 밖에서 놀고 있다."),
         ("아이들이 공원에서 축구를 하고 있다.", "아이들은 집에서 잠을 자고 있다."),
         ("아이들이 공원에서 축구를 하고 있다.", "아이들은 같은 학교에 다닌다.")]
for result in predict_pairs(task.model, tokenizer, pairs, settings.max_seq_length):
    probabilities = ", ".join(f"{k} {v:.2f}" for k, v in result["probabilities"].items())
    print(f"{result['hypothesis']} -> {result['label']} ({probabilities})")

# %% [markdown] id=cell-27
# ## 10절. 모델 저장과 다시 불러오기
# `save_pretrained`로 가중치(safetensors), 설정(레이블 이름 포함), 토크나이저를 한 폴더에 저장하고 다시 불러와 봅니다.

# %% id=cell-28
from transformers import BertForSequenceClassification

from helpers.core.models import save_model

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
reloaded = BertForSequenceClassification.from_pretrained(saved)
print(saved, reloaded.config.id2label)
print(predict_pairs(reloaded, tokenizer, pairs[:1])[0]["label"])

# %% [markdown] id=cell-29
# ## 내 문장 쌍 데이터로 학습하기
# 문장 열 두 개와 레이블 열 하나가 있으면 됩니다. 아래 예제는 JSONL(한 줄에 JSON 객체 하나)로 두 문장의 뜻이 같은지 표시한 파일입니다.
# 파일·열 이름은 설정(`custom_file`, `text_column`, `text_pair_column`, `label_column`)으로 넘깁니다. 잘못된 줄이 있으면 파일 이름과 줄 번호를 밝히고 멈춥니다.

# %% id=cell-30
from helpers.pair_classification.pipeline import run_pair_classification
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT

pair_settings = settings_for_task("pair-classification", corpus_name="custom", output_dir="outputs/my-pairs",
                                  val_fraction=0.2,
                                  custom_file=str(EMBEDDED_SAMPLE_ROOT / "custom" / "sentence_pairs.jsonl"),
                                  text_column="sentence1", text_pair_column="sentence2", label_column="label")
pair_metrics = run_pair_classification(pair_settings)

# %% [markdown] id=exercises-10
# ## 11절. 연습 문제
# 답은 아래 셀의 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다.
# 답이 실행 환경에 따라 달라지지 않도록, 문제는 모두 저장소에 든 **내장 표본**(`sample_pairs()`, 작은 토크나이저)으로 풉니다.

# %% id=exercises-10-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import NLI_EXAMPLE, sample_pairs, sample_settings

sample_rows = sample_pairs()  # train / val / test of the embedded KLUE-NLI sample
sample_tokenizer = load_tokenizer(sample_settings("pair-classification"))
print(len(sample_rows.train), len(sample_rows.test), NLI_EXAMPLE)

# %% [markdown] id=exercise-10-majority
# ### 연습 1. 다수 클래스 정확도
# `sample_rows.test`에서 늘 가장 흔한 레이블만 답하는 모델의 정확도는 얼마일까요? 소수로 답하세요(예: `0.25`).

# %% id=exercise-10-majority-code
answer = ...  # 여기에 답을 쓰세요
check("10-majority", answer)

# %% [markdown] id=exercise-10-segments
# ### 연습 2. 세그먼트 번호 세기
# `sample_tokenizer(*NLI_EXAMPLE)`의 `token_type_ids` 가운데 1인 토큰은 몇 개일까요? 어느 토큰들이 1인지도 확인해 보세요.

# %% id=exercise-10-segments-code
answer = ...  # 여기에 답을 쓰세요
check("10-segments", answer)

# %% [markdown] id=exercise-10-hypothesis-only
# ### 연습 3. 가설만 보는 기준선
# 전제를 읽지 않고 가설만으로 관계를 맞힐 수 있다면, 모델은 추론 대신 말뭉치의 버릇을 배울 수 있습니다. 가장 단순한
# "가설만 보는 규칙"을 시험해 봅시다. `sample_rows.train`에서 가설에 `않` 또는 `없`이 든 쌍 가운데 모순(레이블 2)의
# 비율은 얼마일까요? 1/3보다 훨씬 크다면 "부정어가 있으면 모순"이라는 규칙만으로도 점수를 꽤 얻는다는 뜻입니다.
# 내장 표본은 틀에 맞춰 만든 문장이라 이 단서가 극단적으로 드러납니다. 실제 KLUE-NLI 개발 데이터 3,000쌍에서는 부정어가
# 든 가설 271개 가운데 약 44%가 모순입니다. 1/3보다 높으니 단서가 남아 있긴 하지만, 이 규칙만으로는 멀리 가지 못합니다.
# 실제 학습 데이터(`rows.train`)로도 같은 비율을 재어 보세요.

# %% id=exercise-10-hypothesis-only-code
answer = ...  # 여기에 답을 쓰세요
check("10-hypothesis-only", answer)

# %% [markdown] id=cell-31
# ## 정리
# - 두 문장은 토크나이저에 두 인자로 넘겨 `[CLS] 전제 [SEP] 가설 [SEP]` 한 줄로 만들고, `token_type_ids`로 구별합니다.
#   너무 긴 쌍은 더 긴 쪽부터 자릅니다.
# - 데이터로더, 태스크(정확도·매크로 F1), Trainer는 문서 분류와 같은 것을 그대로 씁니다. 레이블 순서는 모델 설정에 저장됩니다.
# - 개발 파일만 있으면 같은 전제끼리 묶어서 메모리에서 나눕니다. 평가할 때는 다수 클래스 정확도, 혼동 행렬과 함께 봅니다.
# - KorNLI(`corpus_name="kornli"`)는 Korpora로 내려받습니다(학습: multinli + snli, 검증: xnli dev, 테스트: xnli test).
# - 한 번에 끝까지 돌리려면
#   `python -m helpers.train pair-classification --set epochs=3`을 쓰면 됩니다(말뭉치와 결과 폴더는 위와 같은 기본값).
#
# 다음: 저장한 모델로 전제·가설 관계를 예측하는 데모는 **21 노트북**(`21_pair_classification_inference.ipynb`)에 있습니다.
