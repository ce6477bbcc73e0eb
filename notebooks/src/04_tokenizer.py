# Source of notebooks/04_tokenizer.ipynb: edit it here, then `make notebooks` (see README). The Colab
# badge and install cells come from tools/build_notebook.py; every `# %%` header carries its cell's id.

# %% [markdown] id=cell-00
# # 4. 토크나이저: 문장을 토큰 번호로
#
# 모델은 글자를 직접 읽지 못하고 **토큰 번호**만 읽습니다. KcBERT는 WordPiece 토크나이저를 씁니다.
# 자주 나오는 말은 통째로, 드문 말은 작은 조각(`##`로 시작)으로 나눠 어휘 30,000개로 거의 모든 문장을 표현합니다.
# 어휘의 조각으로 나눌 수 없는 단어는 통째로 `[UNK]`(모르는 토큰) 하나가 됩니다.
#
# **이 노트북을 마치면 할 수 있는 것**
# - 문장을 토큰으로 나누고 번호로 바꿨다가 다시 문장으로 되돌릴 수 있습니다.
# - 특수 토큰(`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`)의 역할을 설명하고, `[UNK]`가 생기는 경우를 찾을 수 있습니다.
# - 토큰이 원문의 어느 글자에서 왔는지(offset) 알아낼 수 있습니다.
# - KcBERT를 `do_lower_case=False`로 불러와야 하는 이유를 직접 보여 줄 수 있습니다.

# %% [markdown] id=load-tokenizer-md
# ## 1절. 토크나이저 불러오기
# 토크나이저는 `BertTokenizer.from_pretrained(출처)`로 불러옵니다. 출처는 03의 모델과 같습니다. 허브의 모델 이름이거나,
# 어휘 파일(`vocab.txt`)이 든 로컬 폴더(`model_dir`)입니다. 빠른 점검 모드에서는 강좌에 들어 있는 작은 어휘(5,000여 개)를 씁니다.
# transformers 5에서 `BertTokenizer`는 러스트로 구현된 빠른(fast) 토크나이저입니다. `do_lower_case=False`의 이유는 6절에서 봅니다.
# 아래 셀은 `helpers/core/models.py`의 함수와 글자 하나까지 같은 코드입니다.

# %% id=cell-03 tags=["library:helpers.core.models"]
from transformers import BertTokenizer

from helpers.core.models import EMBEDDED_TOKENIZER_DIR
from helpers.core.settings import CourseSettings, settings_from_env


def tokenizer_source(settings: CourseSettings) -> str:
    """Where the tokenizer comes from: the local model folder, the embedded tiny vocab (smoke), or the hub."""
    if settings.model_dir:
        return settings.model_dir
    if settings.smoke:
        return str(EMBEDDED_TOKENIZER_DIR)
    return settings.pretrained_model_name


def load_tokenizer(settings: CourseSettings) -> BertTokenizer:
    """Load the fast WordPiece tokenizer (BertTokenizer is the fast one in transformers 5), cased."""
    source = tokenizer_source(settings)
    # KcBERT is cased; lower-casing also strips accents via NFD, splitting Hangul into jamo the vocab lacks ([UNK]).
    return BertTokenizer.from_pretrained(source, do_lower_case=False)

# %% id=tokenizer-load
settings = settings_from_env()
tokenizer = load_tokenizer(settings)
print("토크나이저:", type(tokenizer).__name__, "| 출처:", tokenizer_source(settings), "| 어휘 수:", len(tokenizer))

# %% [markdown] id=cell-04
# ## 2절. 토큰으로 나누기
# `tokenize`는 문장을 토큰 문자열로 나눕니다. `##`로 시작하는 토큰은 앞 토큰에 붙어 있던 조각이라는 뜻입니다.

# %% id=cell-05
sentences = ["이 영화 정말 재밌어요ㅋㅋ", "배우들 연기가 미쳤다", "스토리가 개연성 제로..."]
for sentence in sentences:
    print(sentence, "->", tokenizer.tokenize(sentence))

# %% [markdown] id=cell-06
# ## 3절. 특수 토큰
# BERT는 문장 앞에 `[CLS]`, 끝에 `[SEP]`를 붙입니다. 분류 모델은 `[CLS]` 자리의 출력을 한 번 더 변환한 풀러 출력을 보고 판단합니다.
# 길이를 맞출 때 채우는 `[PAD]`, 사전학습에서 가린 자리를 뜻하는 `[MASK]`, 그리고 `[UNK]`가 있습니다.
# `[UNK]`는 글자 하나가 아니라 **단어 하나**를 대신합니다. WordPiece는 띄어쓰기로 나눈 단어를 어휘의 조각으로 쪼개 보고,
# 어느 한 부분이라도 조각이 없으면 그 단어 전체를 `[UNK]` 하나로 바꿉니다. 예를 들어 `⍼⍼를`은 `⍼`가 어휘에 없어서
# `[UNK]` 하나가 되고, 어휘에 있는 `를`까지 사라집니다. (한자는 예외로 글자마다 따로 떼어 내므로 `漢字`는 `[UNK]` 두 개입니다.)
# 실제 KcBERT 어휘에는 이모지가 900개 남짓(😀 😡 👍 🏻 …) 들어 있어 이모지는 대개 제 토큰을 얻고, `[UNK]`는 주로 한자와
# 드문 기호(㋡, 𠜎, ﷽)에서 나옵니다. 빠른 점검 모드의 작은 어휘는 이보다 훨씬 작아서 `[UNK]`가 더 자주 나옵니다.

