# Source of notebooks/05_dataloader.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 5. 데이터로더: 배치마다 가장 긴 문장에 맞춰 패딩하기
#
# 모델은 문장을 한 개씩이 아니라 **배치**로 한꺼번에 읽습니다. 배치 안의 문장은 길이가 같아야 하므로 짧은 문장 뒤에 `[PAD]`를 채웁니다.
# 모든 문장을 128토큰까지 채우면 대부분이 패딩이 됩니다. 이 노트북에서는 배치마다 **그 배치의 가장 긴 문장**까지만 채워서
# 계산을 얼마나 아끼는지 직접 세어 봅니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - 말뭉치를 한 번에 토큰화하고, 배치마다 가장 긴 문장까지만 패딩하는 데이터로더를 만들 수 있습니다.
# - 배치의 `input_ids`, `attention_mask`, `token_type_ids`, `labels`가 각각 무엇인지 설명할 수 있습니다.
# - 배치 크기와 길이 묶기가 패딩 비율을 어떻게 바꾸는지 잴 수 있습니다.

# %% [markdown] id=cell-03
# ## 1절. 앞 단계 다시 만들기
# 설정, 토크나이저, 말뭉치(학습/검증/테스트)를 `helpers`로 다시 준비합니다. 빠른 점검 모드에서는 일부 행만 씁니다.

# %% id=cell-04
from helpers.core.splits import read_nsmc_splits
from helpers.core.models import load_tokenizer
from helpers.core.settings import settings_from_env

settings = settings_from_env()
tokenizer = load_tokenizer(settings)
rows = read_nsmc_splits(settings)

# %% [markdown] id=cell-05
# ## 2절. 한 번에 토큰화하기
# 문장마다 파이썬 반복문으로 토크나이저를 부르지 않고, 빠른 토크나이저에 목록 전체를 한 번에 넘깁니다(러스트로 병렬 처리).
# 이때 **패딩은 하지 않습니다.** 토큰 번호 목록만 저장해 두고, 패딩은 배치를 만들 때 합니다.
# `max_seq_length`보다 긴 문장은 잘라 내고, 몇 개를 잘랐는지 출력합니다.

# %% id=cell-06
from helpers.classification.pipeline import encode_splits

datasets = encode_splits(tokenizer, rows, settings.max_seq_length)
print(f"학습 {len(datasets.train):,} / 검증 {len(datasets.val):,} / 테스트 {len(datasets.test):,}")
print("첫 행:", datasets.train[0])

# %% [markdown] id=cell-07
# ## 3절. 세 문장을 배치 하나로: collate 함수
# 데이터로더가 데이터셋에서 꺼낸 행 목록을 배치 하나로 묶는 함수를 **collate 함수**라고 합니다.
# `collate_dynamic_padding`은 행 목록을 받아 가장 긴 행의 길이에 맞춰 `[PAD]`(번호 0)를 채우고 텐서로 바꿉니다.
# `attention_mask`는 진짜 토큰이 1, 패딩이 0이어서 모델이 패딩을 무시하게 해 줍니다.
# 레이블이 토큰마다 있으면(11의 개체명 인식) 레이블도 같은 길이로 채우되, 손실 계산에서 빠지도록 -100을 채웁니다.
#
# BERT에는 `token_type_ids`라는 입력도 있습니다. 문장 두 개를 이어 넣을 때(예: 10의 전제·가설 쌍) 첫 문장의 토큰은 0,
# 두 번째 문장의 토큰은 1로 표시해 모델이 두 문장을 구별하게 합니다. 문장 하나만 넣는 문서 분류에서는 모두 0이라서,
# 배치에 넣지 않아도 모델이 0으로 채웁니다.
# 아래 셀은 `helpers/core/data.py`의 함수와 글자 하나까지 같은 코드이고, 강좌의 모든 과제가 이 함수로 배치를 만듭니다.

# %% id=collate tags=["library:helpers.core.data"]
from typing import Any, Sequence

import torch


def pad_rows(rows: Sequence[Sequence[int]], pad_value: int, length: int | None = None) -> torch.Tensor:
    """Stack int rows into a (batch, length) tensor, right-padded with pad_value to the longest row."""
    length = max(len(r) for r in rows) if length is None else length
    # One tensor call on padded Python lists: about twice as fast as filling the rows one tensor at a time.
    return torch.tensor([[*r, *[pad_value] * (length - len(r))] for r in rows], dtype=torch.long)


