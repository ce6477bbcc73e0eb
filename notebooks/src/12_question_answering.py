# Source of notebooks/12_question_answering.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 12. 질의응답: KorQuAD 1.0으로 KcBERT 파인튜닝하기
#
# 질문과 지문(context)이 주어지면 지문 안에서 답이 되는 **구간(span)** 을 찾아내는 추출형 질의응답(extractive QA)
# 모델을 만듭니다. 모델은 지문의 각 토큰마다 "답이 여기서 시작할 점수"와 "여기서 끝날 점수"를 내고, 가장 점수가 높은
# 구간을 답으로 고릅니다. 말뭉치는 한국어 위키백과로 만든 KorQuAD 1.0, 모델은 `beomi/kcbert-base`입니다.
# 문서 분류 노트북과 같은 순서(설정 → 말뭉치 → 모델 → 토크나이저 → 데이터로더 → 태스크 → 학습 → 평가 → 저장)를 따릅니다.
#
# 이 노트북을 마치면 다음을 할 수 있습니다.
#
# - 긴 지문을 겹치는 창으로 나누고, 글자 위치(오프셋)로 답의 시작·끝 토큰을 찾기
# - 모든 창의 후보(n-best) 가운데 가장 좋은 답 구간을 골라 원문에서 잘라 내기
# - KorQuAD 공식 EM과 F1로 채점하고, 토큰 경계 때문에 생기는 EM의 천장을 이해하기

# %% [markdown] id=drive-mount
# ### Colab: 드라이브 연결
# Colab은 노트북마다 런타임이 따로라서, 01 노트북의 드라이브 셀을 여기서 다시 실행해야 체크포인트가 드라이브에 남고
# 런타임이 끊겨도 `last.ckpt`에서 이어 학습할 수 있습니다. Colab이 아니면 이 셀은 건너뜁니다.

# %% id=drive-mount-code
import os
import sys

if "google.colab" in sys.modules:
    from google.colab import drive

    drive.mount("/content/drive")
    os.environ["NLPBOOK_CHECKPOINT_ROOT"] = "/content/drive/MyDrive/nlpbook-checkpoints"
else:
    print("Colab이 아니라서 드라이브 연결을 건너뜁니다: 체크포인트는 이 컴퓨터의 폴더에 저장됩니다.")

# %% [markdown] id=cell-03
# ## 1절. 설정
# 질의응답은 지문이 길어서 `max_seq_length`를 256으로 늘립니다(KcBERT의 위치 임베딩은 300개까지입니다).
# 빠른 점검 모드(`NLPBOOK_SMOKE=1`, 01 노트북 참고)에서는 작은 모델과 질문 수십 개만으로 몇 스텝 학습하고,
# 실제 실행에서는 KorQuAD 학습 데이터 전체(질문 약 6만 개)로 2 에폭 학습합니다. Colab T4에서는 2 에폭에 대략 1시간
# 안팎이 걸립니다(창이 256토큰으로 길어 문장 쌍 분류보다 훨씬 느립니다; 잰 값이 아니라 어림값입니다).

# %% id=cell-04
from helpers.core.settings import settings_for_task

settings = settings_for_task("question-answering")
if settings.smoke:  # quick check mode: 창이 길어서 질문 수를 더 줄입니다
    settings = settings.replace(limit_train_rows=64, limit_eval_rows=32)
else:  # 실제 학습: KorQuAD 학습 데이터 전체를 두 번 봅니다
    settings = settings.replace(epochs=2)
print(settings.describe())

# %% [markdown] id=cell-05
# 질의응답에만 쓰는 옵션 세 가지는 `QuestionAnsweringSettings`의 필드라서 이름으로 바꿀 수 있습니다(예: `settings_for_task("question-answering", doc_stride=128)`).
#
# - `doc_stride`(기본 64): 긴 지문을 여러 창(window)으로 자를 때 **이웃한 창이 겹치는 토큰 수**입니다. 이 코스는
#   토크나이저의 `stride` 인자에 그대로 넘기므로 "겹침"의 뜻입니다. 주의: 책과 Google의 BERT 코드(`run_squad.py`)의
#   `doc_stride`는 **이웃한 창의 시작점 사이 거리**(한 번에 나아가는 토큰 수)라서 같은 이름이 반대쪽을 가리킵니다.
#   겹침이 답의 최대 길이(30)보다 넉넉하면, 창 경계에 걸린 답도 어느 한 창에는 통째로 들어갑니다.
# - `n_best`(기본 20): 답 후보를 고를 때 시작·끝 점수 상위 몇 개씩을 조합해 볼지 정합니다. 20×20=400쌍이면 빠르면서도,
#   점수가 높은 조합 일부가 (끝이 시작보다 앞서는 등) 규칙에 어긋나 빠져도 후보가 충분히 남습니다.
# - `max_answer_length`(기본 30): 답의 최대 토큰 수입니다. KorQuAD의 답은 대부분 짧은 명사구라서, 이보다 긴 구간은
#   후보에서 빼도 잃는 답이 거의 없습니다.

# %% id=cell-06
from helpers.question_answering.pipeline import QA_OPTIONS, qa_option

