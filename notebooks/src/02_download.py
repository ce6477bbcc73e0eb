# Source of notebooks/02_download.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 2. 말뭉치 내려받기: NSMC 살펴보기
#
# 네이버 영화 리뷰 말뭉치(NSMC)는 영화 리뷰 20만 건에 긍정(1)/부정(0) 레이블을 붙인 데이터입니다.
# 이 노트북에서는 Korpora로 말뭉치를 내려받고, **한 줄도 빠뜨리지 않고** 읽은 뒤 레이블 분포와 길이를 살펴봅니다.

# %% [markdown] id=cell-03
# ## 설정 불러오기
# 앞 노트북에서 만든 설정을 그대로 다시 만듭니다. 노트북마다 새 커널에서 따로 실행할 수 있도록 각 노트북은 이렇게 시작합니다.

# %% id=cell-04
from helpers.settings import settings_from_env

settings = settings_from_env()
print("말뭉치 폴더:", settings.corpus_root_dir)

# %% [markdown] id=cell-05
# ## 내려받기
# `NsmcReader.read_splits`는 `corpus_root_dir/nsmc/`에 파일이 있으면 바로 읽고, 없을 때만 Korpora로 내려받습니다.
# (Korpora 0.2.0은 파일이 있어도 항상 인터넷에 접속하므로, 파일이 없을 때만 부릅니다.)

# %% id=cell-06
from helpers.corpora import NSMC_LABELS, NsmcReader

splits = NsmcReader().read_splits(settings.corpus_root_dir)
train_rows, test_rows = splits["train"], splits["test"]

# %% [markdown] id=cell-07
# ## 몇 줄 보기
# 각 행은 리뷰 문장(`text`)과 레이블(`label`)입니다. 따옴표나 탭이 들어간 리뷰도 원문 그대로 읽습니다.
# (CSV 모듈로 읽으면 따옴표 때문에 행이 합쳐지거나 빠질 수 있습니다.)

# %% id=cell-08
for row in train_rows[:5]:
    print(NSMC_LABELS[row.label], "|", row.text)

# %% id=cell-09
quoted = [r.text for r in train_rows if '"' in r.text]
print(f"따옴표가 들어간 리뷰 {len(quoted):,}건, 예: {quoted[:2]}")

# %% [markdown] id=cell-10
# ## 레이블 분포
# 긍정과 부정이 거의 반반이면 정확도 50%가 '찍기' 수준입니다. 학습한 모델이 이보다 얼마나 나은지가 중요합니다.

# %% id=cell-11
from collections import Counter

for name, rows in (("train", train_rows), ("test", test_rows)):
    counts = Counter(r.label for r in rows)
    print(name, {NSMC_LABELS[k]: v for k, v in sorted(counts.items())}, f"합계 {len(rows):,}")

# %% [markdown] id=cell-12
# ## 리뷰 길이(글자 수)
# NSMC 리뷰는 140자 미만입니다. 대부분 짧다는 점이 나중에 패딩 전략을 고를 때 중요해집니다.

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
# ## 검증 데이터 떼어 두기
# 테스트 데이터는 마지막 평가에만 씁니다. 학습 중 성능 확인용 **검증 데이터**는 학습 데이터에서 `val_fraction`만큼 떼어 냅니다.

# %% id=cell-15
from helpers.corpora import split_train_validation

train_part, val_part = split_train_validation(train_rows, settings.val_fraction, settings.seed)
print(f"학습 {len(train_part):,} / 검증 {len(val_part):,} / 테스트 {len(test_rows):,}")

# %% [markdown] id=cell-16
# 다음 노트북에서는 이 문장들을 이해할 사전학습 모델 KcBERT를 불러옵니다.