# %% id=cell-07
for name in ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token"):
    token = getattr(tokenizer, name)
    print(f"{name:>10}: {token} -> {tokenizer.convert_tokens_to_ids(token)}")
print("⍼⍼를 봤다 ->", tokenizer.tokenize("⍼⍼를 봤다"))

# %% [markdown] id=cell-08
# ## 4절. 번호로 바꾸기와 되돌리기
# 토크나이저를 함수처럼 부르면 특수 토큰을 붙인 `input_ids`를 돌려줍니다. `decode`로 다시 문장으로 되돌릴 수 있습니다.
# (예전 코드에 보이는 `encode_plus` 대신 이렇게 직접 부르는 방식이 transformers 3(2020년)부터 권장됩니다.)

# %% id=cell-09
encoded = tokenizer(sentences[0])
print("input_ids:", encoded["input_ids"])
print("tokens   :", tokenizer.convert_ids_to_tokens(encoded["input_ids"]))
print("decode   :", tokenizer.decode(encoded["input_ids"], skip_special_tokens=True))

# %% [markdown] id=cell-10
# ## 5절. 글자 위치(offset) 알아내기
# 빠른(fast) 토크나이저는 각 토큰이 원문의 몇 번째 글자에서 왔는지도 함께 돌려줍니다. 개체명 인식과 질의응답에서 이 정보를 씁니다.

# %% id=cell-11
encoded = tokenizer(sentences[1], return_offsets_mapping=True)
for token, (start, end) in zip(encoded.tokens(), encoded["offset_mapping"]):
    print(f"{token:>8} -> {sentences[1][start:end]!r}")

# %% [markdown] id=cell-12
# ## 6절. 왜 `do_lower_case=False`인가
# 영어 BERT 중에는 모든 글자를 소문자로 바꾸고 악센트를 없애는 모델이 있습니다. KcBERT는 대소문자를 구분하도록(cased) 학습했으므로,
# 소문자로 바꾸면 `KBS`와 `kbs`처럼 학습 때와 다른 토큰이 나옵니다. 한국어에는 더 큰 문제가 있습니다. 소문자 변환은 악센트를
# 없애려고 글자를 유니코드 NFD로 분해하는데, 이때 한글 음절이 모두 자모로 갈라집니다(`재` → `ㅈ` + `ㅐ`). 갈라진 자모 조합은
# 어휘에 없으므로 한글 단어가 거의 모두 `[UNK]`가 됩니다. 실제 KcBERT 어휘에서도 `이 영화 정말 재밌어요ㅋㅋ`가
# `[UNK]` 네 개로 바뀝니다. 그래서 `do_lower_case=False`로 불러옵니다.

# %% id=cell-13
from transformers import BertTokenizer

lowering = BertTokenizer.from_pretrained(tokenizer_source(settings), do_lower_case=True)
for text in ("KBS 드라마 OST 최고", "이 영화 정말 재밌어요ㅋㅋ"):
    print("cased  :", tokenizer.tokenize(text))
    print("lowered:", lowering.tokenize(text))

# %% id=lowercase-jamo
import unicodedata

word = "재밌어요"
print(word, "-> NFD:", list(unicodedata.normalize("NFD", word)))

# %% [markdown] id=cell-14
# ## 7절. 연습 문제
# `...` 자리에 답을 쓰고 셀을 실행하면 정답인지 아닌지와 힌트가 출력됩니다. 어느 환경에서나 같은 답이 나오도록,
# 내장된 작은 연습용 어휘(`practice`, 5,000여 개)로 풉니다. KcBERT 어휘로도 해 보고 결과를 비교해 보세요.
#
# **문제 1.** 아래 신조어 리뷰 네 개(`SLANG_REVIEWS`)를 `practice`로 나누면 `[UNK]`는 모두 몇 개일까요?

# %% id=exercise-04-slang
from helpers.exercises.book import check
from helpers.exercises.samples import SLANG_REVIEWS, practice_tokenizer

practice = practice_tokenizer()
print(SLANG_REVIEWS)
answer = ...  # 여기에 답을 쓰세요
check("04-slang-unk", answer)

# %% [markdown] id=exercise-04-lowercase-md
# **문제 2.** `practice_tokenizer(lower_case=True)`로 소문자 변환을 켜고 `이 영화 정말 재밌어요ㅋㅋ`를 나누면 `[UNK]`가 몇 개 나올까요?
# 왜 그렇게 되는지도 한 문장으로 설명해 보세요.

# %% id=exercise-04-lowercase
answer = ...  # 여기에 답을 쓰세요
check("04-lowercase-unk", answer)

# %% [markdown] id=summary
# ## 정리
# - WordPiece는 단어를 어휘의 조각으로 나누고, 나눌 수 없는 단어는 통째로 `[UNK]` 하나로 바꿉니다.
# - 토크나이저를 함수처럼 부르면 `input_ids`(와 offset)를 얻고, `decode`로 되돌립니다.
# - 소문자 변환은 한글을 자모로 갈라 `[UNK]`로 만들기 때문에 KcBERT는 `do_lower_case=False`로 불러옵니다.
#
# 다음 노트북 **05 데이터로더**에서는 말뭉치 전체를 한 번에 토큰화하고, 배치마다 가장 긴 문장에 맞춰 패딩하는 데이터로더를 만듭니다.
