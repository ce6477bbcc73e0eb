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
# `helpers.core.settings.CourseSettings`에 이 값들과 말뭉치·모델 경로, 학습 장치 옵션을 모두 모아 두었습니다.

# %% [markdown] id=settings-class-md
# ## 2절. 설정 데이터클래스 읽기
# 아래 셀이 과정의 설정 클래스 `CourseSettings` 그대로입니다(라이브러리 `helpers/core/settings.py`와 글자 하나까지 같은지
# 테스트가 확인합니다). 읽는 법은 이렇습니다.
#
# - `@dataclass`를 붙이면 `이름: 타입 = 기본값` 줄마다 필드(field)가 생기고, `CourseSettings(batch_size=16)`처럼 원하는 값만 바꿔 만듭니다.
# - 필드마다 `field(default=..., metadata={"help": ...})`로 **설명(help)** 을 달았습니다. 이 설명이 아래 `describe()` 표에 나옵니다.
# - `metadata`의 나머지 열쇠는 허용하는 값입니다. `"choices"`는 고를 수 있는 값, `"minimum"`은 가장 작은 값,
#   `"above"`·`"below"`는 그보다 커야/작아야 하는 경계입니다. 타입(`int`, `str | None` 등)도 규칙입니다.
# - 만들 때마다 `__post_init__`이 `validate()`를 부르고, `validate()`는 `check_settings`로 필드마다 타입과 규칙을 검사합니다
#   (`helpers/core/setting_rules.py`). 잘못된 값은 필드 이름, 값, 허용하는 값을 밝힌 `SettingsError`가 됩니다.

# %% id=settings-imports
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from helpers.core.setting_rules import check_settings, format_table, settings_table
from helpers.core.settings import (
    KNOWN_ACCELERATORS,
    KNOWN_CORPORA,
    KNOWN_POSITION_LIMITS,
    KNOWN_PRECISIONS,
    NER_LABEL_SCHEMES,
    SettingsError,
    checked_names,
    settings_for_task,
    settings_from_env,
)