print({name: qa_option(settings, name) for name in QA_OPTIONS})

# %% [markdown] id=cell-07
# ## 2절. 말뭉치: KorQuAD 1.0 읽기
# KorQuAD 1.0은 SQuAD v1.1과 같은 JSON 형식입니다. 문서(article) → 문단(paragraph, `context`) → 질문(`qas`)으로
# 묶여 있고, 답마다 지문 속 시작 글자 위치 `answer_start`가 적혀 있습니다.
# `read_korquad_splits`는 파일이 없을 때만 KorQuAD 사이트에서 내려받고, **모든 질문**을 읽어 개수를 출력합니다.
# JSON이 잘려 있으면 파일과 줄 번호를, `answer_start` 위치의 글자가 답과 다르면 질문 id를 밝히고 바로 멈춥니다.
#
# 학습 파일(`KorQuAD_v1.0_train.json`)이 없으면(오프라인 실습 환경처럼) 개발 파일을 **문서 단위로** 메모리에서
# 나눠 학습/검증에 씁니다. 같은 지문이 학습과 검증에 함께 들어가지 않도록 문서 단위로 나누며, 이때의 점수는 공식 개발 데이터
# 점수와 비교할 수 없다는 안내도 함께 출력합니다. (KorQuAD는 CC BY-ND 2.0 KR 라이선스이므로 파일 자체는 고치지 않습니다.)

# %% id=cell-08
from helpers.question_answering.corpus import read_korquad_splits

train_examples, val_examples = read_korquad_splits(settings)

# %% [markdown] id=cell-09
# 예제 하나를 봅시다. 답은 지문의 `answer_start` 글자부터 시작하는 부분 문자열입니다.

# %% id=cell-10
example = val_examples[0]
answer = example.answers[0]
print("제목:", example.title)
print("질문:", example.question)
print("지문:", example.context[:300], "..." if len(example.context) > 300 else "")
print(f"정답: {answer.text!r} (글자 {answer.start}~{answer.end})")
print("지문에서 잘라 본 답:", repr(example.context[answer.start : answer.end]))

# %% [markdown] id=cell-11
# ## 3절. 사전학습 모델: `BertForQuestionAnswering`
# BERT 위에 토큰마다 점수 두 개(시작, 끝)를 내는 선형층 `qa_outputs` 하나만 얹은 모델입니다.
# 빠른 점검 모드에서는 무작위로 초기화한 2층짜리 작은 BERT를 씁니다.

# %% id=cell-12
from helpers.core.models import count_parameters
from helpers.question_answering.pipeline import load_qa_model

model = load_qa_model(settings)
print(model.qa_outputs)
print(f"학습할 파라미터 {count_parameters(model):,}개")

# %% [markdown] id=cell-13
# ## 4절. 토크나이저: 질문 + 지문, 슬라이딩 윈도우, 답의 토큰 위치
# 이 절의 앞부분(창 나누기와 답의 토큰 위치)은 기본이고, 끝의 **심화** 부분(토큰 경계와 EM의 천장)은 처음 읽을 때 건너뛰어도 됩니다.
#
# 입력은 `[CLS] 질문 [SEP] 지문 [SEP]`입니다. 지문이 길면 fast 토크나이저가 지문만 잘라(`truncation="only_second"`)
# `doc_stride`만큼 겹치는 여러 창을 만듭니다(`return_overflowing_tokens`). `return_offsets_mapping`으로 받은 각
# 토큰의 **원문 글자 위치**를 이용해 답의 첫 글자와 마지막 글자를 품은 토큰을 찾아 정답 위치(시작·끝 토큰)로 씁니다.
# 답이 통째로 들어 있지 않은 창의 정답은 `[CLS]`(0번 토큰)입니다. 지문 첫 글자(0번 글자)에서 시작하는 답도 진짜 답으로
# 처리합니다(0을 "답 없음"으로 착각하지 않습니다).

# %% [markdown] id=qa-answer-tokens-md
# ### 답의 글자 위치 → 토큰 위치: `answer_tokens`
# 아래 셀은 이 코스의 라이브러리(`helpers.question_answering.features`)에 있는 함수를 **그대로** 옮긴 것입니다(테스트가
# 라이브러리 코드와 글자 하나까지 같은지 확인합니다). 실행하면 이 노트북은 여기서 정의한 함수를 씁니다.
#
# `offsets[t]`는 토큰 `t`가 덮는 원문 글자 범위 (시작, 끝)이고, `first`~`last`는 창 안에서 지문에 해당하는 토큰입니다.
# 창의 지문이 답의 첫 글자나 마지막 글자를 품지 못하면 `(0, 0)`, 즉 `[CLS]`를 돌려줍니다. 아니면 답보다 **앞에서 끝나는**
# 토큰을 건너뛰어 시작 토큰을, 답보다 **뒤에서 시작하는** 토큰을 건너뛰어 끝 토큰을 찾습니다. 글자 위치를 직접 비교하므로
# 0번 글자에서 시작하는 답도 제대로 찾습니다.

