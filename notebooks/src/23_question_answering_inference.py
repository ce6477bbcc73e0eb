# Source of notebooks/23_question_answering_inference.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 23. 질의응답 추론: 지문에서 답을 찾아 보여 주는 데모
#
# 12 노트북에서 학습해 저장한 KorQuAD 질의응답 모델을 불러와, 지문과 질문을 넣으면 지문 안에서 답이 되는 구간을 찾습니다
# (데모 화면과 안내 문구에서는 지문을 "문맥"이라고 부릅니다). 간단한 예측 함수를 먼저 보고, 그 함수를 감싼 위젯 데모를
# 노트북 안에서 띄웁니다(웹 서버·터널·계정 없음). 답은 지문 속에
# 형광색으로 표시되고, 점수와 함께 다른 답 후보(n-best)도 보여 줍니다. 마지막으로 여러 질문을 파일로 한꺼번에 풀어 CSV로
# 저장하고, 모델이 맞힌 답과 틀린 답의 확률 분포를 그립니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 저장한 질의응답 모델로 지문에서 답 구간과 그 확률, 다른 후보(n-best)를 구하기
# - 긴 지문이 겹치는 창 몇 개로 나뉘는지, `doc_stride`를 바꾸면 어떻게 달라지는지 설명하기
# - 답의 확률이 "믿을 만한가"의 신호가 되는지 맞힌 답과 틀린 답의 분포로 확인하기

# %% [markdown] id=cell-03
# ## 1절. 한글 글꼴 (Colab)
# 그림 속 한글이 네모(□)로 나오지 않도록 Colab에서는 아래 셀로 나눔 글꼴을 설치하세요(다시 시작할 필요 없음).

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
# 학습 노트북(12)과 같은 설정을 써야 모델을 저장한 폴더(`output_dir/model`)를 똑같이 찾습니다. 지문을 나누는 창의 겹침
# (`doc_stride`)도 학습 때와 같은 값을 씁니다. 이 코스의 `doc_stride`는 토크나이저의 `stride`처럼 **이웃한 창이 겹치는
# 토큰 수**입니다. 책과 Google의 BERT 코드에서는 같은 이름이 **이웃한 창의 시작점 사이 거리**를 뜻하니 값을 옮길 때 주의하세요.

# %% id=cell-07
from helpers.question_answering.pipeline import qa_option
from helpers.core.settings import settings_for_task

settings = settings_for_task("question-answering")
doc_stride = qa_option(settings, "doc_stride")
print(settings.describe())
print("doc_stride =", doc_stride)

# %% [markdown] id=cell-08
# ## 3절. 저장한 모델 불러오기
# `load_trained_or_smoke`는 `output_dir/model`에서 `from_pretrained`로 모델(safetensors)과 토크나이저를 불러옵니다.
# 저장한 모델이 없으면(12 노트북을 아직 실행하지 않았으면) 그 사실을 출력하고, 빠른 점검용 작은 대역 모델을 내장 예제로 잠깐
# (CPU 한 코어에서 수십 초) 학습해 대신 씁니다. 내장 예제는 이 과정을 위해 지은 인물·축제·섬 이야기로, 같은 글 틀에 이름과
# 숫자만 바꿔 넣은 것입니다. 대역 모델은 그 틀을 배워 따로 둔 글의 질문에서 EM이 50점쯤이고(함께 출력합니다), 아래 예문처럼
# 같은 종류의 글로 새로 지은 지문에서도 답을 찾습니다. 틀에서 벗어난 글(7절·8절에 쓰는 세종대왕 지문)에서는 엉뚱한 구간을
# 고르기 쉽습니다.

# %% id=cell-09
from helpers.demos.inference import load_trained_or_smoke

loaded = load_trained_or_smoke("question-answering", settings)
model, tokenizer = loaded.model, loaded.tokenizer
print("학습한 모델" if loaded.trained else "대신 쓰는 점검용 모델", "|", loaded.folder)

