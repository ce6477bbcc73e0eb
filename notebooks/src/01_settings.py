# Source of notebooks/01_settings.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 1. 설정: 모든 하이퍼파라미터를 한곳에
#
# 파인튜닝 파이프라인의 첫 단계는 **설정**입니다. 어떤 사전학습 모델을 쓸지, 어떤 말뭉치를 어디에 내려받을지,
# 학습률과 배치 크기는 얼마로 할지를 데이터클래스 하나에 모아 둡니다. 이후 모든 노트북이 이 설정 하나만 보고 움직입니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - 하이퍼파라미터가 무엇인지 설명하고, 설정을 만들어 원하는 값만 바꿀 수 있습니다.
# - 잘못된 설정이 내는 오류 메시지를 읽고 고칠 수 있습니다.
# - 환경 변수로 말뭉치·모델 위치와 빠른 점검 모드를 고를 수 있습니다.
# - Colab에서 체크포인트를 구글 드라이브에 두어 끊긴 학습을 이어 갈 수 있습니다.

# %% [markdown] id=cell-03
# ## 1절. 하이퍼파라미터란?
# 모델이 학습으로 스스로 정하는 값(가중치)과 달리, **사람이 학습 전에 정해 주는 값**을 하이퍼파라미터라고 합니다.
# 학습률(러닝 레이트, learning rate), 배치 크기(batch size), 에폭 수, 최대 시퀀스 길이 등이 대표적입니다.
# `helpers.core.settings.CourseSettings`에 이 값들과 말뭉치·모델 경로를 모두 모아 두었습니다.

# %% id=cell-04
from helpers.core.settings import CourseSettings, SettingsError, settings_from_env

# %% [markdown] id=cell-05
# ## 2절. 설정 만들기
# `settings_from_env()`는 기본값에서 시작해 환경 변수(`NLPBOOK_*`)와 직접 넘긴 값을 차례로 반영합니다.
# 바꾸고 싶은 값은 인자로 넘기면 됩니다. 예: `settings_from_env(batch_size=16, epochs=2)`.

# %% id=cell-06
settings = settings_from_env()
print(settings.describe())

# %% [markdown] id=cell-07
# 각 항목의 뜻은 다음과 같습니다.
#
# | 설정 | 뜻 | 기본값(Colab T4 기준) |
# |---|---|---|
# | `pretrained_model_name` | 허깅페이스 허브의 사전학습 모델 이름 | `beomi/kcbert-base` |
# | `corpus_name`, `corpus_root_dir` | 말뭉치 이름과 내려받을 폴더 | `nsmc`, `data` |
# | `output_dir` | 로그·그림·모델을 저장할 폴더 | `outputs/document-classification` |
# | `checkpoint_dir` | 체크포인트(best, last) 폴더. `None`이면 `output_dir/checkpoints` | `None` |
# | `learning_rate`, `weight_decay`, `warmup_ratio` | AdamW 학습률, 가중치 감쇠, 워밍업 비율 | `5e-5`, `0.01`, `0.1` |
# | `batch_size`, `max_seq_length` | 한 번에 보는 문장 수, 문장당 최대 토큰 수 | `32`, `128` |
# | `epochs`, `seed` | 학습 데이터를 몇 번 돌지, 난수 시드 | `1`, `7` |
# | `precision` | `auto`면 GPU에 맞춰 bf16/16-mixed, CPU면 32비트 | `auto` |
# | `num_workers` | 데이터로더 작업 프로세스 수 (Windows는 0 권장) | `0` |
# | `length_grouped` | 길이가 비슷한 문장끼리 배치로 묶어 패딩을 줄임 | `True` |

# %% [markdown] id=cell-08
# ## 3절. 잘못된 값은 만들 때 바로 드러납니다
# 설정은 만들 때 검사됩니다. 예를 들어 KcBERT는 위치 임베딩이 300개뿐이라 `max_seq_length`가 300을 넘으면
# 학습 도중이 아니라 설정을 만드는 **지금** 오류가 나고, 메시지에 어떤 설정이 왜 잘못됐는지 적혀 있습니다.

# %% id=cell-09
for bad in ({"batch_size": 0}, {"max_seq_length": 512}, {"corpus_name": "imdb"}):
    try:
        CourseSettings(**bad)
    except SettingsError as err:
        print(f"{bad} -> {err}")

# %% [markdown] id=cell-10
# ## 4절. 환경 변수: 실습, 오프라인, 빠른 점검 모드
# 아무것도 설정하지 않으면 노트북은 **실제로** 허브에서 모델을 받고 Korpora로 말뭉치를 내려받습니다.
# 다음 환경 변수로 동작을 바꿀 수 있습니다.
#
# - `NLPBOOK_SMOKE=1`: **빠른 점검 모드**(스모크 실행, smoke test)입니다. 코드가 끝까지 도는지만 확인하려고, 아주 작은 BERT(2층)와
#   내장 샘플 데이터로 몇 스텝만 CPU에서 오프라인으로 실행합니다(CI가 사용). 이 모드의 점수는 의미가 없습니다.
# - `NLPBOOK_CORPUS_ROOT=폴더`: 말뭉치를 이 폴더에서 읽습니다(`폴더/nsmc/ratings_train.txt` 등).
# - `NLPBOOK_MODEL_DIR=폴더`: 모델·토크나이저를 이 로컬 폴더에서 읽습니다. 가중치 파일이 없으면 무작위로 초기화하며, 그 사실을 눈에 띄는 경고로 출력합니다.
# - `NLPBOOK_OUTPUT_ROOT=폴더`: 과제별 출력 폴더를 이 폴더 아래에 만듭니다.
# - `NLPBOOK_CHECKPOINT_ROOT=폴더`: 과제별 체크포인트 폴더를 이 폴더 아래에 만듭니다(Colab에서는 구글 드라이브).

