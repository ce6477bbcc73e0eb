# Source of notebooks/06_task.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 6. 태스크: 모델, 옵티마이저, 학습률 스케줄, 한 걸음
#
# Lightning의 `LightningModule`은 "무엇을 학습하는가"를 한곳에 모읍니다. 모델, 옵티마이저(AdamW), 학습률 스케줄,
# 그리고 배치 하나로 손실을 계산하는 한 걸음(step)입니다. 이 노트북에서는 `ClassificationTask`를 만들고 한 걸음을 손으로 밟아 봅니다.

# %% [markdown] id=cell-03
# ## 앞 단계 다시 만들기

# %% id=cell-04
from helpers.document_classification import encode_splits, make_loaders, read_nsmc_splits
from helpers.models import load_tokenizer
from helpers.settings import settings_from_env

settings = settings_from_env()
tokenizer = load_tokenizer(settings)
loaders = make_loaders(encode_splits(tokenizer, read_nsmc_splits(settings), settings.max_seq_length), tokenizer, settings)

# %% [markdown] id=cell-05
# ## 태스크 만들기
# `build_task`는 분류 모델을 불러와 `ClassificationTask`로 감쌉니다. 태스크는 학습 중 손실과 정확도를 걸음마다,
# 검증 손실·정확도·macro F1을 에폭마다 기록합니다(torchmetrics).

# %% id=cell-06
from helpers.document_classification import build_task

task = build_task(settings)
print(task.hparams)

# %% [markdown] id=cell-07
# ## 옵티마이저와 학습률 스케줄
# 옵티마이저는 `torch.optim.AdamW`입니다(편향과 LayerNorm에는 가중치 감쇠를 걸지 않습니다).
# 학습률은 처음 `warmup_ratio`(10%) 동안 0에서 천천히 올라갔다가 끝까지 직선으로 줄어듭니다.
# Lightning이 이 스케줄을 **걸음마다** 진행하려면 `lr_scheduler` 키 아래 `interval: "step"`으로 돌려줘야 합니다.
# (키 이름이 틀리면 Lightning은 스케줄러를 조용히 무시하고 학습률이 끝까지 그대로입니다.)

# %% id=cell-08
import inspect

from helpers.tasks import adamw_with_schedule

print(inspect.getsource(adamw_with_schedule))

# %% [markdown] id=cell-09
# 스케줄이 실제로 어떻게 움직이는지 100걸음짜리 학습을 가정해 그려 봅니다.

# %% id=cell-10
import matplotlib.pyplot as plt
import torch

from helpers.tasks import linear_warmup_decay

optimizer = torch.optim.AdamW(task.parameters(), lr=settings.learning_rate)
scheduler = linear_warmup_decay(optimizer, total_steps=100, warmup_steps=10)
lrs = []
for _ in range(100):
    lrs.append(optimizer.param_groups[0]["lr"])
    optimizer.step()
    scheduler.step()
plt.figure(figsize=(6, 2.5))
plt.plot(lrs)
plt.xlabel("step")
plt.ylabel("learning rate")
plt.show()

# %% [markdown] id=cell-11
# ## 한 걸음 손으로 밟기
# 학습의 한 걸음은 다음과 같습니다. ① 배치를 모델에 넣어 손실을 구하고 ② 역전파로 기울기를 구하고 ③ 옵티마이저가 가중치를 고칩니다.
# 같은 배치로 몇 걸음 반복하면 손실이 줄어드는 것을 볼 수 있습니다. (`Trainer`는 다음 노트북에서 이 과정을 대신 해 줍니다.)

# %% id=cell-12
batch = next(iter(loaders.train))
optimizer = torch.optim.AdamW(task.parameters(), lr=settings.learning_rate)
task.train()
for step in range(5):
    loss = task(batch).loss
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"걸음 {step}: 손실 {loss.item():.4f}")

# %% [markdown] id=cell-13
# 손실(cross-entropy)은 정답 레이블의 확률이 높을수록 작아집니다. 두 레이블 중 찍는 수준이면 약 ln 2 ≈ 0.693입니다.
# 다음 노트북에서는 `Trainer.fit`으로 전체 데이터를 학습하고 평가합니다.
