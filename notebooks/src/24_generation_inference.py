# Source of notebooks/24_generation_inference.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 24. 문장 생성 추론: 프롬프트와 슬라이더로 디코딩을 바꿔 보는 데모
#
# 13 노트북에서 학습해 저장한 GPT-2 언어 모델을 불러와 프롬프트 뒤를 이어 씁니다. 간단한 생성 함수를 먼저 보고, 다음 토큰의
# 확률이 temperature에 따라 어떻게 바뀌는지 그림으로 본 뒤, 최대 길이·temperature·top-k·top-p·반복 벌점을 슬라이더로
# 바꾸는 위젯 데모를 노트북 안에서 띄웁니다(웹 서버·터널·계정 없음). 마지막으로 여러 프롬프트를 한꺼번에 생성해 CSV로
# 저장합니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 저장한 언어 모델로 프롬프트를 이어 쓰고, seed로 같은 글을 다시 얻기
# - temperature, top-k, top-p, 반복 벌점이 다음 토큰의 확률을 어떻게 바꾸는지 계산하고 설명하기
# - 여러 프롬프트를 파일로 한꺼번에 생성해 CSV로 저장하기

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
# 학습 노트북(13)과 같은 설정을 써야 모델을 저장한 폴더(`output_dir/model`)를 똑같이 찾습니다.

# %% id=cell-07
from helpers.core.settings import settings_for_task

settings = settings_for_task("generation")
print(settings.describe())

# %% [markdown] id=cell-08
# ## 3절. 저장한 모델 불러오기
# `load_trained_or_smoke`는 `output_dir/model`에서 `from_pretrained`로 모델(safetensors)과 토크나이저를 불러옵니다.
# 저장한 모델이 없으면(13 노트북을 아직 실행하지 않았으면) 그 사실을 출력하고, 빠른 점검용 작은 대역 모델을 내장 예제(진짜
# NSMC 리뷰 몇천 개)로 잠깐(CPU 한 코어에서 수십 초) 학습해 대신 씁니다. 대역 모델은 리뷰에 흔한 낱말(영화, 정말, 진짜, 최고 …)을
# 깨진 글자나 같은 낱말의 되풀이 없이 짧게(한 낱말에서 열 낱말쯤) 이어 쓰지만, 뜻이 통하는 문장은 되지 않고 "긍정"과
# "부정"을 가려 쓰지도 못합니다(두 프롬프트가 같은 seed에서 거의 같은 글을 씁니다). 따로 둔 리뷰의 손실(test loss)을 함께
# 출력합니다.

# %% id=cell-09
from helpers.demos.inference import load_trained_or_smoke

loaded = load_trained_or_smoke("generation", settings)
model, tokenizer = loaded.model, loaded.tokenizer
print("학습한 모델" if loaded.trained else "대신 쓰는 점검용 모델", "|", loaded.folder)
print("위치 한도:", model.config.n_positions, "토큰 | 어휘:", len(tokenizer), "토큰")

# %% [markdown] id=cell-10
# ## 4절. 생성 함수
# `generate_text(model, tokenizer, 프롬프트, max_new_tokens, seed, **디코딩_옵션)`은 프롬프트 앞에 `</s>`를 붙여 모델에 넣고,
# 다음 토큰을 하나씩 골라 붙이기를 `max_new_tokens`번(또는 `</s>`가 나올 때까지) 되풀이합니다. 다음 토큰을 고르는 방법이
# 디코딩 옵션입니다.
#
# - `do_sample=False`: 언제나 가장 확률이 큰 토큰(greedy). 같은 입력엔 같은 글이 나오지만 같은 말을 되풀이하기 쉽습니다.
# - `do_sample=True`: 확률에 따라 뽑습니다. `temperature`가 낮으면 확률이 큰 토큰 쪽으로 더 쏠리고, 높으면 고르게 퍼집니다.
# - `top_k`: 확률이 큰 k개 안에서만 뽑습니다(0이면 끔). `top_p`: 확률을 큰 순서로 더해 p를 넘을 때까지의 토큰 안에서만
#   뽑습니다. 아래에서 쓰는 0.92는 확률이 아주 낮은 꼬리 토큰을 잘라 내면서도 다양성은 남기는, 흔히 쓰는 0.9 언저리의 값입니다.
# - `repetition_penalty`: 이미 나온 토큰(프롬프트의 토큰 포함)의 점수를 깎아 되풀이를 줄입니다. 빼는 것이 아니라, 양수
#   점수는 이 값으로 나누고 음수 점수는 이 값을 곱합니다(1.0이면 벌점 없음, 데모의 기본값 1.2).
#
# 학습 데이터가 "긍정 …", "부정 …"으로 시작하는 영화 리뷰이므로, 프롬프트를 "긍정"이나 "부정"으로 시작하면 그런 리뷰를 씁니다.
# `seed`가 같으면 뽑기도 똑같이 되풀이됩니다.

