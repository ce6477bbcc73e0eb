# Source of notebooks/20_document_classification_inference.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 20. 문서 분류 추론: 저장한 모델로 예측하고 노트북 안에서 데모 실행하기
#
# 07 노트북에서 학습해 저장한 영화 리뷰 감성 분류 모델을 불러와 새 문장의 긍정/부정을 예측합니다. 먼저 문장을 넣으면
# 예측이 나오는 간단한 함수를 보고, 그 함수를 감싼 위젯 데모를 노트북 안에서 띄웁니다. 외부 웹 서버나 터널, 계정 없이
# Colab과 JupyterLab에서 그대로 동작합니다. 마지막으로 여러 문장을 한꺼번에 예측해 CSV로 저장하고, 혼동 행렬과
# 어텐션 히트맵으로 모델이 무엇을 하는지 눈으로 확인합니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 저장한 모델을 불러와 문장의 레이블과 확률을 예측하고, 점수(logit)가 softmax로 확률이 되는 과정을 설명하기
# - 빈 입력, 너무 긴 글, 어휘에 없는 글자 같은 까다로운 입력을 데모가 어떻게 다루는지 확인하기
# - 파일 단위로 예측해 CSV로 저장하고, 혼동 행렬과 어텐션 히트맵을 읽기

# %% [markdown] id=cell-03
# ## 1절. 한글 글꼴 (Colab)
# matplotlib 기본 글꼴에는 한글이 없어 그림 속 한글이 네모(□)로 나옵니다. Colab에서는 아래 셀로 나눔 글꼴을 설치하세요.
# 설치한 뒤에는 `use_korean_font()`가 글꼴을 찾아 씁니다(런타임을 다시 시작할 필요는 없습니다). 한글 글꼴이 없는
# 환경에서는 안내 문구를 출력하고 기본 글꼴로 그립니다.

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
# 학습 노트북(07)과 같은 설정을 씁니다. 그래야 학습 노트북이 모델을 저장한 폴더(`output_dir/model`)를 똑같이 찾습니다.

# %% id=cell-07
from helpers.core.settings import settings_from_env

settings = settings_from_env()
print(settings.describe())

# %% [markdown] id=cell-08
# ## 3절. 저장한 모델 불러오기
# `load_trained_or_smoke`는 `output_dir/model` 폴더에서 `from_pretrained`로 모델(safetensors)과 토크나이저를 불러옵니다.
# 원격 코드는 실행하지 않습니다(`trust_remote_code`를 쓰지 않음).
#
# 아직 07 노트북을 실행하지 않아 저장한 모델이 없으면 그 사실을 분명히 출력하고, 빠른 점검 모드의 작은 모델(01 노트북
# 참고)을 내장 NSMC 표본으로 잠깐 학습해 대신 씁니다. 그래서 이 노트북은 언제나 끝까지 실행되고 예제 문장은 대체로 맞히지만,
# 그 모델은 표본의 테스트 행에서 정확도 0.76쯤이라 진짜 모델(약 0.90)보다 훨씬 자주 틀립니다. 제대로 된 예측을 보려면 07 노트북을
# 먼저 실행하세요.

# %% id=cell-09
from helpers.demos.inference import load_trained_or_smoke

loaded = load_trained_or_smoke("document-classification", settings)
model, tokenizer = loaded.model, loaded.tokenizer
print("학습한 모델" if loaded.trained else "대신 쓰는 점검용 모델", "|", loaded.folder)
print("레이블:", model.config.id2label)

# %% [markdown] id=cell-10
# ## 4절. 예측 함수
# `predict_texts(model, tokenizer, 문장들, max_length)`가 추론의 전부입니다.
#
# 1. 토크나이저가 문장을 토큰 번호로 바꿉니다(`max_length` 토큰을 넘으면 자름).
# 2. 모델이 레이블마다 점수(logit)를 냅니다.
# 3. softmax로 점수를 확률로 바꾸고, 가장 큰 확률의 레이블을 고릅니다.
#
# 결과는 문장마다 `{"text", "label", "probabilities"}` 사전입니다. 확률을 모두 더하면 1입니다.

# %% id=cell-11
from helpers.core.prediction import predict_texts

for result in predict_texts(model, tokenizer, ["이 영화 정말 재밌어요 강추!", "돈 아깝다 최악", "그냥 그랬어요"],
                            settings.max_seq_length):
    probs = ", ".join(f"{label} {p:.3f}" for label, p in result["probabilities"].items())
    print(f"{result['label']} ({probs}) | {result['text']}")

