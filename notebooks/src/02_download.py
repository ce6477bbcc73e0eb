# Source of notebooks/02_download.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 2. 말뭉치 내려받기: NSMC 살펴보기
#
# 네이버 영화 리뷰 말뭉치(NSMC)는 영화 리뷰 20만 건에 긍정(1)/부정(0) 레이블을 붙인 데이터입니다.
# 이 노트북에서는 Korpora로 말뭉치를 내려받고, **한 줄도 빠뜨리지 않고** 읽은 뒤 레이블 분포와 길이를 살펴봅니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - NSMC를 내려받아 학습·테스트 데이터를 읽고, 몇 행인지 확인할 수 있습니다.
# - 레이블 분포로 '찍기' 기준선(다수 레이블 정확도)을 구할 수 있습니다.
# - 학습 데이터에서 검증 데이터를 떼어 내는 이유를 설명할 수 있습니다.

# %% [markdown] id=cell-03
# ## 1절. 설정 불러오기
# 앞 노트북에서 만든 설정을 그대로 다시 만듭니다. 노트북마다 새 커널에서 따로 실행할 수 있도록 각 노트북은 이렇게 시작합니다.

# %% id=cell-04
from helpers.core.settings import settings_from_env

settings = settings_from_env()
print("말뭉치 폴더:", settings.corpus_root_dir)

# %% [markdown] id=cell-05
# ## 2절. 내려받기
# 말뭉치는 `Korpora.fetch(말뭉치 이름, root_dir=폴더)` 한 줄로 내려받습니다. 다만 Korpora 0.2.0은 파일이 이미 있어도
# 매번 인터넷에 접속하므로, 아래 함수는 `corpus_root_dir/nsmc/`에 파일이 모두 있으면 그렇다고 출력하고 내려받기를 건너뜁니다.
# 파일이 없을 때만 `Korpora.fetch`를 부르고, `checked_download`가 내려받은 파일을 검사합니다. 내려받기가 실패하거나
# 중간에 끊기거나 기록해 둔 sha256과 다르면, 반쯤 받은 파일을 지우고 어느 파일이 왜 문제인지 적힌 오류를 냅니다.
# 이 셀은 `helpers/core/corpora.py`의 함수와 글자 하나까지 같은 코드입니다(강좌의 모든 말뭉치가 이 함수를 거칩니다).

# %% id=ensure-files tags=["library:helpers.core.corpora"]
from pathlib import Path
from typing import Sequence

from Korpora import Korpora

from helpers.core.downloads import checked_download


def ensure_corpus_files(corpus: str, root_dir: str | Path, files: Sequence[str]) -> list[Path]:
    """The corpus files under `root_dir/corpus/`, fetched with Korpora only when one is missing (Korpora 0.2.0 goes
    online even when they are there); each file it fetched is checked against its recorded sha256."""
    paths = [Path(root_dir) / corpus / name for name in files]
    missing = [path for path in paths if not path.is_file()]
    if not missing:
        print(f"{Path(root_dir) / corpus}에 파일이 모두 있어 내려받기를 건너뜁니다 (files present, no download)")
        return paths
    with checked_download(corpus, missing):  # a failed or bad download leaves none of the missing files behind
        Korpora.fetch(corpus, root_dir=str(root_dir))
    return paths

# %% [markdown] id=read-files-md
# NSMC는 학습 파일 `ratings_train.txt`와 테스트 파일 `ratings_test.txt` 두 개입니다. 파일을 준비한 뒤 `NsmcReader`로
# 한 줄도 빠뜨리지 않고 읽습니다.

# %% id=cell-06
from helpers.core.corpora import NSMC_FILES, NSMC_LABELS, NsmcReader

train_file, test_file = ensure_corpus_files("nsmc", settings.corpus_root_dir, [NSMC_FILES["train"], NSMC_FILES["test"]])
train_rows, test_rows = NsmcReader().read(train_file), NsmcReader().read(test_file)

# %% [markdown] id=cell-07
# ## 3절. 몇 줄 보기
# 각 행은 리뷰 문장(`text`)과 레이블(`label`)입니다. 따옴표나 탭이 들어간 리뷰도 원문 그대로 읽습니다.
# (CSV 모듈로 읽으면 따옴표 때문에 행이 합쳐지거나 빠질 수 있습니다.)

# %% id=cell-08
for row in train_rows[:5]:
    print(NSMC_LABELS[row.label], "|", row.text)

# %% id=cell-09
quoted = [r.text for r in train_rows if '"' in r.text]
print(f"따옴표가 들어간 리뷰 {len(quoted):,}건, 예: {quoted[:2]}")

