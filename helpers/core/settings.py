"""Every setting and hyperparameter of a course run: typed dataclass fields, each with its help text and rules."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core.setting_rules import (SettingsError, check_settings, env_flag, format_table, setting_fields,
                                        settings_table)

SMOKE_ENV = "NLPBOOK_SMOKE"
CORPUS_ROOT_ENV = "NLPBOOK_CORPUS_ROOT"
MODEL_DIR_ENV = "NLPBOOK_MODEL_DIR"
OUTPUT_ROOT_ENV = "NLPBOOK_OUTPUT_ROOT"
CHECKPOINT_ROOT_ENV = "NLPBOOK_CHECKPOINT_ROOT"

KNOWN_CORPORA = ("nsmc", "klue-nli", "kornli", "kmou-ner", "klue-ner", "korquad", "custom")
KNOWN_PRECISIONS = ("auto", "32-true", "16-mixed", "bf16-mixed")
KNOWN_ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")
NER_LABEL_SCHEMES = ("first", "all")  # helpers.ner.alignment explains each
# Position limits of models the course names; a local folder's config.json is checked at load time.
KNOWN_POSITION_LIMITS = {"beomi/kcbert-base": 300, "beomi/kcbert-large": 300, "skt/kogpt2-base-v2": 1024}
EMBEDDED_SAMPLE_ROOT = Path(__file__).resolve().parent.parent / "sample_data"
# Settings passed on to lightning.Trainer by helpers.core.training.build_trainer when they are not None.
TRAINER_SETTINGS = ("accelerator", "devices", "strategy", "num_nodes", "accumulate_grad_batches",
                    "checkpoint_every_n_steps")


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


SMOKE_OVERRIDES: dict[str, Any] = {
    "batch_size": 16,
    "max_seq_length": 64,
    "epochs": 1,
    "limit_train_rows": 192,
    "limit_eval_rows": 64,
    "precision": "32-true",
    "num_workers": 0,
    "learning_rate": 1e-3,
    "val_fraction": 0.2,
}


# Each task's settings class, and its own defaults on top of CourseSettings' (which are document classification's).
TASK_SETTINGS: dict[str, type[CourseSettings]] = {
    "document-classification": CourseSettings, "pair-classification": CourseSettings, "ner": NerSettings,
    "question-answering": QuestionAnsweringSettings, "generation": GenerationSettings,
}
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "document-classification": {},
    "pair-classification": {"corpus_name": "klue-nli", "output_dir": "outputs/pair-classification"},
    "ner": {"corpus_name": "kmou-ner", "output_dir": "outputs/named-entity-recognition"},
    "question-answering": {"corpus_name": "korquad", "output_dir": "outputs/question-answering",
                           "max_seq_length": 256},
    "generation": {"pretrained_model_name": "skt/kogpt2-base-v2", "output_dir": "outputs/sentence-generation"},
}


def checked_names(settings_class: type, values: dict[str, Any], where: str) -> dict[str, Any]:
    """`values` unchanged, or SettingsError naming each unknown setting and listing the valid ones."""
    valid = setting_fields(settings_class)
    unknown = [name for name in values if name not in valid]
    if unknown:
        gone = " (extra is gone: give each option by its own name, e.g. custom_file=...)" if "extra" in unknown else ""
        raise SettingsError(f"{where}: unknown setting{'s' * (len(unknown) > 1)} {', '.join(unknown)} for "
                            f"{settings_class.__name__}{gone}; the settings are: {', '.join(valid)}")
    return values


def trainer_settings(settings: CourseSettings) -> dict[str, Any]:
    """The Trainer options the settings give (accelerator, devices, ...), leaving out those that are None."""
    return {name: getattr(settings, name) for name in TRAINER_SETTINGS if getattr(settings, name) is not None}


def as_task_settings(settings: CourseSettings, task: str) -> CourseSettings:
    """The settings as `task`'s settings class: unchanged when they are one, else a copy with its options' defaults."""
    settings_class = TASK_SETTINGS[task]
    if isinstance(settings, settings_class):
        return settings
    shared = setting_fields(settings_class).keys() & setting_fields(type(settings)).keys()
    return settings_class(**{name: getattr(settings, name) for name in shared})


def settings_for_task(task: str, **overrides: Any) -> CourseSettings:
    """Settings of one task: its class and defaults, then the NLPBOOK_* environment, then explicit overrides."""
    if task not in TASK_DEFAULTS:
        raise SettingsError(f"task {task!r} is unknown; choose one of {', '.join(TASK_DEFAULTS)}")
    return settings_from_env(TASK_SETTINGS[task], **{**TASK_DEFAULTS[task], **overrides})


def settings_from_env(settings_class: type[CourseSettings] = CourseSettings, **overrides: Any) -> CourseSettings:
    """Build settings from the defaults, the NLPBOOK_* environment and explicit overrides."""
    checked_names(settings_class, overrides, "settings_from_env")
    smoke = env_flag(SMOKE_ENV)
    values: dict[str, Any] = {"smoke": smoke}
    if smoke:
        values.update(SMOKE_OVERRIDES)
    corpus_root = os.environ.get(CORPUS_ROOT_ENV)
    if corpus_root:
        values["corpus_root_dir"] = corpus_root
    elif smoke:
        values["corpus_root_dir"] = str(EMBEDDED_SAMPLE_ROOT)
    model_dir = os.environ.get(MODEL_DIR_ENV)
    if model_dir:
        values["model_dir"] = model_dir
    values.update(overrides)
    output_root = os.environ.get(OUTPUT_ROOT_ENV)
    if output_root:  # keep each task's own folder name under the chosen root
        default_dir = values.get("output_dir", CourseSettings.output_dir)
        values["output_dir"] = str(Path(output_root) / Path(default_dir).name)
    checkpoint_root = os.environ.get(CHECKPOINT_ROOT_ENV)
    if checkpoint_root and not values.get("checkpoint_dir"):  # e.g. a Google Drive folder on Colab
        default_dir = values.get("output_dir", CourseSettings.output_dir)
        values["checkpoint_dir"] = str(Path(checkpoint_root) / Path(default_dir).name)
    return settings_class(**values)