# %% [markdown] id=cell-12
# ## 5절. 입력 점검이 붙은 함수
# 데모에는 사람이 직접 입력하므로 빈 문장, 아주 긴 글, 드문 글자 같은 까다로운 입력이 들어옵니다. `classify_document`는
# 예측 전에 입력을 점검합니다.
#
# - 비어 있거나 공백만 있으면 예측하지 않고 `InputProblem`으로 이유를 돌려줍니다.
# - 모델 한도(`max_seq_length`)보다 길면 앞부분만 보고 예측했다는 안내를 결과에 붙입니다. 몰래 잘라 버리지 않습니다.
# - 어휘 조각으로 나눌 수 없는 단어는 `[UNK]`가 되었다는 안내를 붙입니다. `[UNK]`는 글자 하나가 아니라 **단어 전체**를
#   대신하므로(`⍼⍼를` → `[UNK]`, 조사 `를`도 사라짐) 잃는 정보가 생각보다 큽니다. KcBERT 어휘에는 이모지가 900개쯤
#   (😀 😡 👍 🏻 …) 들어 있어 이모지는 대개 그대로 토큰이 되고, `[UNK]`는 주로 한자와 드문 기호(㋡, 𠜎, ﷽)에서 생깁니다.
#   (빠른 점검 모드의 작은 어휘에는 이모지가 없어서 이모지도 `[UNK]`가 됩니다.)

# %% id=cell-13
from helpers.demos.widgets import classify_document

checked = classify_document(model, tokenizer, "배우들 연기가 좋았다 😀 ㋡ " * 40, settings.max_seq_length)
print(checked["label"], {k: round(v, 3) for k, v in checked["probabilities"].items()})
for note in checked["notes"]:
    print("-", note)

# %% [markdown] id=cell-14
# ## 6절. 위젯 데모
# 문장을 고치고 **예측하기** 버튼을 누르면 예측 레이블과 레이블별 확률 막대가 나옵니다.
# 예측할 수 없는 입력에는 빨간 오류 대신 무엇이 문제인지 안내 문구가 나옵니다.

# %% id=cell-15
from helpers.demos.widgets import build_document_demo

demo = build_document_demo(model, tokenizer, settings.max_seq_length)
demo.run()
demo

# %% [markdown] id=cell-16
# ## 7절. 까다로운 입력 시험하기
# 위젯 버튼을 누르는 대신 코드로 입력을 넣고 실행해 봅니다(테스트도 이렇게 위젯을 확인합니다).
# 어떤 입력에도 예외 대신 안내 문구나 결과가 나와야 합니다.

# %% id=cell-17
from helpers.demos.widgets import DOCUMENT_BAD_INPUTS, html_text, try_inputs

for case, shown in try_inputs(demo, DOCUMENT_BAD_INPUTS).items():
    print(f"[{case}] {html_text(shown)[:220]}")

# %% [markdown] id=cell-18
# ## 8절. 여러 문장을 한꺼번에 예측해 CSV로 저장하기
# 한 줄에 문장 하나인 텍스트 파일(UTF-8)을 읽어 배치로 예측합니다. 진행 막대가 보이고, 결과는 입력 순서대로 한 줄씩
# CSV에 씁니다. 빈 줄처럼 예측할 수 없는 입력도 버리지 않고 `error` 칸에 이유를 적습니다.
# 내 파일을 쓰려면 `input_file`을 그 경로로 바꾸세요(Colab에서는 왼쪽 파일 창으로 올립니다).

# %% id=cell-19
from pathlib import Path

from helpers.demos.inference import predict_to_csv, read_inputs
from helpers.core.input_checks import input_problem

out = Path(settings.output_dir) / "inference"
input_file = out / "reviews.txt"
input_file.parent.mkdir(parents=True, exist_ok=True)
input_file.write_text("연출이 훌륭하다\n\n시간 낭비였다 😡\n배우가 다 했다 ㋡\n   \n결말이 아쉽다\n", encoding="utf-8")

texts = read_inputs(input_file)
rows = predict_to_csv(lambda batch: predict_texts(model, tokenizer, batch, settings.max_seq_length), texts,
                      out / "predictions.csv", input_columns=("text",), check=input_problem)
print((out / "predictions.csv").read_text(encoding="utf-8"))

# %% [markdown] id=cell-20
# ## 9절. 혼동 행렬
# 테스트 데이터에서 정답(행)과 예측(열)이 몇 번씩 만났는지 셉니다. 대각선이 맞힌 개수, 나머지가 틀린 개수입니다.
# 한쪽 열에 몰려 있으면 모델이 한 레이블만 고르고 있다는 뜻입니다(점검용 작은 모델에서 흔합니다).
# 시간을 아끼려고 테스트 데이터 중 최대 1,000개만 씁니다.