# %% id=qa-answer-tokens tags=["library:helpers.question_answering.features"]
from typing import Any, Sequence


def answer_tokens(offsets: Sequence[tuple[int, int]], first: int, last: int, start_char: int,
                  end_char: int) -> tuple[int, int]:
    """Tokens holding the first and last answer character, or (0, 0) ([CLS]) when the window misses the answer."""
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return 0, 0
    start = first
    while offsets[start][1] <= start_char:  # skip tokens that end before the answer (an answer at char 0 is real)
        start += 1
    end = last
    while offsets[end][0] >= end_char:  # skip tokens that begin after it
        end -= 1
    return (start, end) if start <= end else (0, 0)  # (0, 0) too when no token covers the answer's characters

# %% [markdown] id=qa-answer-tokens-demo-md
# 짧은 질문과 지문으로 직접 해 봅니다. 답 "서울"은 지문의 0번 글자에서 시작합니다. 마지막 줄은 지문의 첫 토큰만 든 창을
# 흉내 낸 것으로, 답 "수도"가 그 창에 없으므로 `(0, 0)`이 나옵니다.

# %% id=qa-answer-tokens-demo
from helpers.core.models import load_tokenizer

tokenizer = load_tokenizer(settings)
stride = qa_option(settings, "doc_stride")
short_context = "서울은 한국의 수도이다."
encoded = tokenizer("한국의 수도는?", short_context, return_offsets_mapping=True)
context_tokens = [t for t, segment in enumerate(encoded.sequence_ids()) if segment == 1]
first_token, last_token = context_tokens[0], context_tokens[-1]
short_offsets = encoded["offset_mapping"]
short_tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
for text in ("서울", "수도"):
    start_char = short_context.index(text)
    s, e = answer_tokens(short_offsets, first_token, last_token, start_char, start_char + len(text))
    print(f"{text!r} (글자 {start_char}~{start_char + len(text)}) -> 토큰 ({s}, {e}) {short_tokens[s : e + 1]}")
start_char = short_context.index("수도")
print("첫 토큰만 든 창에서 '수도':", answer_tokens(short_offsets, first_token, first_token, start_char, start_char + 2))

# %% [markdown] id=qa-builder-md
# ### 창 나누기: `QaFeatureBuilder`
# `add_chunk`는 질문 여러 개를 한 번에 토크나이저에 넣습니다. `truncation="only_second"`는 지문만 자르고,
# `return_overflowing_tokens=True`와 `stride`는 잘려 나간 뒤쪽 지문으로 `stride` 토큰씩 겹치는 창을 더 만듭니다.
# `overflow_to_sample_mapping`은 창마다 어느 질문에서 나왔는지를, `sequence_ids`는 토큰마다 질문(0)인지 지문(1)인지를
# 알려 줍니다. `add_window`는 창 하나의 지문 토큰 범위와 정답 토큰(`answer_tokens`)을 적고, 정답 토큰 구간을 오프셋으로
# 잘라 낸 글자가 정답과 **글자 그대로** 같은지도 셉니다(심화 부분에서 씁니다). 토큰 번호는 `RowsBuilder`가 패딩 없이
# 빽빽한 배열에 모읍니다.

# %% id=qa-builder tags=["library:helpers.question_answering.features"]
import numpy as np

from helpers.core.token_rows import RowsBuilder
from helpers.question_answering.corpus import QaExample
from helpers.question_answering.features import QaFeatures, span_text


class QaFeatureBuilder:
    """Windows of chunk after chunk of examples, gathered into compact rows (the per-window numbers as lists)."""

    def __init__(self, expected_rows: int, keep_offsets: bool) -> None:
        self.ids, self.types = RowsBuilder(np.int32, expected_rows), RowsBuilder(np.int8, expected_rows)
        self.offsets, self.keep_offsets = RowsBuilder(np.int32, expected_rows, width=2), keep_offsets
        self.spans, self.example_index, self.starts, self.ends = [], [], [], []
        self.fits, self.exact = set(), set()

    def add_chunk(self, tokenizer: Any, examples: Sequence[QaExample], first_index: int, max_length: int,
                  stride: int) -> None:
        """Tokenise question + context of `examples` (numbered from first_index) into windows with answer tokens."""
        enc = tokenizer([e.question for e in examples], [e.context for e in examples], truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, return_attention_mask=False)
        offsets_rows = []
        for i, local_index in enumerate(enc["overflow_to_sample_mapping"]):
            context = [t for t, s in enumerate(enc.sequence_ids(i)) if s == 1]  # segment 1: the context's tokens
            offsets = np.asarray(enc["offset_mapping"][i], dtype=np.int32)
            self.add_window(examples[local_index], first_index + local_index, offsets, (context[0], context[-1]))
            offsets_rows.append(offsets if self.keep_offsets else offsets[:0])
        self.ids.extend(enc["input_ids"])
        self.types.extend(enc["token_type_ids"])
        self.offsets.extend(offsets_rows)

    def add_window(self, example: QaExample, example_index: int, offsets: np.ndarray,
                   span: tuple[int, int]) -> None:
        """Record one window: its context tokens `span`, its example, and the tokens of the answer (0, 0 if absent)."""
        answer = example.answers[0] if example.answers else None  # no answer when predicting
        start, end = answer_tokens(offsets, *span, answer.start, answer.end) if answer else (0, 0)
        if start:
            self.fits.add(example_index)
            if span_text(example, offsets, start, end) == answer.text.strip():
                self.exact.add(example_index)
        self.spans.append(span)
        self.example_index.append(example_index)
        self.starts.append(start)
        self.ends.append(end)

    def finish(self) -> QaFeatures:
        """All windows gathered so far as QaFeatures."""
        features = QaFeatures(self.ids.finish(), self.types.finish(), self.offsets.finish(), self.spans,
                              self.example_index, self.starts, self.ends)
        features.answers_in_a_window, features.answers_exact = len(self.fits), len(self.exact)
        return features