def collate_dynamic_padding(batch: Sequence[dict[str, Any]], pad_token_id: int = 0,
                            label_pad_id: int = -100) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest row: input_ids, attention_mask, token_type_ids, labels (and integer fields)."""
    ids = [row["input_ids"] for row in batch]
    out = {"input_ids": pad_rows(ids, pad_token_id)}
    out["attention_mask"] = pad_rows([[1] * len(r) for r in ids], 0)
    if "token_type_ids" in batch[0]:
        out["token_type_ids"] = pad_rows([row["token_type_ids"] for row in batch], 0)
    labels = [row["labels"] for row in batch] if "labels" in batch[0] else None
    if labels is not None and isinstance(labels[0], (list, tuple)):  # one label per token (NER, language modelling)
        out["labels"] = pad_rows(labels, label_pad_id, out["input_ids"].shape[1])
    elif labels is not None:
        out["labels"] = torch.as_tensor(labels, dtype=torch.long)
    for key in batch[0]:  # any other field is one integer per row (QA start/end positions, row indexes)
        if key not in out:
            out[key] = torch.as_tensor([row[key] for row in batch], dtype=torch.long)
    return out

# %% id=cell-08
three = [datasets.train[i] for i in range(3)]
batch = collate_dynamic_padding(three, pad_token_id=tokenizer.pad_token_id)
for row in three:
    print(len(row["input_ids"]), "토큰:", tokenizer.decode(row["input_ids"]))
print("input_ids 모양:", tuple(batch["input_ids"].shape))
print(batch["input_ids"])
print(batch["attention_mask"])
print("labels:", batch["labels"])

# %% [markdown] id=cell-09
# ## 4절. 데이터로더와 샘플러
# PyTorch의 `DataLoader(dataset, batch_size=..., collate_fn=...)`는 데이터셋에서 행을 꺼내 collate 함수로 배치를 묶습니다.
# 어떤 순서로 꺼낼지는 **샘플러**가 정합니다. 평가 때는 파일 순서 그대로 `batch_size`개씩 꺼냅니다. 학습 때는 순서를 섞는데,
# 여기에 더해 `LengthGroupedSampler`는 길이가 비슷한 문장끼리 한 배치로 모은 뒤 배치 순서를 섞습니다. 그래서 학습은 여전히
# 무작위이면서 패딩은 더 줄어듭니다(`length_grouped=True`가 기본값). 이 샘플러는 행이 아니라 배치(행 번호 목록)를 통째로
# 내놓으므로 `DataLoader`의 `batch_sampler=` 인자로 넘깁니다(이때 `batch_size`는 샘플러가 정합니다).
#
# 아래 함수가 쓰는 `LatePinningDataLoader`와 `ResumableDataLoader`는 `DataLoader`를 상속한 클래스로, 인자는 `DataLoader`와 같습니다.
# 앞의 것은 GPU로 옮기기 좋은 고정 메모리(pinned memory)를 학습이 GPU를 쓰기 시작한 뒤에만 켜고, 뒤의 것은 에폭마다 섞는 순서를
# `(seed, 에폭)`만으로 정해서 끊긴 학습을 이어 갈 때(07) 에폭 중간의 같은 배치부터 다시 시작할 수 있게 합니다.
# 기본 배치 크기 32는 BERT 파인튜닝에서 흔히 쓰는 값(16–32)으로, 128토큰 KcBERT-base가 16GB GPU(Colab T4)에 넉넉히 들어가는 크기입니다.
# 아래 셀도 `helpers/core/data.py`의 함수 그대로이며, 06과 07의 `make_loaders`가 학습·검증·테스트 데이터로더를 이 함수로 만듭니다.

# %% id=make-dataloader tags=["library:helpers.core.data"]
from functools import partial

from torch.utils.data import DataLoader, Dataset

from helpers.core.data import LatePinningDataLoader, ResumableDataLoader
from helpers.core.sampling import LengthGroupedSampler, ShuffledBatchSampler


def make_dataloader(dataset: Dataset, batch_size: int, pad_token_id: int, shuffle: bool = False,
                    length_grouped: bool = False, seed: int = 0, num_workers: int = 0) -> DataLoader:
    """A DataLoader that pads each batch to its longest row, optionally shuffled (and grouped by length).

    A shuffled (training) loader gives each DDP process its own whole batches of one shared order (Trainer option
    use_distributed_sampler=False keeps Lightning from replacing that). An ordered (evaluation) loader gives every
    process all rows: metrics are then exactly those of the full set (a DistributedSampler would pad with
    repeated rows), and code that runs on the main process only, such as ner.entity_report, sees every row too.
    """
    collate = partial(collate_dynamic_padding, pad_token_id=pad_token_id)  # picklable: works with workers
    workers = dict(num_workers=num_workers, persistent_workers=num_workers > 0)
    if not shuffle:
        return LatePinningDataLoader(dataset, batch_size=batch_size, collate_fn=collate, **workers)
    # Own generators (never the global RNG) for the shuffle and for the worker seeds, so that the order of an
    # epoch depends on (seed, epoch) only, with or without workers, and a resumed run draws the same.
    sampler = (LengthGroupedSampler(dataset.lengths(), batch_size, seed) if length_grouped
               else ShuffledBatchSampler(len(dataset), batch_size, seed))
    return ResumableDataLoader(dataset, batch_sampler=sampler, collate_fn=collate, seed=seed,
                               generator=torch.Generator().manual_seed(seed), **workers)

# %% id=cell-10
train_loader = make_dataloader(datasets.train, settings.batch_size, tokenizer.pad_token_id, shuffle=True,
                               length_grouped=settings.length_grouped, seed=settings.seed)
val_loader = make_dataloader(datasets.val, settings.batch_size, tokenizer.pad_token_id)
print("DataLoader인가:", isinstance(train_loader, DataLoader), "| 배치 샘플러:", type(train_loader.batch_sampler).__name__)
print(f"배치 수: 학습 {len(train_loader):,} / 검증 {len(val_loader):,}")
for step, batch in zip(range(3), train_loader):
    print(f"배치 {step}: input_ids {tuple(batch['input_ids'].shape)}, 패딩 비율 {1 - batch['attention_mask'].float().mean():.1%}")

# %% [markdown] id=cell-11
# ## 5절. 토큰 길이 분포
# 대부분의 리뷰는 128토큰보다 훨씬 짧습니다. 빨간 점선(128)까지 모두 채우면 그만큼이 헛계산입니다.

# %% id=cell-12
from helpers.core.plots import plot_token_lengths

lengths = datasets.train.lengths()
plot_token_lengths(lengths, max_length=128, title="NSMC train: tokens per review");

# %% [markdown] id=cell-13
# ## 6절. 얼마나 아끼나
# 모델이 실제로 읽는 토큰 수를 세 가지 방법으로 비교합니다: 모두 128로 채우기, 파일 순서대로 배치마다 가장 긴 문장까지 채우기,
# 길이가 비슷한 문장끼리 묶어 채우기.

# %% id=cell-14
from helpers.core.data import padding_report

report = padding_report(lengths, settings.batch_size, max_length=128)
grouped = sum(b["input_ids"].numel() for b in train_loader)
report["length_grouped_batches"] = grouped
for name, tokens in report.items():
    print(f"{name:>28}: {tokens:>12,} 토큰 ({tokens / report['real_tokens']:.2f}배)")

# %% [markdown] id=cell-15
# ## 7절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다. 어느 환경에서나 같은 답이 나오도록
# 내장 샘플과 작은 연습용 어휘로 풉니다.
#
# **문제 1.** `sample_token_lengths()`는 내장 NSMC 샘플 학습 데이터의 리뷰별 토큰 수(파일 순서)입니다. 파일 순서대로 배치를 나눠
# 배치마다 가장 긴 리뷰까지 채울 때, 모델이 읽는 토큰 중 `[PAD]`의 비율을 배치 크기 8, 32, 128 각각에 대해 구하세요.
# 답은 `{8: 0.xx, 32: 0.xx, 128: 0.xx}` 모양의 사전입니다(`padding_report`를 쓰면 됩니다).

# %% id=exercise-05-padding
from helpers.exercises.book import check
from helpers.exercises.samples import practice_tokenizer, sample_token_lengths

sample_lengths = sample_token_lengths()
answer = ...  # 여기에 답을 쓰세요
check("05-padding-share", answer)

# %% [markdown] id=exercise-05-token-types-md
# **문제 2.** `practice = practice_tokenizer()`로 문장 쌍 `practice("영화 좋아요", "정말 재밌어요")`를 인코딩하면
# `token_type_ids`에 1이 몇 개 있을까요?

# %% id=exercise-05-token-types
answer = ...  # 여기에 답을 쓰세요
check("05-token-type-ids", answer)

# %% [markdown] id=summary
# ## 정리
# - 토큰화는 한 번에, 패딩은 배치를 만들 때 collate 함수(`collate_fn=`)가 그 배치의 가장 긴 문장까지만 합니다.
# - `attention_mask`는 패딩을 가리고, `token_type_ids`는 문장 쌍의 두 문장을 구별합니다.
# - 길이가 비슷한 문장끼리 묶으면(`LengthGroupedSampler`를 `batch_sampler=`로) 무작위성을 지키면서 헛계산이 더 줄어듭니다.
#
# 다음 노트북 **06 태스크**에서는 이 배치를 받아 손실을 계산하고 가중치를 고치는 **태스크**(LightningModule)를 만듭니다.