# %% id=cell-21
from helpers.core.corpora import take_rows
from helpers.classification.pipeline import read_document_splits
from helpers.demos.inference import confusion_on_texts
from helpers.core.plots import plot_confusion_matrix

splits, _ = read_document_splits(settings)  # NSMC, or your own file when corpus_name="custom"
test_rows = take_rows(splits.test, 1000, "test", settings.seed)
matrix = confusion_on_texts(model, tokenizer, test_rows, settings.max_seq_length)
labels = [model.config.id2label[i] for i in range(len(matrix))]
print(f"정확도 {sum(matrix[i][i] for i in range(len(matrix))) / len(test_rows):.3f} ({len(test_rows)}개)")
plot_confusion_matrix(matrix, labels, save_to=out / "confusion_matrix.png");

# %% [markdown] id=cell-22
# ## 10절. 어텐션 히트맵: [CLS]는 어느 토큰을 볼까?
# 분류 모델(`BertForSequenceClassification`)은 맨 앞 `[CLS]` 토큰의 마지막 층 표현을 **풀러**(pooler: 선형층 + tanh)에 한 번
# 더 통과시킨 벡터(pooler output)로 레이블을 정합니다. 층마다 `[CLS]`가 각 토큰에 준 어텐션 가중치
# (헤드 평균, 한 행의 합이 100%)를 그렸습니다. 진한 칸일수록 그 토큰을 많이 봤다는 뜻입니다.
# 어텐션은 모델이 *참고한 곳*의 힌트일 뿐 예측의 *이유*를 그대로 보여 주지는 않는다는 점에 주의하세요.
# 제대로 학습하지 않은 점검용 모델은 거의 고르게 봅니다.

# %% id=cell-23
from helpers.demos.attention import cls_attention, plot_cls_attention

tokens, weights = cls_attention(model, tokenizer, "배우들 연기는 최고였지만 결말은 정말 별로였다", max_length=settings.max_seq_length)
plot_cls_attention(tokens, weights, save_to=out / "cls_attention.png");

# %% [markdown] id=exercises-20
# ## 11절. 연습 문제
# 답은 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다. 답이 실행 환경에 따라 달라지지
# 않도록 저장소에 든 작은 토크나이저(`sample_tokenizer`)로 풉니다.

# %% id=exercises-20-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import CLASS_LOGITS, UNK_TEXT, sample_settings
from helpers.core.models import load_tokenizer

sample_tokenizer = load_tokenizer(sample_settings("document-classification"))
print(repr(UNK_TEXT), "| 점수 (부정, 긍정):", CLASS_LOGITS)

# %% [markdown] id=exercise-20-unk
# ### 연습 1. `[UNK]` 세기
# `sample_tokenizer`로 `UNK_TEXT`를 토큰화하면 `[UNK]`가 몇 개 나올까요? 어느 단어가 통째로 사라지는지도 보세요.
# 그다음 학습한 모델의 `tokenizer`(실제 실행이면 KcBERT)로 이모지가 든 문장을 토큰화해 비교해 보세요.

# %% id=exercise-20-unk-code
answer = ...  # 여기에 답을 쓰세요
check("20-unk", answer)

# %% [markdown] id=exercise-20-softmax
# ### 연습 2. 점수에서 확률로
# 모델이 (부정, 긍정)에 점수 `CLASS_LOGITS`를 냈다면 긍정의 확률은 얼마일까요? 4절의 3단계를 손으로 해 보는 문제입니다.

# %% id=exercise-20-softmax-code
answer = ...  # 여기에 답을 쓰세요
check("20-softmax", answer)

# %% [markdown] id=cell-24
# ## 정리
# - **데모**: 문장 입력 상자 → 예측 레이블과 레이블별 확률 막대.
# - **시험한 까다로운 입력**: 빈 문자열, 공백만 있는 문장(→ 입력하라는 안내), 모델 한도보다 긴 글(→ 앞부분만 보고
#   예측했다는 안내와 결과), 이모지와 드문 글자(→ 이모지는 KcBERT 어휘에 있어 대개 그대로 토큰이 되고, 한자·드문 기호처럼
#   어휘 조각으로 나눌 수 없는 단어는 통째로 `[UNK]`가 되었다는 안내와 결과).
# - **배치 예측**: 파일 → 진행 막대 → `predictions.csv`(빈 줄은 `error` 칸에 이유).
# - **그림**: 혼동 행렬, `[CLS]` 어텐션 히트맵(분류는 `[CLS]`의 풀러 출력으로 합니다).
#
# 다음: 두 문장의 관계를 맞히는 문장 쌍 분류를 학습하는 **10 노트북**(`10_pair_classification.ipynb`)으로 넘어가세요.