# %% [markdown] id=cell-17
# 위에서 정의한 `QaFeatureBuilder`로 검증 데이터에서 지문이 가장 긴 질문 하나를 창으로 나눠 봅니다. 이웃한 창은
# 지문의 일부를 겹쳐 가집니다. 답이 들어 있는 창만 실제 위치를, 나머지 창은 `[CLS]`(0, 0)를 정답으로 가집니다.

# %% id=cell-18
longest = max(val_examples, key=lambda e: len(e.context))
builder = QaFeatureBuilder(1, keep_offsets=True)
builder.add_chunk(tokenizer, [longest], 0, settings.max_seq_length, stride)
windows = builder.finish()
print(f"지문 {len(longest.context):,}자 -> 창 {len(windows)}개 | 정답 {longest.answers[0].text!r}")
for k, (first, last) in enumerate(windows.context_spans):
    chars = (windows.offsets[k][first][0], windows.offsets[k][last][1])
    print(f"  창 {k}: 지문 토큰 {first}~{last}, 지문 글자 {chars[0]}~{chars[1]}, 정답 (시작, 끝) 토큰 = "
          f"({windows.start_positions[k]}, {windows.end_positions[k]})")

# %% [markdown] id=qa-build-all-md
# `build_qa_features`는 먼저 모든 질문이 창에 들어갈 만큼 짧은지 확인하고, 질문을 200개씩 `QaFeatureBuilder`에 넣어
# 학습·검증 데이터 전체의 창을 만듭니다. 학습 창은 오프셋이 필요 없으므로(`keep_offsets=False`) 메모리를 아낍니다.

# %% id=cell-14
from helpers.question_answering.features import build_qa_features

train_features = build_qa_features(tokenizer, train_examples, settings.max_seq_length, stride, "train",
                                   keep_offsets=False)
val_features = build_qa_features(tokenizer, val_examples, settings.max_seq_length, stride, "validation")

# %% [markdown] id=cell-15
# 검증 창 하나에서 정답 토큰 주변을 보고, 오프셋으로 원문을 다시 잘라 봅니다.

# %% id=cell-16
i = next(k for k, s in enumerate(val_features.start_positions) if s > 0)
s, e = val_features.start_positions[i], val_features.end_positions[i]
tokens = tokenizer.convert_ids_to_tokens(val_features.input_ids[i])
shown = val_examples[val_features.example_index[i]]
print("질문:", shown.question)
print("정답 주변 토큰:", tokens[max(0, s - 3) : s], "[", *tokens[s : e + 1], "]", tokens[e + 1 : e + 4])
print("오프셋으로 잘라 낸 답:", repr(span_text(shown, val_features.offsets[i], s, e)), "| 정답:", repr(shown.answers[0].text))

# %% [markdown] id=cell-19
# ### 심화: 정답을 토큰 구간으로 글자 그대로 나타낼 수 있을까?
# 먼저 채점 기준 두 가지를 짧게 봅니다(6절에서 자세히 다룹니다). **EM**(exact match)은 예측한 답이 정답과 글자 그대로
# 같은 질문의 비율이고, **F1**은 예측과 정답이 겹치는 글자 수로 주는 부분 점수입니다.
#
# 위 출력의 "exact answer text" 비율을 보세요. 답이 들어 있는 창은 모든 질문에 있지만, 토큰의 경계가 답의 경계와
# 어긋나면 토큰 구간으로는 답을 글자 그대로 나타낼 수 없습니다. 한국어에서는 조사가 앞말과 한 토큰으로 붙는 일이 많기
# 때문입니다. 예를 들어 KcBERT는 `임수경을`을 `임 ##수 ##경을`로 나누므로 답 `임수경`의 끝이 토큰 `##경을`의 중간에
# 있습니다. 실제 KcBERT 어휘로 KorQuAD 개발 데이터 5,774문항을 처리하면 모든 답이 어느 창엔가 통째로 들어 있지만, 토큰 구간이
# 답과 글자 그대로 같은 것은 4,511문항(78.1%)뿐이고 나머지는 조사 등이 붙은 조금 긴 구간이 됩니다. 정답 토큰 구간을 그대로 예측하는
# "완벽한" 모델도 EM 78.1, F1 97.4가 최고라는 뜻입니다. 토큰 단위 모델의 EM(완전 일치)에는 이런 천장이 있고,
# 글자 단위 F1은 그보다 너그럽습니다. (음절 하나하나가 토큰인 빠른 점검 모드의 작은 어휘에서는 99.9%가 글자 그대로 맞습니다.)