# %% id=cell-11
from helpers.generation.pipeline import generate_text

for options in ({"do_sample": False}, {"do_sample": True, "top_p": 0.92, "top_k": 0}):
    for prompt in ("긍정 이 영화는", "부정 이 영화는"):
        print(options, "|", generate_text(model, tokenizer, prompt, 30, seed=settings.seed, **options)[0])

# %% [markdown] id=cell-12
# ## 5절. temperature가 하는 일: 다음 토큰의 확률
# 프롬프트 다음에 올 토큰 후보 10개의 확률을 temperature 0.7, 1.0, 1.5에서 그렸습니다. 낮은 temperature는 1등 후보에
# 확률을 몰아 주고, 높은 temperature는 확률을 평평하게 만들어 뜻밖의 토큰이 뽑힐 기회를 늘립니다.

# %% id=cell-13
from pathlib import Path

from helpers.demos.generation import next_token_probabilities
from helpers.core.plots import plot_next_token_probabilities

out = Path(settings.output_dir) / "inference"
candidates = next_token_probabilities(model, tokenizer, "긍정 이 영화는")
plot_next_token_probabilities(candidates["tokens"], candidates["probabilities"], save_to=out / "next_tokens.png",
                              title="'긍정 이 영화는' 다음 토큰의 확률");

# %% [markdown] id=cell-14
# ## 6절. 입력 점검이 붙은 함수
# `generate_checked`는 생성 전에 입력을 점검합니다. 프롬프트가 비었거나 공백뿐이면 이유를 돌려주고, 프롬프트와 생성할 길이를
# 합쳐 모델의 위치 한도를 넘으면 프롬프트의 **뒷부분**만 남겨 이어 쓰고 그 사실을 안내합니다(이어 쓸 곳은 끝이므로).
# 생성 길이만으로 한도를 넘으면 줄이라고 안내합니다.

# %% id=cell-15
from helpers.demos.generation import generate_checked

checked = generate_checked(model, tokenizer, "긍정 배우들의 연기가 정말 좋았다 " * 150, max_new_tokens=20)
print(checked["text"][-80:])
for note in checked["notes"]:
    print("-", note)

# %% [markdown] id=cell-16
# ## 7절. 위젯 데모
# 프롬프트를 쓰고 슬라이더를 움직인 뒤 **생성하기**를 누르세요. 회색 글씨가 프롬프트, 검은 글씨가 모델이 이어 쓴 부분입니다.
# 같은 설정과 seed에서는 같은 글이 나오니, seed를 바꾸면 다른 글을 볼 수 있습니다.

# %% id=cell-17
from helpers.demos.generation import build_generation_demo

demo = build_generation_demo(model, tokenizer)
demo.run()
demo

# %% [markdown] id=cell-18
# ## 8절. 까다로운 입력 시험하기
# 버튼 대신 코드로 입력을 넣어 봅니다. 어떤 입력에도 예외 대신 안내 문구나 결과가 나와야 합니다.

# %% id=cell-19
from helpers.demos.widgets import html_text, try_inputs
from helpers.demos.generation import GENERATION_BAD_INPUTS

for case, shown in try_inputs(demo, GENERATION_BAD_INPUTS).items():
    print(f"[{case}] {html_text(shown)[-260:]}")

# %% [markdown] id=cell-20
# 슬라이더는 위젯에서 고를 수 있는 범위로 값을 묶어 둡니다. 그래서 "한도를 넘는 생성 길이"로 넣은 100,000은 슬라이더의
# 최댓값(200)으로 바뀌어 생성됩니다. 코드로 `generate_checked`를 직접 부르면 한도를 넘는 길이에 안내 문구가 나옵니다.

