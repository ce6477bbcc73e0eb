# Source of notebooks/21_pair_classification_inference.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 21. 문장 쌍 분류 추론: 전제와 가설의 관계를 예측하는 데모
#
# 10 노트북에서 학습해 저장한 자연어 추론(NLI) 모델을 불러와, 전제 문장과 가설 문장의 관계가 함의(entailment)·중립(neutral)·
# 모순(contradiction) 중 무엇인지 예측합니다. 간단한 예측 함수를 먼저 보고, 그 함수를 감싼 위젯 데모를 노트북 안에서
# 띄웁니다(웹 서버·터널·계정 없음). 여러 쌍을 파일로 한꺼번에 예측해 CSV로 저장하고, 혼동 행렬과 어텐션 히트맵을 그립니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 저장한 NLI 모델로 (전제, 가설) 쌍의 관계와 세 확률을 예측하기
# - 두 문장을 합쳐 모델 한도를 넘을 때 어느 쪽이 얼마나 잘리는지 설명하기
# - 파일 단위로 예측해 CSV로 저장하고, 혼동 행렬로 어떤 관계를 헷갈리는지 읽기

# %% [markdown] id=cell-03
# ## 1절. 한글 글꼴 (Colab)
# 그림 속 한글이 네모(□)로 나오지 않도록 Colab에서는 아래 셀로 나눔 글꼴을 설치하세요(다시 시작할 필요 없음).
# 한글 글꼴이 없는 환경에서는 안내 문구를 출력하고 기본 글꼴로 그립니다.

# %% id=cell-04
import sys

if "google.colab" in sys.modules:
    !apt-get -qq install fonts-nanum
else:
    print("Colab이 아니라서 글꼴 설치를 건너뜁니다: 한글 글꼴이 없으면 아래 그림 셀에 설치 방법이 나옵니다.")

# %% id=cell-05
from helpers.core.plots import use_korean_font

print("그림 글꼴:", use_korean_font())

# %% [markdown] id=cell-06
# ## 2절. 설정
# 학습 노트북(10)과 같은 설정을 써야 모델을 저장한 폴더(`output_dir/model`)를 똑같이 찾습니다.

# %% id=cell-07
from helpers.core.settings import settings_for_task

settings = settings_for_task("pair-classification")
print(settings.describe())

# %% [markdown] id=cell-08
# ## 3절. 저장한 모델 불러오기
# `load_trained_or_smoke`는 `output_dir/model`에서 `from_pretrained`로 모델(safetensors)과 토크나이저를 불러옵니다.
# 저장한 모델이 없으면(10 노트북을 아직 실행하지 않았으면) 그 사실을 출력하고, 빠른 점검용 작은 대역 모델을 내장 예제 말뭉치로
# 잠깐(CPU 한 코어에서 수십 초) 학습해 대신 씁니다. 예제 말뭉치의 쌍은 "누가 언제 어디에서 무엇을 했다"는 몇 가지 문장 틀로
# 되어 있어, 대역 모델은 그 틀을 배워 따로 둔 예제 쌍을 거의 다 맞히고(점수를 함께 출력합니다) 아래 예문처럼 같은 틀로 새로
# 지은 쌍도 맞힙니다. 틀에서 벗어난 문장(8절의 파일, 10절의 문장)에서는 자주 틀립니다.

# %% id=cell-09
from helpers.demos.inference import load_trained_or_smoke

loaded = load_trained_or_smoke("pair-classification", settings)
model, tokenizer = loaded.model, loaded.tokenizer
print("학습한 모델" if loaded.trained else "대신 쓰는 점검용 모델", "|", loaded.folder)
print("레이블:", model.config.id2label)

# %% [markdown] id=cell-10
# ## 4절. 예측 함수
# `predict_pairs(model, tokenizer, [(전제, 가설), ...], max_length)`는 두 문장을 `[CLS] 전제 [SEP] 가설 [SEP]` 하나로
# 이어 붙여 모델에 넣고(두 문장은 `token_type_ids` 0과 1로 구별), 세 관계의 확률을 softmax로 구합니다.
# 결과는 쌍마다 `{"premise", "hypothesis", "label", "probabilities"}`이고 세 확률의 합은 1입니다.
# 예문 `PAIR_EXAMPLES`는 예제 말뭉치의 문장 틀로 새로 지은 (전제, 가설, 정답) 세 쌍으로, 함의·모순·중립이 하나씩입니다.