# %% [markdown] id=cell-20
# ## 5절. 데이터로더
# 창마다 길이가 다르므로 문서 분류와 같은 **동적 패딩** 콜레이터가 배치마다 가장 긴 창에 맞춰 채웁니다.
# 시작·끝 위치(`start_positions`, `end_positions`)와 창 번호(`feature_index`)는 창마다 정수 하나라 그대로 묶입니다.

# %% id=cell-21
from helpers.question_answering.pipeline import make_qa_loaders

train_loader, val_loader = make_qa_loaders(train_features, val_features, tokenizer, settings)
batch = next(iter(val_loader))
print({name: tuple(t.shape) for name, t in batch.items()})
print("시작 위치:", batch["start_positions"][:8].tolist(), "끝 위치:", batch["end_positions"][:8].tolist())

# %% [markdown] id=cell-22
# ## 6절. 태스크: 손실, n-best 디코딩, 공식 EM/F1
# 손실은 시작 위치와 끝 위치 분류의 교차 엔트로피 평균입니다(모델이 계산). 검증이 끝날 때마다 태스크는 모델의 점수를
# 답 글자로 바꾸고(디코딩), KorQuAD 1.0 공식 방식으로 채점합니다. 이 절은 그 세 부분을 차례로 봅니다.

# %% [markdown] id=qa-decode-md
# ### 점수에서 답으로: `window_candidates`와 `decode_answers`
# `window_candidates`는 창 하나에서 지문 토큰의 시작 점수 상위 `n_best`개와 끝 점수 상위 `n_best`개를 모두 짝지어 보고,
# 시작 ≤ 끝이고 길이가 `max_answer_length` 이하인 구간만 (점수 = 시작 점수 + 끝 점수, 시작, 끝)으로 남깁니다.
# `decode_answers`는 한 질문의 **모든 창**에서 나온 후보를 모으고, `best_answers`가 점수 순으로 `n_best`개를 골라 오프셋으로
# 원문 글자를 잘라 냅니다. 확률은 고른 후보들의 점수에 소프트맥스를 취한 값입니다. 평가하지 않은 창(`None`)은 건너뜁니다.

# %% id=qa-decode tags=["library:helpers.question_answering.features"]
def window_candidates(start_logits: np.ndarray, end_logits: np.ndarray, span: tuple[int, int], n_best: int,
                      max_answer_length: int) -> list[tuple[float, int, int]]:
    """(score, start, end) of the best valid spans of one window: inside the context, start <= end, not too long."""
    first, last = span
    starts = first + np.argsort(start_logits[first : last + 1])[::-1][:n_best]
    ends = first + np.argsort(end_logits[first : last + 1])[::-1][:n_best]
    scores = start_logits[starts][:, None] + end_logits[ends][None, :]
    length = ends[None, :] - starts[:, None] + 1
    valid = (length >= 1) & (length <= max_answer_length)
    rows, cols = np.nonzero(valid)
    return [(float(scores[r, c]), int(starts[r]), int(ends[c])) for r, c in zip(rows, cols)]


def decode_answers(examples: Sequence[QaExample], features: QaFeatures, start_logits: Sequence[np.ndarray],
                   end_logits: Sequence[np.ndarray], n_best: int = 20,
                   max_answer_length: int = 30) -> list[list[dict[str, Any]]]:
    """The n best answers of each example over all its windows, as text with character spans and probabilities."""
    candidates: list[list[tuple[float, int, int, int]]] = [[] for _ in examples]
    for i, example_index in enumerate(features.example_index):
        if start_logits[i] is None:  # this window was not evaluated
            continue
        for score, start, end in window_candidates(np.asarray(start_logits[i]), np.asarray(end_logits[i]),
                                                   features.context_spans[i], n_best, max_answer_length):
            candidates[example_index].append((score, i, start, end))
    return [best_answers(example, features, found, n_best) for example, found in zip(examples, candidates)]


def best_answers(example: QaExample, features: QaFeatures, candidates: Sequence[tuple[float, int, int, int]],
                 n_best: int) -> list[dict[str, Any]]:
    """The n highest-scoring (score, window, start, end) candidates of one example as answers whose probabilities
    are a softmax over those n; one empty answer when there is no candidate."""
    top = sorted(candidates, key=lambda c: c[0], reverse=True)[:n_best]
    if not top:
        return [{"text": "", "start": 0, "end": 0, "score": float("-inf"), "probability": 0.0}]
    weights = np.exp(np.array([c[0] for c in top]) - top[0][0])
    return [{"text": span_text(example, features.offsets[i], s, e), "start": features.offsets[i][s][0],
             "end": features.offsets[i][e][1], "score": score, "probability": float(w / weights.sum())}
            for (score, i, s, e), w in zip(top, weights)]

