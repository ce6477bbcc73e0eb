# Source of notebooks/22_ner_inference.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 22. 개체명 인식 추론: 문장 속 개체명을 색으로 보여 주는 데모
#
# 11 노트북에서 학습해 저장한 개체명 인식(NER) 모델을 불러와, 문장에서 사람(PS)·장소(LC)·기관(OG)·날짜(DT)·시간(TI) 같은
# 개체명을 찾습니다. 예측 함수를 먼저 직접 불러 보고, 그 함수를 감싼 위젯 데모를 노트북 안에서 띄웁니다(웹 서버·터널·계정 없음).
# 찾은 개체명은 유형별 색으로 문장 위에 표시되고 표로도 나옵니다. 여러 문장을 한꺼번에 예측해 CSV로 저장하고, 유형별
# 정밀도·재현율·F1을 막대그래프로 그립니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
# - 저장한 토큰 분류 모델을 불러와 문장의 개체명을 글자 구간으로 찾고, 데모로 보여 줍니다.
# - 잘못된 입력과 어휘에 없는 글자(`[UNK]`)가 예측에 어떤 영향을 주는지 설명합니다.
# - 여러 문장을 CSV로 예측하고, 유형별 점수를 단어 단위와 글자 단위로 읽습니다.

# %% [markdown] id=cell-03
# ## 한글 글꼴 (Colab)
# 그림 속 한글이 네모(□)로 나오지 않도록 Colab에서는 아래 셀로 나눔 글꼴을 설치하세요(다시 시작할 필요 없음).

# %% id=cell-04
import sys

if "google.colab" in sys.modules:
    !apt-get -qq install fonts-nanum
else:
    print("Colab이 아니라서 글꼴 설치를 건너뜁니다: 한글 글꼴이 없으면 아래 그림 셀이 설치 방법을 알려 줍니다.")

# %% id=cell-05
from helpers.core.plots import use_korean_font

print("그림 글꼴:", use_korean_font())

# %% [markdown] id=cell-06
# ## 설정
# 학습 노트북(11 노트북)과 같은 설정(`settings_for_task("ner")`)을 써야 모델을 저장한 폴더(`output_dir/model`)를 똑같이 찾습니다.

# %% id=cell-07
from helpers.core.settings import settings_for_task

settings = settings_for_task("ner")
print(settings.describe())

# %% [markdown] id=cell-08
# ## 저장한 모델 불러오기
# `load_trained_or_smoke`는 `output_dir/model`에서 `from_pretrained`로 모델(safetensors)과 토크나이저를 불러옵니다.
# 저장한 모델이 없으면(11 노트북을 아직 실행하지 않았으면) 그 사실을 출력하고, 내장 예제 말뭉치로 작은 대역 모델을 잠깐
# 학습해 대신 씁니다(CPU 한 코어에서 수십 초). 예제 말뭉치는 이 과정을 위해 지은 KMOU 형식 문장들로, 몇 가지 문장 틀에
# 정해진 이름·장소·기관·날짜를 바꿔 넣은 것입니다. 그래서 대역 모델은 따로 둔 문장에서 단어 단위 F1이 0.97쯤이고(함께
# 출력합니다), 아래 예문처럼 그 낱말들로 새로 지은 문장의 개체명도 찾지만, 틀에서 벗어난 문장(예: 역사 속 인물과 사건)에서는
# 거의 찾지 못합니다. 함께 출력하는 글자 단위 F1(KLUE 방식)이 0.2쯤으로 낮은 까닭은, 기본 방식 `first`로 학습한 모델이
# 개체명을 조사까지 붙은 단어 전체(`강릉에서`)로 돌려주는데 정답은 조사를 뺀 글자(`강릉`)이기 때문입니다.

# %% id=cell-09
from helpers.demos.inference import load_trained_or_smoke

loaded = load_trained_or_smoke("ner", settings)
model, tokenizer = loaded.model, loaded.tokenizer
print("학습한 모델" if loaded.trained else "대신 쓰는 대역 모델", "|", loaded.folder)
print("레이블:", list(model.config.id2label.values()))