# %% [markdown] id=cell-10
# ## 4절. 답을 찾는 함수
# `answer_question(model, tokenizer, 질문, 지문, max_length, doc_stride)`이 하는 일은 다음과 같습니다.
#
# 1. `[CLS] 질문 [SEP] 지문 [SEP]`으로 이어 붙입니다. 지문이 길면 `doc_stride` 토큰씩 겹치는 여러 창으로 나눕니다.
# 2. 모델이 토큰마다 "답의 시작일 점수"와 "답의 끝일 점수"를 냅니다.
# 3. 시작 ≤ 끝이고 너무 길지 않은 구간 중 (시작 점수 + 끝 점수)가 큰 후보들을 모든 창에서 모아 순위를 매깁니다.
# 4. 가장 좋은 후보의 글자 위치(`start`, `end`)로 지문에서 답을 잘라 냅니다. `probability`는 후보들 사이에서의 비율입니다.
#
# 예문 지문 `QA_EXAMPLE_CONTEXT`와 질문 `QA_EXAMPLE_QUESTION`은 내장 예제와 같은 종류의 글로 새로 지은 것이고, 정답은
# `QA_EXAMPLE_ANSWER`입니다.

# %% id=cell-11
from helpers.demos.spans import QA_EXAMPLE_ANSWER, QA_EXAMPLE_CONTEXT, QA_EXAMPLE_QUESTION
from helpers.question_answering.pipeline import answer_question

result = answer_question(model, tokenizer, QA_EXAMPLE_QUESTION, QA_EXAMPLE_CONTEXT, settings.max_seq_length, doc_stride)
print(f"답: {result['text']!r} (정답 {QA_EXAMPLE_ANSWER!r}; 지문의 {result['start']}~{result['end']}번째 글자, "
      f"점수 {result['score']:.2f}, 후보 중 확률 {result['probability']:.1%})")
for rank, candidate in enumerate(result["n_best"][:5], 1):
    print(f"  {rank}. {candidate['text']!r} {candidate['probability']:.1%}")

# %% [markdown] id=cell-12
# ## 5절. 입력 점검이 붙은 함수
# `answer_checked`는 예측 전에 입력을 점검합니다. 지문이나 질문이 비었거나 공백뿐이면 이유를 돌려주고, 질문이 너무 길어
# 지문을 넣을 자리가 없으면 질문을 줄이라고 안내합니다. 지문이 모델 한도보다 길면 잘라 버리지 않고 겹치는 창으로 나눠 모두
# 살펴봤다는 안내를 붙입니다. 또 KorQuAD 1.0 모델은 "답 없음"을 배우지 않아 **언제나** 지문의 한 구간을 고르므로, 후보 중
# 확률이 낮으면 답이 지문에 없을 수도 있다는 경고를 붙입니다.

# %% id=cell-13
from helpers.demos.span_predictions import answer_checked

checked = answer_checked(model, tokenizer, QA_EXAMPLE_QUESTION, "오늘은 특별한 일이 없었다. " * 60 + QA_EXAMPLE_CONTEXT,
                         settings.max_seq_length, doc_stride)
print("답:", repr(checked["text"]))
for note in checked["notes"]:
    print("-", note)

# %% [markdown] id=cell-14
# ## 6절. 위젯 데모
# 지문("문맥" 칸)과 질문을 고치고 **답 찾기**를 누르세요. 답이 지문 속에 노란색으로 표시되고, 점수와 답 후보 목록이 나옵니다.

# %% id=cell-15
from helpers.demos.spans import build_qa_demo

demo = build_qa_demo(model, tokenizer, settings.max_seq_length, doc_stride)
demo.run()
demo

# %% [markdown] id=cell-16
# ## 7절. 까다로운 입력 시험하기
# 버튼 대신 코드로 입력을 넣어 봅니다. 어떤 입력에도 예외 대신 안내 문구나 결과가 나와야 합니다.

# %% id=cell-17
from helpers.demos.widgets import html_text, try_inputs
from helpers.demos.spans import QA_BAD_INPUTS

for case, shown in try_inputs(demo, QA_BAD_INPUTS).items():
    print(f"[{case}] {html_text(shown)[:260]}")

# %% [markdown] id=cell-18
# ## 8절. 여러 질문을 한꺼번에 풀어 CSV로 저장하기
# 한 줄에 `지문<TAB>질문`인 파일을 읽어 질문마다 답을 찾습니다(진행 막대 표시). 빈 입력도 버리지 않고 `error` 칸에 이유를
# 적습니다.

# %% id=cell-19
from pathlib import Path

from helpers.demos.spans import QA_CONTEXT
from helpers.demos.inference import predict_to_csv, read_inputs
from helpers.core.input_checks import input_problem
from helpers.demos.span_predictions import answer_rows