# %% [markdown] id=qa-decode-demo-md
# 모델 대신 점수를 손으로 만들어 봅니다. 한 질문의 창마다 정답 시작 토큰과 끝 토큰에만 높은 점수(5)를 주고 나머지는 0으로 두면,
# `decode_answers`의 1등은 정답 글자여야 합니다. 답이 없는 창은 `[CLS]`(0번 토큰)에 점수를 받지만, `[CLS]`는 지문 밖이라
# 후보가 되지 않습니다. 다른 질문의 창은 평가하지 않은 것(`None`)으로 둡니다.

# %% id=qa-decode-demo
asked = val_features.example_index[i]  # the question of the window shown in 4절
fake_starts, fake_ends = [None] * len(val_features), [None] * len(val_features)
for k, example_index in enumerate(val_features.example_index):
    if example_index == asked:
        length = len(val_features.input_ids[k])
        fake_starts[k], fake_ends[k] = np.zeros(length), np.zeros(length)
        fake_starts[k][val_features.start_positions[k]] = fake_ends[k][val_features.end_positions[k]] = 5.0
decoded = decode_answers(val_examples, val_features, fake_starts, fake_ends, n_best=3)[asked]
print("정답:", repr(val_examples[asked].answers[0].text))
for rank, candidate in enumerate(decoded, start=1):
    print(f"  {rank}. {candidate['text']!r:20} 글자 {candidate['start']}~{candidate['end']}, "
          f"점수 {candidate['score']:.1f}, 확률 {candidate['probability']:.2f}")

# %% [markdown] id=qa-scores-md
# ### 채점: KorQuAD 1.0 공식 EM과 F1
# - **정규화**: 따옴표·괄호류(`' " 《 》 < > 〈 〉 ( ) ‘ ’`)를 공백으로 바꾸고, 소문자로, ASCII 문장부호를 지우고, 공백을 하나로.
# - **EM**: 정규화한 예측과 정답이 같으면 1.
# - **F1**: 공백을 뺀 **글자** 단위로 겹치는 개수를 세어 정밀도·재현율의 조화 평균. 조사 하나가 더 붙어도 부분 점수를 받습니다.

# %% id=cell-23
from helpers.question_answering.metrics import char_f1, exact_match

for prediction, gold in [("임수경", "임수경"), ("임수경을", "임수경"), ("《겨울 편지》", "겨울 편지"),
                         ("1989년2월15일", "1989년 2월 15일"), ("부산", "서울")]:
    print(f"{prediction!r:>18} vs {gold!r:<18} EM {exact_match(prediction, gold):.0f}  F1 {char_f1(prediction, gold):.3f}")

# %% [markdown] id=cell-24
# ### LightningModule: `QuestionAnsweringTask`
# 학습 단계(`training_step`)와 옵티마이저는 06 노트북에서 본 `FineTuningTask`의 것을 그대로 물려받습니다. 이 클래스가
# 더하는 것은 검증입니다. 태스크는 검증 질문과 창(`QaEvalSet`)을 받아 둡니다. `forward`는 배치에서 창 번호
# `feature_index`를 빼고 모델에 넘깁니다. `validation_step`은 창마다 패딩을 뺀 시작·끝 점수를 창 번호로 모아 두고,
# `on_validation_epoch_end`가 위의 `decode_answers`와 `korquad_scores`로 `val_em`, `val_f1`을 기록합니다. GPU 여러 개로
# 학습하면 먼저 모든 GPU의 점수를 모읍니다. 학습 전의 점검 실행(sanity check)은 검증 일부만 보므로 채점하지 않습니다.

# %% id=qa-task tags=["library:helpers.question_answering.pipeline"]
import torch

from helpers.core.tasks import FineTuningTask
from helpers.question_answering.metrics import korquad_scores
from helpers.question_answering.pipeline import QaEvalSet


class QuestionAnsweringTask(FineTuningTask):
    """Fine-tunes a span-prediction model; logs val_loss and the official EM and F1 after each epoch."""

    def __init__(self, model: torch.nn.Module, eval_set: QaEvalSet | None = None, learning_rate: float = 5e-5,
                 weight_decay: float = 0.01, warmup_ratio: float = 0.1, n_best: int = 20,
                 max_answer_length: int = 30) -> None:
        super().__init__()
        self.model, self.eval_set = model, eval_set
        self.save_hyperparameters(ignore=["model", "eval_set"])
        self.window_logits: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def forward(self, batch: dict[str, torch.Tensor]) -> Any:
        return self.model(**{k: v for k, v in batch.items() if k != "feature_index"})

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        out = self(batch)
        self.log("val_loss", out.loss, prog_bar=True, batch_size=len(batch["input_ids"]), sync_dist=True)
        lengths = batch["attention_mask"].sum(-1).tolist()
        starts, ends = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
        for row, (index, n) in enumerate(zip(batch["feature_index"].tolist(), lengths)):
            self.window_logits[index] = (starts[row, :n], ends[row, :n])

    def on_validation_epoch_start(self) -> None:
        self.window_logits = {}

    def on_validation_epoch_end(self) -> None:
        if self.eval_set is None or self.trainer.sanity_checking:
            return
        if self.trainer.world_size > 1:  # several GPUs: each saw part of the windows, so pool them first
            parts: list[Any] = [None] * self.trainer.world_size
            torch.distributed.all_gather_object(parts, self.window_logits)
            self.window_logits = {k: v for part in parts for k, v in part.items()}
        scores = self.score(self.eval_set)
        # Every rank scored the same pooled windows: sync_dist averages equal numbers (and keeps DDP quiet).
        self.log("val_em", scores["exact_match"], prog_bar=True, sync_dist=True)
        self.log("val_f1", scores["f1"], prog_bar=True, sync_dist=True)

    def score(self, eval_set: QaEvalSet) -> dict[str, float]:
        """Decode the answers from the logits of this validation pass and compute the official EM/F1."""
        answers = self.predictions(eval_set)
        return korquad_scores(eval_set.golds(), {e.id: a[0]["text"] for e, a in zip(eval_set.examples, answers)})

    def predictions(self, eval_set: QaEvalSet) -> list[list[dict[str, Any]]]:
        """The n-best answers of each example from the logits of the last validation pass."""
        n = len(eval_set.features)
        starts = [self.window_logits.get(i, (None, None))[0] for i in range(n)]
        ends = [self.window_logits.get(i, (None, None))[1] for i in range(n)]
        hp = self.hparams
        return decode_answers(eval_set.examples, eval_set.features, starts, ends, hp.n_best, hp.max_answer_length)