# %% id=cell-11
from helpers.demos.widgets import PAIR_EXAMPLES
from helpers.pair_classification.pipeline import predict_pairs

examples = [(premise, hypothesis) for premise, hypothesis, _ in PAIR_EXAMPLES]
for result, (*_, expected) in zip(predict_pairs(model, tokenizer, examples, settings.max_seq_length), PAIR_EXAMPLES):
    probs = ", ".join(f"{label} {p:.3f}" for label, p in result["probabilities"].items())
    print(f"{result['label']:>13} (정답 {expected}; {probs}) | {result['premise']} / {result['hypothesis']}")

# %% [markdown] id=cell-12
# ## 5절. 입력 점검이 붙은 함수
# `classify_pair`는 예측 전에 두 문장을 점검합니다. 어느 한쪽이 비었거나 공백만 있으면 예측하지 않고 이유를 돌려줍니다.
# 두 문장을 합쳐 모델 한도를 넘으면 더 긴 문장의 뒷부분부터 잘랐다는 안내를 붙이고, 어휘 조각으로 나눌 수 없는 단어가
# 통째로 `[UNK]`가 되었으면 그 안내도 붙입니다. 이모지는 KcBERT 어휘에 900개쯤 있어 대개 그대로 토큰이 되고, `[UNK]`는
# 주로 한자와 드문 기호(㋡, 𠜎)에서 생깁니다(빠른 점검 모드의 작은 어휘에서는 이모지도 `[UNK]`입니다).

# %% id=cell-13
from helpers.demos.widgets import classify_pair

checked = classify_pair(model, tokenizer, "오늘은 맑고 바람이 시원하다. " * 30, "날씨가 좋다 😀 ㋡", settings.max_seq_length)
print(checked["label"], {k: round(v, 3) for k, v in checked["probabilities"].items()})
for note in checked["notes"]:
    print("-", note)

# %% [markdown] id=cell-14
# ## 6절. 위젯 데모
# 전제와 가설을 고치고 **예측하기**를 누르면 예측한 관계와 세 확률의 막대가 나옵니다.

# %% id=cell-15
from helpers.demos.widgets import build_pair_demo

demo = build_pair_demo(model, tokenizer, settings.max_seq_length)
demo.run()
demo

# %% [markdown] id=cell-16
# ## 7절. 까다로운 입력 시험하기
# 버튼 대신 코드로 입력을 넣어 봅니다. 어떤 입력에도 예외 대신 안내 문구나 결과가 나와야 합니다.

# %% id=cell-17
from helpers.demos.widgets import PAIR_BAD_INPUTS, html_text, try_inputs

for case, shown in try_inputs(demo, PAIR_BAD_INPUTS).items():
    print(f"[{case}] {html_text(shown)[:240]}")

# %% [markdown] id=cell-18
# ## 8절. 여러 쌍을 한꺼번에 예측해 CSV로 저장하기
# 한 줄에 `전제<TAB>가설` 한 쌍인 파일을 읽어 배치로 예측합니다(진행 막대 표시). 빈 줄이나 한쪽이 빈 쌍도 버리지 않고
# `error` 칸에 이유를 적습니다. 칸 수가 틀린 줄이 있으면 파일 이름과 줄 번호를 밝히고 멈춥니다.

# %% id=cell-19
from pathlib import Path

from helpers.demos.inference import predict_to_csv, read_inputs
from helpers.core.input_checks import input_problem

out = Path(settings.output_dir) / "inference"
input_file = out / "pairs.tsv"
input_file.parent.mkdir(parents=True, exist_ok=True)
input_file.write_text("비가 많이 온다.\t길이 젖었다.\n\n고양이가 잔다.\t\n회의가 취소되었다.\t회의는 예정대로 열렸다.\n",
                      encoding="utf-8")

pairs = read_inputs(input_file, columns=2)
rows = predict_to_csv(lambda batch: predict_pairs(model, tokenizer, batch, settings.max_seq_length), pairs,
                      out / "predictions.csv", input_columns=("premise", "hypothesis"),
                      check=lambda pair: input_problem(*pair, names=("전제", "가설")))
print((out / "predictions.csv").read_text(encoding="utf-8"))