# %% [markdown] id=cell-10
# ## 4절. 레이블 분포
# 긍정과 부정이 거의 반반이므로, 모든 리뷰를 한 레이블로 답하는 '찍기'의 정확도가 약 50%입니다. 학습한 모델이 이보다 얼마나 나은지가 중요합니다.
# (KcBERT-base로 NSMC를 한 에폭 학습하면 테스트 정확도가 약 0.89–0.90입니다.)

# %% id=cell-11
from collections import Counter

for name, rows in (("train", train_rows), ("test", test_rows)):
    counts = Counter(r.label for r in rows)
    print(name, {NSMC_LABELS[k]: v for k, v in sorted(counts.items())}, f"합계 {len(rows):,}")

# %% [markdown] id=cell-12
# ## 5절. 리뷰 길이(글자 수)
# NSMC 리뷰는 140자 이하입니다. 대부분 짧다는 점이 나중에 패딩 전략을 고를 때 중요해집니다.

# %% id=cell-13
import matplotlib.pyplot as plt

lengths = [len(r.text) for r in train_rows]
plt.figure(figsize=(7, 3))
plt.hist(lengths, bins=50)
plt.xlabel("characters")
plt.ylabel("reviews")
plt.show()
print("중앙값:", sorted(lengths)[len(lengths) // 2], "글자, 빈 리뷰:", sum(1 for r in train_rows if not r.text.strip()), "건")

# %% [markdown] id=cell-14
# ## 6절. 검증 데이터 떼어 두기
# 테스트 데이터는 마지막 평가에만 씁니다. 학습 중 성능 확인용 **검증 데이터**는 학습 데이터에서 `val_fraction`만큼 떼어 냅니다.
# 검증 점수로 가장 좋은 체크포인트를 고르므로, 테스트 데이터로 고르면 그 점수가 실제보다 좋게 나옵니다. 그래서 둘을 나눕니다.
# 기본값 5%(NSMC에서 7,500행)는 정확도를 소수 둘째 자리까지 믿을 만하게 재기에 충분하면서 학습 데이터를 거의 줄이지 않는 크기입니다.
# (빠른 점검 모드에서는 행이 적어 20%를 뗍니다.)

# %% id=cell-15
from helpers.core.corpora import split_train_validation

train_part, val_part = split_train_validation(train_rows, settings.val_fraction, settings.seed)
print(f"학습 {len(train_part):,} / 검증 {len(val_part):,} / 테스트 {len(test_rows):,}")

# %% [markdown] id=cell-16
# ## 7절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다. 두 문제 모두 어느 환경에서나 같은 답이 나오도록
# 내장 샘플(`EMBEDDED_SAMPLE_ROOT`, 학습 1,200행·테스트 400행)로 풉니다.
#
# **문제 1.** 학습 데이터에서 가장 많은 레이블을 모든 테스트 리뷰의 답으로 내면 테스트 정확도가 얼마일까요? 0과 1 사이 소수로 답하세요.

# %% id=exercise-02-majority
from helpers.exercises.book import check
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT

sample = NsmcReader().read_splits(EMBEDDED_SAMPLE_ROOT)
answer = ...  # 여기에 답을 쓰세요
check("02-majority-accuracy", answer)

# %% [markdown] id=exercise-02-longest-md
# **문제 2.** 내장 샘플 학습 데이터(`sample["train"]`)에서 가장 긴 리뷰는 몇 글자인가요?

# %% id=exercise-02-longest
answer = ...  # 여기에 답을 쓰세요
check("02-longest-review", answer)

# %% [markdown] id=summary
# ## 정리
# - 말뭉치는 `Korpora.fetch`로 내려받되, 파일이 이미 있으면 건너뜁니다. 내려받은 파일은 sha256으로 검사합니다.
# - `NsmcReader`는 NSMC를 따옴표·탭이 들어간 리뷰까지 한 줄도 빠뜨리지 않고 읽습니다(학습 150,000행, 테스트 50,000행).
# - 레이블이 반반이라 찍기 정확도는 약 0.50이고, 잘 학습한 KcBERT-base는 약 0.89–0.90에 이릅니다.
# - 체크포인트 선택은 학습 데이터에서 뗀 검증 데이터로 하고, 테스트 데이터는 마지막 평가에만 씁니다.
#
# 다음 노트북 **03 사전학습 모델**에서는 이 문장들을 이해할 사전학습 모델 KcBERT를 불러옵니다.