# %% [markdown] id=qa-task-make-md
# 위에서 정의한 클래스로 태스크를 만듭니다. 최적화 옵션은 설정에서, 디코딩 옵션은 1절의 `n_best`와 `max_answer_length`에서 가져옵니다.

# %% id=cell-25
task = QuestionAnsweringTask(model, QaEvalSet(val_examples, val_features), settings.learning_rate,
                             settings.weight_decay, settings.warmup_ratio, qa_option(settings, "n_best"),
                             qa_option(settings, "max_answer_length"))

# %% [markdown] id=cell-26
# ## 7절. 학습
# 검증 F1이 가장 좋은 체크포인트를 `best-...ckpt`로 남기도록 `monitor="val_f1"`, `mode="max"`로 Trainer를 만듭니다.
# 중간에 끊긴 실행은 `fit_or_resume`이 `last.ckpt`에서 이어 갑니다. 아래 표는 에폭마다의 검증 손실, EM, F1입니다.

# %% id=cell-27
from helpers.core.plots import epoch_table
from helpers.core.training import build_trainer, fit_or_resume, metrics_csv

trainer = build_trainer(settings, monitor="val_f1", mode="max")
fit_or_resume(trainer, task, train_loader, val_loader, settings)
print(epoch_table(metrics_csv(settings), ("val_loss", "val_em", "val_f1")))

# %% [markdown] id=cell-28
# ## 8절. 평가
# 가장 좋은 체크포인트를 다시 불러와 검증 데이터 전체로 EM과 F1을 잽니다. 학습 곡선도 그려 봅니다.
#
# 주의: 실제 실행에서 검증 데이터는 KorQuAD 공식 개발(dev) 파일입니다(공식 테스트 데이터는 공개되지 않았습니다). 같은
# 개발 데이터로 가장 좋은 체크포인트를 고르고 그 점수를 보고하므로, 이 점수는 처음 보는 데이터에서의 점수보다 **조금
# 낙관적**입니다. 엄밀하게 하려면 학습 데이터에서 문서 단위로 검증 데이터를 떼어 내 체크포인트를 고르고, 개발 데이터는
# 마지막에 한 번만 채점하세요. 에폭이 2뿐이라 고를 체크포인트가 둘이므로 차이는 크지 않습니다.
#
# 실제 실행에서 기대할 점수: KcBERT 저장소의 README는 KcBERT-base의 KorQuAD 1.0 개발 데이터 점수를 대략 EM 60, F1 84로
# 보고합니다. 같은 크기의 다른 한국어 모델(KoELECTRA-base-v2, HanBERT)은 같은 표에서 대략 EM 80 안팎, F1 90 이상입니다.
# KcBERT는 위키백과가 아닌 뉴스 댓글로 사전학습했고, 4절에서 본 EM의 천장(78.1)도 있어 EM이 특히 낮습니다.

# %% id=cell-29
from pathlib import Path

from helpers.core.plots import plot_learning_curves
from helpers.core.training import best_or_current

metrics = trainer.validate(task, val_loader, ckpt_path=best_or_current(trainer), verbose=False)[0]
print(f"EM {metrics['val_em']:.2f}, F1 {metrics['val_f1']:.2f} (검증 질문 {len(val_examples):,}개)")
plot_learning_curves(metrics_csv(settings), save_to=Path(settings.output_dir) / "learning_curves.png",
                     metrics=("loss", "f1"));

# %% [markdown] id=cell-30
# ## 9절. 예측 살펴보기
# `answer_question`은 질문과 지문만 받아 답, 글자 위치, 점수, 확률과 n-best 목록을 돌려줍니다(나중의 데모도 이 함수를 씁니다).
# 노란 배경이 예측한 답, 초록 밑줄이 정답입니다. (빠른 점검 모드의 작은 모델은 몇 스텝만 배웠으므로 엉뚱한 답이 나와도 정상입니다.)