# %% [markdown] id=cell-20
# ## 9절. 혼동 행렬
# 테스트 쌍에서 정답 관계(행)와 예측(열)이 몇 번 만났는지 셉니다. NLI 모델은 흔히 중립과 다른 두 관계를 헷갈립니다.
# 시간을 아끼려고 테스트 쌍 중 최대 1,000개만 씁니다.

# %% id=cell-21
from helpers.core.corpora import take_rows
from helpers.pair_classification.pipeline import confusion_on_rows
from helpers.pair_classification.corpus import read_pair_splits
from helpers.core.plots import plot_confusion_matrix

test_rows = take_rows(read_pair_splits(settings).test, 1000, "test", settings.seed)
matrix = confusion_on_rows(model, tokenizer, test_rows, settings.max_seq_length)
labels = [model.config.id2label[i] for i in range(len(matrix))]
print(f"정확도 {sum(matrix[i][i] for i in range(len(matrix))) / len(test_rows):.3f} ({len(test_rows)}쌍)")
plot_confusion_matrix(matrix, labels, save_to=out / "confusion_matrix.png");

# %% [markdown] id=cell-22
# ## 10절. 어텐션 히트맵: [CLS]는 어느 토큰을 볼까?
# 관계는 `[CLS]`의 마지막 층 표현을 풀러(선형층 + tanh)에 통과시킨 벡터로 정합니다. 층마다 `[CLS]`가 전제와 가설의 각 토큰에 준 어텐션(헤드 평균, 한 행의 합 100%)입니다. 학습한 모델은 흔히 두 문장에서
# 서로 대응하는 단어나 부정어("않", "없")를 많이 봅니다. 어텐션은 참고한 곳의 힌트일 뿐 예측의 이유 그 자체는 아닙니다.

# %% id=cell-23
from helpers.demos.attention import cls_attention, plot_cls_attention

tokens, weights = cls_attention(model, tokenizer, "남자가 식당에서 밥을 먹는다.", "남자는 아무것도 먹지 않는다.",
                                max_length=settings.max_seq_length)
plot_cls_attention(tokens, weights, save_to=out / "cls_attention.png");

# %% [markdown] id=exercises-21
# ## 11절. 연습 문제
# 답은 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다. 답이 실행 환경에 따라 달라지지
# 않도록 저장소에 든 작은 토크나이저(`sample_tokenizer`)로 풉니다.

# %% id=exercises-21-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import LONG_PREMISE, PAIR_LIMIT, SHORT_HYPOTHESIS, sample_settings
from helpers.core.models import load_tokenizer

sample_tokenizer = load_tokenizer(sample_settings("pair-classification"))
print(f"전제 {len(sample_tokenizer.tokenize(LONG_PREMISE))}토큰, 가설 {len(sample_tokenizer.tokenize(SHORT_HYPOTHESIS))}토큰, "
      f"max_length={PAIR_LIMIT}")

# %% [markdown] id=exercise-21-truncation
# ### 연습. 어느 쪽이 잘릴까?
# `sample_tokenizer(LONG_PREMISE, SHORT_HYPOTHESIS, truncation="longest_first", max_length=PAIR_LIMIT)`로 자르면
# 전제와 가설의 토큰이 각각 몇 개 남을까요? 특수 토큰(`[CLS]`, `[SEP]` 두 개)을 빼고 `(전제, 가설)`로 답하세요.

# %% id=exercise-21-truncation-code
answer = ...  # 여기에 답을 쓰세요
check("21-truncation", answer)

# %% [markdown] id=cell-24
# ## 정리
# - **데모**: 전제·가설 입력 상자 → 예측한 관계와 세 확률(함의·중립·모순)의 막대.
# - **시험한 까다로운 입력**: 빈 전제, 공백만 있는 가설(→ 입력하라는 안내), 모델 한도보다 긴 쌍(→ 긴 문장의 뒷부분부터
#   잘랐다는 안내와 결과), 이모지와 드문 글자(→ 이모지는 대개 그대로, 어휘로 나눌 수 없는 단어는 `[UNK]` 안내와 결과).
# - **배치 예측**: TSV 파일 → 진행 막대 → `predictions.csv`(빈 입력은 `error` 칸에 이유).
# - **그림**: 혼동 행렬, `[CLS]` 어텐션 히트맵.
#
# 다음: 문장 속 개체명을 찾는 개체명 인식을 학습하는 **11 노트북**(`11_named_entity_recognition.ipynb`)으로 넘어가세요.