# %% id=cell-11
import os

for name in ("NLPBOOK_SMOKE", "NLPBOOK_CORPUS_ROOT", "NLPBOOK_MODEL_DIR", "NLPBOOK_OUTPUT_ROOT", "NLPBOOK_CHECKPOINT_ROOT"):
    print(f"{name} = {os.environ.get(name, '(설정 안 됨)')}")
print("빠른 점검 모드(스모크 실행):", settings.smoke)

# %% [markdown] id=cell-12
# ## 5절. Colab이 끊겨도 이어서 학습하려면: 체크포인트를 구글 드라이브에
# Colab 런타임은 오래 쉬거나 최대 12시간이 지나면 끊기고, 그때 `/content`의 파일은 모두 사라집니다.
# 체크포인트 폴더를 구글 드라이브에 두면, 다시 연결한 뒤 학습 노트북을 처음부터 다시 실행했을 때
# 마지막 체크포인트(`last.ckpt`)부터 **이어서** 학습하며, 어느 체크포인트에서 이어 가는지 출력합니다.
# 체크포인트는 검증할 때마다, 에폭 중간에도 10분마다 저장됩니다. 임시 파일에 쓴 뒤 이름을 바꾸므로 저장 도중 끊겨도
# 반쯤 쓰인 `last.ckpt`가 남지 않습니다.
#
# 1. 아래 셀로 드라이브를 연결합니다(처음에 구글 계정 허용 창이 뜹니다).
# 2. `NLPBOOK_CHECKPOINT_ROOT`를 드라이브 폴더로 정합니다. 과제마다 그 아래에 자기 폴더가 생깁니다
#    (예: `.../nlpbook-checkpoints/document-classification`).
# 3. Colab은 노트북마다 런타임이 따로라서, 학습하는 노트북(07, 10–13)마다 맨 위에 같은 드라이브 셀이 있습니다. 거기서 다시 실행하세요.
#
# 드라이브에 필요한 자리(KcBERT-base로 잰 값): 이어서 학습할 `last.ckpt`는 가중치와 AdamW 상태까지 1.31GB,
# 가장 좋은 검증 점수의 `best-….ckpt`는 가중치만 0.44GB입니다. 새 `last.ckpt`를 임시 파일에 다 쓴 뒤 바꿔 넣으므로
# 저장하는 동안에는 1.31GB가 더 들어, **드라이브에 3.1GB 이상** 비워 두세요. 저장할 때마다 크기가 출력됩니다.
# 처음부터 다시 하려면 `last.ckpt`를 지우거나 `settings_from_env(extra={"resume": False})`로 설정을 만드세요.
# 학습 곡선 기록과 저장한 모델까지 드라이브에 두려면 `NLPBOOK_OUTPUT_ROOT`도 드라이브 폴더로 정하세요.
# 아래 셀은 Colab에서만 실행하세요(CI와 로컬에서는 건너뜁니다).

# %% id=cell-13
import os
import sys

if "google.colab" in sys.modules:
    from google.colab import drive

    drive.mount("/content/drive")
    os.environ["NLPBOOK_CHECKPOINT_ROOT"] = "/content/drive/MyDrive/nlpbook-checkpoints"
    settings = settings_from_env()
else:
    print("Colab이 아니라서 드라이브 연결을 건너뜁니다: 체크포인트는 이 컴퓨터의 폴더에 저장됩니다.")

# %% id=cell-14
from helpers.core.training import checkpoint_dir

print("체크포인트 폴더:", checkpoint_dir(settings))

# %% [markdown] id=cell-15
# ## 6절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다.
#
# **문제 1.** `CourseSettings(precision="fp16")`을 만들어 오류 메시지를 읽으세요. `precision`에 쓸 수 있는 값을 모두 목록으로 답하세요.

# %% id=exercise-01-precision
from helpers.exercises.book import check

answer = ...  # 여기에 답을 쓰세요
check("01-precision-values", answer)

# %% [markdown] id=exercise-01-validation-md
# **문제 2.** 실제 NSMC 학습 파일은 150,000행입니다. 기본 설정(`CourseSettings()`)으로 검증 데이터를 떼어 내면 몇 행이 될까요?

# %% id=exercise-01-validation
answer = ...  # 여기에 답을 쓰세요
check("01-validation-rows", answer)

# %% [markdown] id=summary
# ## 정리
# - 하이퍼파라미터와 경로는 `CourseSettings` 하나에 모이고, `settings_from_env(...)`로 원하는 값만 바꿉니다.
# - 잘못된 값은 설정을 만들 때 바로 `SettingsError`가 되며, 메시지에 설정 이름이 나옵니다.
# - `NLPBOOK_*` 환경 변수로 데이터·모델 위치와 빠른 점검 모드를 고르고, Colab에서는 체크포인트를 드라이브에 둡니다.
#
# 다음 노트북 **02 말뭉치 내려받기**에서는 이 설정으로 NSMC 말뭉치를 내려받고 살펴봅니다.