# %% id=cell-31
from IPython.display import HTML, display

from helpers.question_answering.pipeline import answer_question, highlight_answer

result = answer_question(task.model, tokenizer, example.question, example.context, settings.max_seq_length, stride,
                         n_best=5)
print("질문:", example.question)
print(f"예측: {result['text']!r} (확률 {result['probability']:.2f}) | 정답: {answer.text!r}")
display(HTML(highlight_answer(example.context, (result["start"], result["end"]), (answer.start, answer.end))))
for rank, candidate in enumerate(result["n_best"], start=1):
    print(f"  {rank}. {candidate['text']!r:30} 점수 {candidate['score']:.2f}, 확률 {candidate['probability']:.2f}")

# %% [markdown] id=cell-32
# ## 10절. 모델 저장과 다시 불러오기
# `save_pretrained`로 가중치(safetensors)와 설정, 토크나이저를 한 폴더에 저장하고, 다시 불러와 새 질문에 답해 봅니다.

# %% id=cell-33
from transformers import BertForQuestionAnswering

from helpers.core.models import save_model

saved = save_model(task, tokenizer, Path(settings.output_dir) / "model")
reloaded = BertForQuestionAnswering.from_pretrained(saved)
context = "세종대왕은 1418년에 조선의 제4대 임금으로 즉위하였다. 1443년에는 훈민정음을 창제하였다."
for question in ("훈민정음을 만든 사람은?", "세종대왕이 즉위한 해는?"):
    print(question, "->", repr(answer_question(reloaded, tokenizer, question, context)["text"]))

# %% [markdown] id=exercises-12
# ## 11절. 연습 문제
# 답은 `...` 자리에 쓰고 실행하세요. `check`가 정답인지 판정하고, 틀리면 힌트를 보여 줍니다. 답이 실행 환경에 따라 달라지지
# 않도록 저장소에 든 작은 토크나이저와 빠른 점검 모드 설정(`sample_settings`)으로 풉니다.

# %% id=exercises-12-setup
from helpers.exercises.book import check
from helpers.exercises.tasks import QA_GOLD, QA_PREDICTION, qa_windows, sample_settings

print("예측:", QA_PREDICTION, "| 정답:", QA_GOLD)
sample_features = qa_windows(64)  # QA_QUESTION over LONG_QA_CONTEXT, max_seq_length 256, doc_stride 64
print(f"창 {len(sample_features)}개, 창마다 지문 토큰의 (처음, 끝) 위치: {sample_features.context_spans}")

# %% [markdown] id=exercise-12-em-f1
# ### 연습 1. EM과 F1 손으로 계산하기
# 예측 `QA_PREDICTION`과 정답 `QA_GOLD`의 (EM, F1)을 직접 계산해 `(0.0, 0.5)`처럼 답하세요. 조사 하나가 더 붙은 답이
# EM에서는 몇 점이고 F1에서는 몇 점인지 보는 문제입니다.

# %% id=exercise-12-em-f1-code
answer = ...  # 여기에 답을 쓰세요
check("12-em-f1", answer)

# %% [markdown] id=exercise-12-window-step
# ### 연습 2. 겹침과 스텝
# `sample_features`에서 첫 창에 든 지문 토큰 수와, 둘째 창이 첫 창보다 몇 토큰 뒤에서 시작하는지를
# `(지문 토큰 수, 거리)`로 답하세요. 이 거리가 책과 Google BERT의 `doc_stride`이고, 이 코스의 `doc_stride`(64)는 겹침입니다.

# %% id=exercise-12-window-step-code
answer = ...  # 여기에 답을 쓰세요
check("12-window-step", answer)

# %% [markdown] id=cell-34
# ## 정리
# - 긴 지문은 겹치는 창으로 자르고, 오프셋으로 답의 시작·끝 토큰을 찾습니다. 답이 없는 창은 `[CLS]`를 가리킵니다.
# - 예측은 한 질문의 모든 창에서 n-best 후보를 모아 가장 좋은 구간을 고르고, 오프셋으로 원문을 잘라 냅니다.
# - 채점은 KorQuAD 공식 EM(정규화 후 완전 일치)과 글자 단위 F1입니다. WordPiece는 조사를 앞말에 붙이는 일이 많아
#   토큰 구간으로는 답을 글자 그대로 나타내지 못하는 경우가 있고(KcBERT 어휘로 개발 데이터의 21.9%), 이것이 EM의 천장(78.1)이 됩니다.
# - 실제 실행의 검증 점수는 체크포인트 선택에도 쓴 개발 데이터의 점수라 조금 낙관적입니다.
# - 한 번에 끝까지 돌리려면 `python -m helpers.train question-answering --set corpus_name=korquad --set output_dir=outputs/question-answering --set max_seq_length=256`을 쓰면 됩니다.
#
# 다음: 저장한 모델로 지문에서 답을 찾아 보여 주는 데모는 **23 노트북**(`23_question_answering_inference.ipynb`)에 있습니다.