# %% [markdown] id=cell-10
# ## 예측 함수 직접 부르기
# `predict_entities(model, tokenizer, 문장들, max_length)`는 문장을 토큰으로 나누고, 토큰마다 BIO 레이블(`B-PS`는 사람
# 이름의 시작, `I-PS`는 그 이어짐, `O`는 개체명 아님)을 예측한 뒤, 이어지는 토큰들을 모아 **글자 위치**의 개체명
# (`EntitySpan(start, end, label)`)으로 바꿉니다. 토크나이저가 알려 주는 토큰별 글자 위치(offset) 덕분에 `문장[start:end]`가
# 곧 개체명 글자입니다. 모델 설정에 저장된 레이블 방식(`ner_label_subwords`, 11 노트북 참고)을 따르므로, 기본 방식 `first`로
# 학습한 모델은 개체명을 단어 전체(`강릉에서`)로 돌려줍니다.

# %% id=cell-11
from helpers.demos.spans import NER_EXAMPLES
from helpers.ner.pipeline import predict_entities

texts = list(NER_EXAMPLES)  # example sentence -> the entities a model trained with `first` should give back
for text, spans in zip(texts, predict_entities(model, tokenizer, texts, settings.max_seq_length)):
    print(text)
    print("   예측:", [(text[s.start : s.end], s.label) for s in spans])
    print("   정답:", list(NER_EXAMPLES[text]))

# %% [markdown] id=cell-12
# ## 입력 점검이 붙은 함수
# `find_entities`는 예측 전에 문장을 점검합니다. 비었거나 공백뿐이면 이유를 출력하고, 모델 한도보다 길면 앞부분에서만
# 개체명을 찾았다는 안내를 붙이며, 어휘로 나눌 수 없는 단어가 `[UNK]`가 되었는지도 알려 줍니다. KcBERT 어휘에는 이모지가
# 900개쯤 들어 있어(😀 😡 👍 …) 이모지는 대개 그대로 토큰이 되고, `[UNK]`는 한자나 드문 기호(㋡, 𠜎, ﷽)가 든 단어에서 나옵니다.
# 그런 글자가 든 단어는 **단어 전체**가 `[UNK]` 하나가 됩니다. 결과의 `rows`는 표로 보여 줄 개체명 목록입니다.

# %% id=cell-13
from helpers.demos.span_predictions import find_entities

checked = find_entities(model, tokenizer, "홍길동 🙂 씨가 ㋡ 부산에 갔다", settings.max_seq_length)
print(checked["rows"])
for note in checked["notes"]:
    print("-", note)

# %% [markdown] id=cell-14
# ## 위젯 데모
# 문장을 고치고 **개체명 찾기**를 누르면 개체명이 유형별 색으로 표시되고, 아래에 개체명·유형·글자 위치의 표가 나옵니다.

# %% id=cell-15
from helpers.demos.spans import build_ner_demo

demo = build_ner_demo(model, tokenizer, settings.max_seq_length)
demo.run()
demo

# %% [markdown] id=cell-16
# ## 잘못된 입력 넣어 보기
# 버튼 대신 코드로 입력을 넣어 봅니다. 어떤 입력에도 예외 대신 안내 문구나 결과가 나와야 합니다.

# %% id=cell-17
from helpers.demos.widgets import html_text, try_inputs
from helpers.demos.spans import NER_BAD_INPUTS

for case, shown in try_inputs(demo, NER_BAD_INPUTS).items():
    print(f"[{case}] {html_text(shown)[-240:]}")

# %% [markdown] id=cell-18
# ## 여러 문장을 한꺼번에 예측해 CSV로 저장하기
# 한 줄에 문장 하나인 파일을 읽어 배치로 예측합니다(진행 막대 표시). 결과 CSV의 `entities` 칸에는 개체명마다
# 글자·유형·위치가 JSON으로 들어갑니다. 빈 줄도 버리지 않고 `error` 칸에 이유를 적습니다.