out = Path(settings.output_dir) / "inference"
input_file = out / "questions.tsv"
input_file.parent.mkdir(parents=True, exist_ok=True)
input_file.write_text(f"{QA_EXAMPLE_CONTEXT}\t{QA_EXAMPLE_QUESTION}\n{QA_CONTEXT}\t세종대왕은 몇 대 국왕인가?\n\n"
                      f"{QA_CONTEXT}\t \n", encoding="utf-8")

pairs = read_inputs(input_file, columns=2)
rows = predict_to_csv(lambda batch: answer_rows(model, tokenizer, batch, settings.max_seq_length, doc_stride), pairs,
                      out / "answers.csv", input_columns=("context", "question"),
                      check=lambda pair: input_problem(*pair, names=("지문", "질문")))
for row in rows:
    print(row.get("question"), "->", row.get("answer", row.get("error")))

# %% [markdown] id=cell-20
# ## 9절. 점수 분포: 맞힌 답과 틀린 답
# 검증 질문에 답을 찾게 하고, 가장 좋은 답의 (후보 중) 확률을 정답과 똑같이 맞힌 경우(EM=1)와 틀린 경우로 나눠 그립니다.
# 잘 학습한 모델은 맞힐 때 확률이 높고 틀릴 때 낮으므로, 두 분포가 벌어질수록 확률을 "믿을 만한가"의 신호로 쓸 수 있습니다.
# 시간을 아끼려고 검증 질문 중 최대 200개만 씁니다.

# %% id=cell-21
from helpers.core.corpora import take_rows
from helpers.question_answering.corpus import read_korquad_splits
from helpers.core.plots import plot_score_distribution
from helpers.demos.span_predictions import qa_confidence

_, val_examples = read_korquad_splits(settings)
scored = qa_confidence(model, tokenizer, take_rows(val_examples, 200, "validation", settings.seed),
                       settings.max_seq_length, doc_stride)
right = [r["probability"] for r in scored if r["exact"]]
wrong = [r["probability"] for r in scored if not r["exact"]]
print(f"EM {len(right) / len(scored):.1%} ({len(right)}/{len(scored)})")
plot_score_distribution({"맞힘 (EM=1)": right, "틀림": wrong}, "가장 좋은 답의 후보 중 확률",
                        save_to=out / "score_distribution.png", title="맞힌 답과 틀린 답의 확률 분포");

# %% [markdown] id=exercises-23
# ## 10절. 연습 문제
# 답은 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다. 답이 실행 환경에 따라 달라지지
# 않도록 저장소에 든 작은 토크나이저와 빠른 점검 모드 설정(`sample_settings`, `max_seq_length` 256)으로 풉니다.

# %% id=exercises-23-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import LONG_QA_CONTEXT, qa_windows, sample_settings

print(f"지문 {len(LONG_QA_CONTEXT)}자 | qa_windows(stride)는 이 지문과 질문을 창으로 나눈 결과(QaFeatures)를 돌려줍니다")

# %% [markdown] id=exercise-23-windows
# ### 연습. 겹침을 늘리면 창은 몇 개?
# `qa_windows(64)`와 `qa_windows(128)`의 창 수를 세어 `(doc_stride 64일 때, 128일 때)`로 답하세요. 겹침이 커지면 창이
# 왜 늘어나는지, 그 대가(계산량)는 무엇인지도 생각해 보세요.

# %% id=exercise-23-windows-code
answer = ...  # 여기에 답을 쓰세요
check("23-windows", answer)

# %% [markdown] id=cell-22
# ## 정리
# - **데모**: 지문·질문 입력 → 지문 속에 표시한 답, 점수와 확률, 답 후보(n-best) 표.
# - **시험한 까다로운 입력**: 빈 지문, 공백만 있는 질문(→ 입력하라는 안내), 너무 긴 질문(→ 줄이라는 안내), 모델 한도보다 긴
#   지문(→ 겹치는 창으로 나눠 살폈다는 안내와 답), 지문에 답이 없는 질문(→ 확률이 낮으면 답이 없을 수도 있다는 경고),
#   이모지와 드문 글자(→ 이모지는 대개 그대로, 어휘로 나눌 수 없는 단어는 `[UNK]` 안내와 답).
# - **배치 예측**: TSV 파일 → 진행 막대 → `answers.csv`(빈 입력은 `error` 칸에 이유).
# - **그림**: 맞힌 답과 틀린 답의 확률 분포.
#
# 다음: KoGPT2로 감성 리뷰를 쓰는 문장 생성을 학습하는 **13 노트북**(`13_sentence_generation.ipynb`)으로 넘어가세요.