# %% id=cell-21
from helpers.demos.widgets import safe_html

print(html_text(safe_html(lambda **v: generate_checked(model, tokenizer, **v)["text"], prompt="긍정",
                          max_new_tokens=100_000)))

# %% [markdown] id=cell-22
# ## 9절. 여러 프롬프트를 한꺼번에 생성해 CSV로 저장하기
# 한 줄에 프롬프트 하나인 파일을 읽어 같은 디코딩 옵션으로 생성합니다(진행 막대 표시). 빈 줄도 버리지 않고 `error` 칸에
# 이유를 적습니다.

# %% id=cell-23
from helpers.demos.generation import generation_rows
from helpers.generation.pipeline import DECODING_STRATEGIES
from helpers.demos.inference import predict_to_csv, read_inputs
from helpers.core.input_checks import input_problem

input_file = out / "prompts.txt"
input_file.parent.mkdir(parents=True, exist_ok=True)
input_file.write_text("긍정 배우들의\n\n부정 시간이\n긍정 음악이\n", encoding="utf-8")

prompts = read_inputs(input_file)
rows = predict_to_csv(lambda batch: generation_rows(model, tokenizer, batch, 30, settings.seed,
                                                    **DECODING_STRATEGIES["top-p"]),
                      prompts, out / "generations.csv", input_columns=("prompt",), check=input_problem)
for row in rows:
    print(row["prompt"] or "(빈 줄)", "->", row.get("generated", row.get("error")))

# %% [markdown] id=exercises-24
# ## 10절. 연습 문제
# 답은 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다.

# %% id=exercises-24-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import NEXT_PROBABILITIES, TEMPERATURE, TEMPERATURE_LOGITS, TOP_P

print("다음 토큰 확률:", NEXT_PROBABILITIES, "top_p:", TOP_P, "| 점수:", TEMPERATURE_LOGITS, "temperature:", TEMPERATURE)

# %% [markdown] id=exercise-24-top-p
# ### 연습 1. top-p가 남기는 후보
# 다음 토큰 후보의 확률이 `NEXT_PROBABILITIES`일 때 `top_p=TOP_P`를 적용하면 후보가 몇 개 남을까요?

# %% id=exercise-24-top-p-code
answer = ...  # 여기에 답을 쓰세요
check("24-top-p", answer)

# %% [markdown] id=exercise-24-temperature
# ### 연습 2. temperature를 낮추면
# 후보 세 개의 점수가 `TEMPERATURE_LOGITS`일 때 temperature `TEMPERATURE`에서 1등 후보의 확률은 얼마일까요?
# temperature 1.0일 때의 확률과 비교해 5절의 그림과 맞는지 확인해 보세요.

# %% id=exercise-24-temperature-code
answer = ...  # 여기에 답을 쓰세요
check("24-temperature", answer)

# %% [markdown] id=cell-24
# ## 정리
# - **데모**: 프롬프트와 슬라이더(최대 생성 토큰, temperature, top-k, top-p, 반복 벌점, seed) → 생성한 글(프롬프트는 회색).
# - **시험한 까다로운 입력**: 빈 프롬프트, 공백만 있는 프롬프트(→ 입력하라는 안내), 모델 한도보다 긴 프롬프트(→ 뒷부분만
#   이어 썼다는 안내와 결과), 이모지와 드문 글자(→ 그대로 생성; 어휘에 없으면 `<unk>` 안내), 한도를 넘는 생성 길이
#   (→ 위젯에서는 슬라이더 최댓값으로 묶이고, 함수에서는 줄이라는 안내).
# - **배치 생성**: 파일 → 진행 막대 → `generations.csv`(빈 줄은 `error` 칸에 이유).
# - **그림**: temperature별 다음 토큰 확률.
#
# 다음: 이것으로 다섯 가지 과제(문서 분류, 문장 쌍 분류, 개체명 인식, 질의응답, 문장 생성)의 학습과 데모를 모두
# 마쳤습니다. 코스 전체의 개요와 명령줄 실행 방법은 저장소의
# **README.md**에 있으니, 그곳으로 돌아가 다른 말뭉치나 내 데이터로 다시 해 보세요.
