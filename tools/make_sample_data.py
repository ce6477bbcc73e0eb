"""Write the tiny WordPiece vocab of smoke runs (helpers/sample_data/tiny-wordpiece).

Run from the repository root: `python tools/make_sample_data.py`. The output is committed, so users never
need to run this; it documents how the file was made. The vocab was trained on templated reviews that were
once the embedded NSMC sample; they are still generated here (in memory, same seed) so that the vocab comes
out with the same tokens (the order of equally frequent pieces may differ between runs, as it did
before). The embedded NSMC sample itself is now real reviews: tools/make_nsmc_sample.py.
"""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "helpers" / "sample_data"

SUBJECTS = ["이 영화", "스토리", "배우들 연기", "연출", "음악", "결말", "주인공", "영상미", "대사", "전개",
            "이번 작품", "감독의 신작", "캐릭터들", "액션 장면", "후반부"]
POSITIVE = ["정말 재밌었어요", "최고였다", "감동적이네요", "완전 강추합니다", "훌륭했다", "몰입감 대박",
            "너무 좋았어요", "인생 영화 등극", "눈물이 났어요", "다시 보고 싶다", "기대 이상이었음",
            "시간 가는 줄 몰랐다", "10점 만점에 10점", "명작입니다"]
NEGATIVE = ["너무 지루했다", "최악이었음", "시간 아까움", "별로였어요", "실망스럽다", "돈 아깝다",
            "보다가 잤다", "유치하기 짝이 없다", "다시는 안 본다", "기대 이하였음", "억지스럽다",
            "1점도 아깝다", "개연성이 없음", "졸작입니다"]
ENDINGS = ["", "", "", " ㅋㅋ", " ㅠㅠ", "!!", "...", " 진짜", " ^^", " ㅡㅡ", "?!"]
CONTRASTS = [("초반은 {neg}지만 결국 {pos}", 1), ("{subj} 좋다는 말 듣고 봤는데 {neg}", 0),
             ('"{pos}" 라는 평이 딱 맞다', 1), ('"{neg}" 라는 평에 동의함', 0)]


def review(rng: random.Random, label: int) -> str:
    """One templated review with the given sentiment label."""
    pos, neg = rng.choice(POSITIVE), rng.choice(NEGATIVE)
    if rng.random() < 0.2:
        template, t_label = rng.choice([c for c in CONTRASTS if c[1] == label])
        text = template.format(pos=pos, neg=neg.rstrip("다음요").rstrip() or neg, subj=rng.choice(SUBJECTS))
    else:
        text = f"{rng.choice(SUBJECTS)} {pos if label else neg}"
        if rng.random() < 0.3:
            text += f" {rng.choice(SUBJECTS)}도 {rng.choice(POSITIVE if label else NEGATIVE)}"
    return text + rng.choice(ENDINGS)


def templated_split(rows: int, rng: random.Random) -> list[str]:
    """Texts of a balanced, shuffled split of templated reviews."""
    labels = [i % 2 for i in range(rows)]
    rng.shuffle(labels)
    return [review(rng, y) for y in labels]


def write_vocab(texts: list[str], folder: Path, size: int = 2000) -> None:
    """Train a cased WordPiece vocab on the sample texts and save it as a BERT tokenizer folder."""
    from tokenizers import BertWordPieceTokenizer

    tok = BertWordPieceTokenizer(lowercase=False, strip_accents=False)
    tok.train_from_iterator(texts, vocab_size=size, min_frequency=1,
                            special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    folder.mkdir(parents=True, exist_ok=True)
    tok.save_model(str(folder))
    # Add every common Hangul syllable (KS X 1001) and printable ASCII character, word-initial and as a
    # `##` continuation, so any Korean text tokenises without [UNK] in smoke runs of every task.
    hangul = bytes(b for hi in range(0xB0, 0xC9) for lo in range(0xA1, 0xFF) for b in (hi, lo)).decode("euc-kr")
    chars = list(hangul) + [chr(c) for c in range(33, 127)]
    vocab_file = folder / "vocab.txt"
    vocab = vocab_file.read_text(encoding="utf-8").split("\n")
    vocab = [v for v in vocab if v]
    known = set(vocab)
    vocab += [t for c in chars for t in (c, "##" + c) if t not in known]
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (folder / "tokenizer_config.json").write_text('{"do_lower_case": false, "model_max_length": 300}\n')


def main() -> None:
    """Regenerate the templated texts in memory and write the vocab trained on them."""
    rng = random.Random(20261125)
    train = templated_split(1200, rng)
    test = templated_split(400, rng)
    write_vocab(train + test, ROOT / "tiny-wordpiece")
    print(f"wrote the vocab under {ROOT / 'tiny-wordpiece'}")


if __name__ == "__main__":
    main()