# %% id=cell-19
from pathlib import Path

from helpers.demos.inference import predict_to_csv, read_inputs
from helpers.core.input_checks import input_problem
from helpers.demos.span_predictions import entity_rows

out = Path(settings.output_dir) / "inference"
input_file = out / "sentences.txt"
input_file.parent.mkdir(parents=True, exist_ok=True)
input_file.write_text("김연아는 2010년 밴쿠버에서 금메달을 땄다.\n\n한국은행은 오늘 기준금리를 동결했다.\n", encoding="utf-8")

rows = predict_to_csv(lambda batch: entity_rows(model, tokenizer, batch, settings.max_seq_length),
                      read_inputs(input_file), out / "entities.csv", input_columns=("text",),
                      check=input_problem)
print((out / "entities.csv").read_text(encoding="utf-8")[:600])

# %% [markdown] id=cell-20
# ## 유형별 점수
# 테스트 문장에서 개체명 단위로 (유형과 경계가 모두 맞아야 정답) 정밀도·재현율·F1을 유형마다 셉니다. 막대 아래의 n은 그
# 유형의 정답 개체명 수입니다. 수가 적은 유형은 점수가 들쭉날쭉하고, 보통 날짜·사람처럼 형태가 뚜렷한 유형이 더 잘 맞습니다.
# 점수는 두 가지입니다. **단어 F1**은 단어 단위(seqeval)로, **글자 F1**은 데모가 보여 주는 글자 구간이 정답과 글자 그대로
# 같아야 맞힌 것으로 셉니다. KLUE 표의 F1은 글자 F1이므로, 비교할 때는 글자 F1을 보세요(11 노트북 8절 참고).

# %% id=cell-21
from helpers.ner.pipeline import NER_CORPORA, predict_entities, read_ner_splits
from helpers.ner.metrics import character_scores
from helpers.core.plots import plot_entity_scores
from helpers.demos.span_predictions import entity_report_on_rows

test_rows = read_ner_splits(settings).test
report = entity_report_on_rows(model, tokenizer, test_rows, settings.max_seq_length)
char_report = character_scores(predict_entities, model, tokenizer, test_rows, settings.max_seq_length)
types = [t for t in NER_CORPORA[settings.corpus_name] if t in report]
for name in types + ["micro avg"]:
    if name in report:
        print(f"{name:>10}: 단어 F1 {report[name]['f1']:.3f}, "
              f"글자 F1 {char_report.get(name, {'f1': 0.0})['f1']:.3f} (n={report[name]['support']})")
plot_entity_scores({t: report[t] for t in types}, save_to=out / "entity_scores.png");

# %% [markdown] id=ex-md
# ## 연습 문제
# 문장 `UNK_SENTENCE`(아래 셀에서 출력)를 모델의 토크나이저로 나누면 `[UNK]`는 몇 개인가요? 정수로 답하세요.

# %% id=ex-code
from helpers.exercises.book import check
from helpers.exercises.ner import UNK_SENTENCE

print(UNK_SENTENCE)
check("22-unk-count", ...)  # 여기에 답을 쓰세요

# %% [markdown] id=cell-22
# ## 정리
# - **데모**: 문장 입력 → 유형별 색으로 표시한 개체명과 범례, 개체명·유형·글자 위치 표.
# - **넣어 본 잘못된 입력**: 빈 문자열, 공백만 있는 문장(→ 입력하라는 안내), 모델 한도보다 긴 글(→ 앞부분에서만 찾았다는
#   안내와 결과), 한자·드문 기호가 든 단어(→ 단어 전체가 `[UNK]`라는 안내와 결과; 이모지는 대개 어휘에 있습니다).
# - **배치 예측**: 파일 → 진행 막대 → `entities.csv`(빈 줄은 `error` 칸에 이유).
# - **그림**: 유형별 정밀도·재현율·F1 막대. 공개된 점수와는 글자 F1로 비교합니다.
#
# **다음**: 12 노트북(질의응답)에서 지문 속 답의 구간을 찾는 모델을 학습합니다.