# %% id=settings-class tags=["library:helpers.core.settings"]
@dataclass
class CourseSettings:
    """Settings of one fine-tuning run; `smoke=True` makes everything tiny, offline and fast."""

    # Model and data
    pretrained_model_name: str = field(default="beomi/kcbert-base", metadata={
        "help": "허깅페이스 허브의 사전학습 모델 이름 (pretrained model)"})
    model_dir: str | None = field(default=None, metadata={
        "help": "모델·토크나이저를 읽을 로컬 폴더, None이면 허브에서 받음 (NLPBOOK_MODEL_DIR)"})
    corpus_name: str = field(default="nsmc", metadata={
        "help": "학습할 말뭉치 (corpus), custom은 내 파일", "choices": KNOWN_CORPORA})
    corpus_root_dir: str = field(default="data", metadata={
        "help": "말뭉치를 내려받고 읽는 폴더 (NLPBOOK_CORPUS_ROOT)"})
    custom_file: str | None = field(default=None, metadata={
        "help": "corpus_name=custom일 때 읽을 내 TSV/CSV/JSONL 파일"})
    custom_test_file: str | None = field(default=None, metadata={
        "help": "내 테스트 파일, None이면 custom_file에서 떼어 냄"})
    text_column: str = field(default="text", metadata={"help": "내 파일에서 문장이 든 열 (column) 이름"})
    text_pair_column: str | None = field(default=None, metadata={
        "help": "문장 쌍의 둘째 문장 열 이름, None이면 text_pair (pair-classification만)"})
    label_column: str = field(default="label", metadata={"help": "내 파일에서 레이블이 든 열 이름"})
    labels: str | None = field(default=None, metadata={
        "help": "레이블 이름을 쉼표로 나열한 순서 (예: 부정,긍정), None이면 파일에서 정렬"})
    # Where results go
    output_dir: str = field(default="outputs/document-classification", metadata={
        "help": "로그·그림·모델을 저장할 폴더 (NLPBOOK_OUTPUT_ROOT 아래)"})
    checkpoint_dir: str | None = field(default=None, metadata={
        "help": "체크포인트 폴더, None이면 output_dir/checkpoints (Colab: 구글 드라이브)"})
    feature_cache_dir: str | None = field(default=None, metadata={
        "help": "토큰화 결과 캐시 (feature cache) 폴더, None이면 output_dir/features"})
    resume: bool = field(default=True, metadata={"help": "last.ckpt가 있으면 이어서 학습 (resume)"})
    # Hyperparameters
    learning_rate: float = field(default=5e-5, metadata={"help": "AdamW 학습률 (learning rate)", "above": 0})
    weight_decay: float = field(default=0.01, metadata={"help": "가중치 감쇠 (weight decay)", "minimum": 0})
    warmup_ratio: float = field(default=0.1, metadata={
        "help": "학습률을 0에서 올리는 스텝의 비율 (warmup)", "minimum": 0, "below": 1})
    batch_size: int = field(default=32, metadata={"help": "한 스텝에 보는 문장 수 (batch size)", "minimum": 1})
    max_seq_length: int = field(default=128, metadata={
        "help": "문장당 최대 토큰 수 (max sequence length)", "minimum": 1})
    epochs: int = field(default=1, metadata={"help": "학습 데이터를 몇 번 도는지 (epoch)", "minimum": 1})
    max_steps: int = field(default=-1, metadata={"help": "최대 학습 스텝 수, -1이면 제한 없음", "minimum": -1})
    seed: int = field(default=7, metadata={"help": "난수 시드 (seed)"})
    val_fraction: float = field(default=0.05, metadata={
        "help": "학습 데이터에서 검증용으로 떼는 비율 (validation)", "above": 0, "below": 1})
    limit_train_rows: int | None = field(default=None, metadata={
        "help": "학습 행을 이만큼만 씀, None이면 전부", "minimum": 1})
    limit_eval_rows: int | None = field(default=None, metadata={
        "help": "검증·테스트 행을 이만큼만 씀, None이면 전부", "minimum": 1})
    length_grouped: bool = field(default=True, metadata={"help": "길이가 비슷한 문장끼리 배치로 묶어 패딩을 줄임"})
    # How to train: precision, workers, devices (passed to lightning.Trainer)
    precision: str = field(default="auto", metadata={
        "help": "수치 정밀도 (precision), auto면 GPU에 맞춰 고름", "choices": KNOWN_PRECISIONS})
    num_workers: int = field(default=0, metadata={"help": "데이터로더 작업 프로세스 수 (Windows는 0)", "minimum": 0})
    compile_model: bool = field(default=False, metadata={"help": "torch.compile로 모델을 컴파일 (GPU의 긴 학습용)"})
    accelerator: str | None = field(default=None, metadata={
        "help": "cpu, gpu 또는 auto, None이면 auto (빠른 점검 모드는 cpu)", "choices": KNOWN_ACCELERATORS})
    devices: int | str | None = field(default=None, metadata={
        "help": "노드당 장치 수, auto 또는 GPU 번호 (예: 0,1), None이면 auto", "minimum": -1})
    strategy: str | None = field(default=None, metadata={"help": "분산 학습 방식 (ddp, fsdp 등), None이면 auto"})
    num_nodes: int | None = field(default=None, metadata={"help": "학습에 참여하는 머신 수, None이면 1", "minimum": 1})
    accumulate_grad_batches: int | None = field(default=None, metadata={
        "help": "배치 N개의 기울기를 모아 한 스텝 (gradient accumulation)", "minimum": 1})
    checkpoint_every_n_steps: int | None = field(default=None, metadata={
        "help": "N스텝마다 last.ckpt 저장, 0이면 스텝 기준 저장 없음, None이면 10분마다", "minimum": 0})
    smoke: bool = field(default=False, metadata={"help": "빠른 점검 모드: 아주 작게, 오프라인으로 (NLPBOOK_SMOKE)"})

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise SettingsError naming the first setting whose value cannot work, its value and the allowed ones."""
        check_settings(self)  # each field's type, choices and range, from its metadata
        limit = KNOWN_POSITION_LIMITS.get(self.pretrained_model_name)
        if limit is not None and self.max_seq_length > limit:
            raise SettingsError(f"max_seq_length={self.max_seq_length} is not allowed: {self.pretrained_model_name} "
                                f"has {limit} positions (tokens), use an integer from 1 to {limit}")

    def replace(self, **changes: Any) -> "CourseSettings":
        """Return a validated copy with some settings changed."""
        return dataclasses.replace(self, **checked_names(type(self), changes, "replace"))

    def describe(self) -> str:
        """Return a table of every setting: its name, its value and what it means."""
        return format_table(settings_table(self))

# %% [markdown] id=task-settings-md
# 과제마다 다른 옵션은 `CourseSettings`를 물려받은(subclass) 과제별 클래스의 필드입니다. 개체명 인식(NER)은 서브워드 레이블 방식,
# 질의응답(QA)은 긴 지문을 자르는 창과 답 고르기, 문장 생성은 오프라인 토크나이저 옵션을 더합니다.
# `settings_for_task("ner")`처럼 과제 이름으로 설정을 만들면 그 과제의 클래스와 기본값을 씁니다.

# %% id=task-settings tags=["library:helpers.core.settings"]
@dataclass
class NerSettings(CourseSettings):
    """Settings of named-entity recognition: the base ones plus how subwords get labels."""

    ner_label_subwords: str = field(default="first", metadata={
        "help": "레이블을 받는 서브워드: first는 단어의 첫 조각만, all은 모든 조각", "choices": NER_LABEL_SCHEMES})


@dataclass
class QuestionAnsweringSettings(CourseSettings):
    """Settings of extractive question answering: the base ones plus the window and decoding options."""

    doc_stride: int = field(default=64, metadata={
        "help": "긴 지문을 자른 창 (window) 사이에 겹치는 토큰 수", "minimum": 0})
    n_best: int = field(default=20, metadata={"help": "답의 시작·끝 후보로 살펴볼 상위 개수", "minimum": 1})
    max_answer_length: int = field(default=30, metadata={"help": "답의 최대 토큰 수", "minimum": 1})


@dataclass
class GenerationSettings(CourseSettings):
    """Settings of sentence generation: the base ones plus the offline stand-in tokenizer."""

    offline: bool = field(default=False, metadata={
        "help": "허브에 접속하지 않고 작은 GPT-2와 BPE 토크나이저를 직접 만듦"})
    bpe_vocab_size: int = field(default=8000, metadata={
        "help": "오프라인에서 학습하는 바이트 수준 BPE의 어휘 크기 (vocab size)", "minimum": 300})

# %% [markdown] id=cell-05
# ## 3절. 설정 만들기와 `describe()` 표
# `settings_from_env()`는 기본값에서 시작해 환경 변수(`NLPBOOK_*`)와 직접 넘긴 값을 차례로 반영합니다.
# 바꾸고 싶은 값은 인자로 넘기면 됩니다. 예: `settings_from_env(batch_size=16, epochs=2)`.
# `describe()`는 설정마다 이름, 지금 값, 설명(help)을 한 줄씩 표로 돌려줍니다. 아래 표가 곧 설정의 설명서입니다.

# %% id=cell-06
settings = settings_from_env()
print(settings.describe())

# %% [markdown] id=cell-07
# 과제별 설정도 같은 표로 봅니다. 질의응답 설정은 기본 설정 아래에 `doc_stride`, `n_best`, `max_answer_length`가 더 있고,
# `max_seq_length` 기본값이 256입니다. 명령줄에서는 같은 이름으로 `python -m helpers.train question-answering --set doc_stride=128`
# 처럼 바꾸며, 값은 필드의 타입대로 읽습니다(`128`은 정수, `none`은 None, `true`/`false`는 참/거짓).

# %% id=describe-task
qa_settings = settings_for_task("question-answering", doc_stride=128)
print(type(qa_settings).__name__)
print("\n".join(qa_settings.describe().splitlines()[-3:]))

# %% [markdown] id=cell-08
# ## 4절. 잘못된 값은 만들 때 바로 드러납니다
# 설정은 만들 때 검사됩니다. 예를 들어 KcBERT는 위치 임베딩이 300개뿐이라 `max_seq_length`가 300을 넘으면
# 학습 도중이 아니라 설정을 만드는 **지금** 오류가 나고, 메시지에 어떤 설정의 어떤 값이 왜 잘못됐는지, 무엇을 쓸 수 있는지 적혀 있습니다.
# 없는 이름을 넘겨도(오타 등) 오류가 나고, 쓸 수 있는 이름을 모두 알려 줍니다.

# %% id=cell-09
for bad in ({"batch_size": 0}, {"max_seq_length": 512}, {"corpus_name": "imdb"}, {"warmup_ratio": 1.5}):
    try:
        CourseSettings(**bad)
    except SettingsError as err:
        print(f"{bad} -> {err}")
try:
    settings_from_env(batchsize=16)
except SettingsError as err:
    print(err)

# %% [markdown] id=check-setting-md
# 이 메시지들은 아래 두 함수가 만듭니다(`helpers/core/setting_rules.py` 그대로). `validate()`가 부르는 `check_settings`는
# 필드마다 타입 힌트에서 허용하는 타입(`kinds`)을 꺼내 `check_value`에 넘기고, `check_value`는 타입(`has_kind`),
# `metadata`의 범위(`in_range`)와 선택지(`"choices"`)를 차례로 봅니다. 어긋나면 허용하는 값을 말로 풀어(`allowed_text`) 알려 줍니다.

# %% id=check-setting tags=["library:helpers.core.setting_rules"]
import typing

from helpers.core.setting_rules import allowed_text, has_kind, in_range, setting_fields, setting_kinds, union_members


def check_value(name: str, value: Any, kinds: tuple[type, ...], rules: Any) -> None:
    """Raise SettingsError naming the setting, its value and the allowed values when the value breaks a rule."""
    fits = has_kind(value, kinds) and in_range(value, rules)
    if fits and "choices" in rules and value is not None:
        fits = value in rules["choices"]
    if not fits:
        raise SettingsError(f"{name}={value!r} is not allowed: {allowed_text(kinds, rules)}")


def check_settings(settings: Any) -> None:
    """Check every setting of a settings dataclass against its type (`kinds`) and the rules in its metadata."""
    hints = typing.get_type_hints(type(settings))  # once: the type hints of all fields
    for name, spec in setting_fields(type(settings)).items():
        check_value(name, getattr(settings, name), union_members(hints[name]), spec.metadata)

# %% id=check-setting-demo
warmup = setting_fields(CourseSettings)["warmup_ratio"]
print(setting_kinds(CourseSettings, "limit_train_rows"))  # int 또는 None
print(dict(warmup.metadata))  # 설명과 범위: 0 이상, 1 미만
print(allowed_text(setting_kinds(CourseSettings, "warmup_ratio"), warmup.metadata))
try:
    check_value("warmup_ratio", 1.5, setting_kinds(CourseSettings, "warmup_ratio"), warmup.metadata)
except SettingsError as err:
    print(err)

# %% [markdown] id=cell-10
# ## 5절. 환경 변수: 실습, 오프라인, 빠른 점검 모드
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
# ## 6절. Colab이 끊겨도 이어서 학습하려면: 체크포인트를 구글 드라이브에
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
# 처음부터 다시 하려면 `last.ckpt`를 지우거나 `settings_from_env(resume=False)`로 설정을 만드세요.
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
# ## 7절. 연습 문제
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
# - 하이퍼파라미터와 경로는 데이터클래스 `CourseSettings`의 필드이고, 필드마다 `metadata`에 설명과 허용하는 값이 있습니다.
#   과제별 옵션은 `NerSettings`, `QuestionAnsweringSettings`, `GenerationSettings`의 필드입니다(`settings_for_task`가 고름).
# - `settings_from_env(...)`로 원하는 값만 바꾸고, `describe()`로 모든 설정의 값과 설명을 표로 봅니다.
# - 잘못된 값이나 없는 이름은 설정을 만들 때 바로 `SettingsError`가 되며, 메시지에 설정 이름, 값, 허용하는 값이 나옵니다.
# - `NLPBOOK_*` 환경 변수로 데이터·모델 위치와 빠른 점검 모드를 고르고, Colab에서는 체크포인트를 드라이브에 둡니다.
#
# 다음 노트북 **02 말뭉치 내려받기**에서는 이 설정으로 NSMC 말뭉치를 내려받고 살펴봅니다.
