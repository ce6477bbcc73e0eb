"""Write the embedded offline sample corpora of the pair-classification and NER notebooks.

Run from the repository root: `python tools/make_task_samples.py`. Every sentence is invented from the
templates below; the files copy only the real corpora's layouts (KLUE-NLI JSON, KorNLI TSV, KMOU NER blocks,
KLUE-NER character rows). The output is committed, so users never need to run this.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "helpers" / "sample_data"

PEOPLE = ["김민수", "이서연", "박지훈", "최유진", "정하늘", "강도윤", "조은비", "윤재현", "한소율", "임태오",
          "서지안", "문가람", "배수아", "노현우", "송다인"]
PLACES = ["부산", "서울", "제주도", "광주", "대전", "강릉", "인천항", "낙동강", "한라산", "목포", "울릉도"]
ORGS = ["바다신문", "한빛전자", "푸른숲재단", "새솔은행", "해양박물관", "동해시청", "별빛고등학교", "누리통신"]
DATES = ["2023년 3월 5일", "지난해", "올해 여름", "5월 1일", "어제", "다음 주 월요일", "2021년", "10월 9일"]
TIMES = ["오후 3시", "아침 9시 30분", "밤 11시", "새벽", "오전 10:30", "정오"]
QUANTITIES = ["3명", "열두 개", "500원", "2킬로미터", "스무 마리", "7번"]
KINDS = {"PS": PEOPLE, "LC": PLACES, "OG": ORGS, "DT": DATES, "TI": TIMES, "QT": QUANTITIES}
# A template is a list of eojeol specs: `{TYPE}` an entity (optionally `+particle` with `A|B` = after a final
# consonant | after a vowel), or `morpheme/POS+morpheme/POS` for plain words.
NER_TEMPLATES = [
    "{PS}+이|가/JKS {DT} {TI}+에/JKB {LC}+에서/JKB {OG} 관계자/NNG+들/XSN+과|와/JKB 만났/VV+다/EF+./SF",
    "{OG}+은|는/JX {DT} {LC}+에/JKB 새/MM 지점/NNG+을|를/JKO 열/VV+었다/EF+./SF",
    "{PS}+은|는/JX {LC}+에서/JKB 태어났/VV+다/EF+./SF",
    "{DT} {TI}+부터/JX {LC}+에/JKB 비/NNG+가/JKS 내렸/VV+다/EF+./SF",
    "{PS}+의/JKG 가족/NNG+은/JX {LC}+으로|로/JKB 이사/NNG+했/XSV+다/EF+./SF",
    "{OG}+은|는/JX {PS}+을|를/JKO 새/MM 대표/NNG+로/JKB 뽑/VV+았다/EF+./SF",
    "{PS}+과|와/JKB {PS}+은|는/JX {TI}+에/JKB 함께/MAG 산책/NNG+했/XSV+다/EF+./SF",
    "그/MM 소식/NNG+은/JX {DT} {OG}+을|를/JKO 통해/VV 알려졌/VV+다/EF+./SF",
    "{LC}+의/JKG 날씨/NNG+는/JX {TI}+까지/JX 맑/VA+겠다/EF+./SF",
    "<공지>/SS {OG}+은|는/JX {DT} {TI}+에/JKB 문/NNG+을/JKO 닫/VV+는다/EF+./SF",
]
QT_TEMPLATES = [
    "{PS}+은|는/JX {LC}+에서/JKB 사과/NNG {QT}+을|를/JKO 샀/VV+다/EF+./SF",
    "{DT} {OG}+에는/JKB 손님/NNG {QT}+이|가/JKS 찾아왔/VV+다/EF+./SF",
]


def final_consonant(word: str) -> bool:
    """True when the last Hangul syllable of `word` ends in a consonant (digits read as 'not')."""
    code = ord(word[-1]) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


def entity_eojeols(kind: str, name: str, spec: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Eojeols of one entity slot: (surface, [(morpheme, POS, KMOU tag), ...]); the particle joins the last."""
    words = name.split(" ")
    out = [(w, [(w, "NNP", "B_" + kind if i == 0 else "I")]) for i, w in enumerate(words)]
    if spec:
        forms, _, pos = spec.partition("/")
        first, _, second = forms.partition("|")
        rieul = (ord(name[-1]) - 0xAC00) % 28 == 8 and first == "으로"  # 서울로, not 서울으로
        particle = first if (not second or final_consonant(name)) and not rieul else second
        surface, morphemes = out[-1]
        out[-1] = (surface + particle, morphemes + [(particle, pos, "O")])
    return out


def ner_sentence(rng: random.Random, template: str) -> tuple[str, str, list]:
    """Fill a template: (plain text, `<entity:TAG>` text, [(eojeol index, morpheme, POS, tag), ...])."""
    plain, tagged, rows = [], [], []
    for spec in template.split(" "):
        if spec.startswith("{"):
            kind, _, particle = spec[1:].partition("}+") if "}+" in spec else (spec[1:-1], "", "")
            name = rng.choice(KINDS[kind])
            eojeols = entity_eojeols(kind, name, particle)
            plain_part = " ".join(surface for surface, _ in eojeols)
            plain.append(plain_part)
            tagged.append(f"<{name}:{kind}>" + plain_part[len(name):])
        else:
            morphemes = [tuple(m.rsplit("/", 1)) + ("O",) for m in spec.split("+")]
            eojeols = [("".join(m for m, _, _ in morphemes), morphemes)]
            plain.append(eojeols[0][0])
            tagged.append(eojeols[0][0])
        for surface, morphemes in eojeols:
            index = len({r[0] for r in rows}) + 1
            rows += [(index, m, pos, tag) for m, pos, tag in morphemes]
    return " ".join(plain), " ".join(tagged), rows


def write_kmou(path: Path, count: int, rng: random.Random) -> None:
    """A KMOU NER file: `; text`, `$tagged`, morpheme rows, blank line; CRLF line ends like the original."""
    blocks = []
    for _ in range(count):
        text, tagged, rows = ner_sentence(rng, rng.choice(NER_TEMPLATES))
        blocks.append("\r\n".join([f"; {text}", f"${tagged}", *("\t".join(map(str, r)) for r in rows)]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n\r\n".join(blocks) + "\r\n\r\n").encode("utf-8"))


def klue_char_rows(tagged: str) -> list[str]:
    """KLUE-NER `character<TAB>BIO-tag` rows of a `<entity:TAG>` sentence."""
    import re

    rows, last = [], 0
    for match in re.finditer(r"<([^<>]*):([A-Z]{2})>", tagged):
        rows += [f"{c}\tO" for c in tagged[last : match.start()]]
        rows += [f"{c}\t{'B' if i == 0 else 'I'}-{match.group(2)}" for i, c in enumerate(match.group(1))]
        last = match.end()
    return rows + [f"{c}\tO" for c in tagged[last:]]


def write_klue_ner(path: Path, count: int, rng: random.Random) -> None:
    """A KLUE-NER v1.1 file: comment lines, then `## guid<TAB>tagged` and character rows per sentence."""
    lines = ["## 토큰, 레이블 구분자 : \\t", "## 토큰 구분자 : \\n", "## 문장 구분자 : \\n\\n", "## 주석 : ##",
             "## 컬럼명 : CHAR\tNE_TAG"]
    for i in range(count):
        _, tagged, _ = ner_sentence(rng, rng.choice(NER_TEMPLATES + QT_TEMPLATES * 3))
        lines += [f"## klue-ner-v1_dev_{i:05d}-sample\t{tagged}", *klue_char_rows(tagged), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


ACTIVITIES = [("도서관", "책을 읽었다", "책을 읽지 않았다", "책을 읽었다"), ("공원", "자전거를 탔다",
              "자전거를 타지 않았다", "자전거를 탔다"), ("시장", "과일을 샀다", "아무것도 사지 않았다", "과일을 샀다"),
              ("카페", "친구를 만났다", "친구를 만나지 못했다", "친구를 만났다"), ("바닷가", "사진을 찍었다",
              "사진을 한 장도 찍지 않았다", "사진을 찍었다"), ("식당", "점심을 먹었다", "점심을 굶었다", "점심을 먹었다")]
WHEN = ["토요일 오후에", "어제 아침에", "지난 주말에", "퇴근 후에", "방학 동안", "비 오는 날에"]
EXTRAS = ["가족과 함께", "혼자서 오랫동안", "처음으로", "아주 즐겁게", "두 시간 넘게"]


def nli_pair(rng: random.Random, label: str) -> tuple[str, str]:
    """An invented premise and a hypothesis that it entails, contradicts or leaves open (neutral)."""
    person, (place, done, not_done, _), when = rng.choice(PEOPLE), rng.choice(ACTIVITIES), rng.choice(WHEN)
    premise = f"{person}{'은' if final_consonant(person) else '는'} {when} {place}에서 {done}."
    subject = person + ("은" if final_consonant(person) else "는")
    if label == "entailment":
        hypothesis = rng.choice([f"{subject} {done}.", f"{subject} {place}에 갔다.", f"{when} {person}{'이' if final_consonant(person) else '가'} {place}에 있었다."])
    elif label == "contradiction":
        hypothesis = rng.choice([f"{subject} {when} {not_done}.", f"{subject} {when} 집 밖으로 나가지 않았다.",
                                 f"{subject} {place}에 간 적이 없다."])
    else:
        hypothesis = rng.choice([f"{subject} {rng.choice(EXTRAS)} {done}.", f"{subject} {place}에 자주 간다.",
                                 f"{subject} {done} 뒤에 기분이 좋아졌다."])
    return premise, hypothesis


def nli_rows(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """Balanced, shuffled (premise, hypothesis, label) rows."""
    labels = [("entailment", "neutral", "contradiction")[i % 3] for i in range(count)]
    rng.shuffle(labels)
    return [(*nli_pair(rng, label), label) for label in labels]


def write_klue_nli(path: Path, count: int, rng: random.Random, split: str) -> None:
    """A KLUE-NLI v1.1 JSON list (guid, source, premise, hypothesis, gold_label)."""
    items = [{"guid": f"klue-nli-v1_{split}_{i:05d}", "source": "sample", "premise": p, "hypothesis": h,
              "gold_label": y} for i, (p, h, y) in enumerate(nli_rows(rng, count))]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(items, ensure_ascii=False, indent=4) + "\n", encoding="utf-8")


def write_kornli(path: Path, count: int, rng: random.Random) -> None:
    """A KorNLI TSV file with its `sentence1<TAB>sentence2<TAB>gold_label` header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ["sentence1\tsentence2\tgold_label", *("\t".join(r) for r in nli_rows(rng, count))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def main() -> None:
    rng = random.Random(20261126)
    for name, count in (("ner.train", 160), ("ner.dev", 36), ("ner.test", 36)):
        write_kmou(ROOT / "kmou-ner" / name, count, rng)
    write_klue_ner(ROOT / "klue-ner" / "klue-ner-v1.1_dev.tsv", 80, rng)
    write_klue_nli(ROOT / "klue-nli" / "klue-nli-v1.1_train.json", 240, rng, "train")
    write_klue_nli(ROOT / "klue-nli" / "klue-nli-v1.1_dev.json", 60, rng, "dev")
    write_kornli(ROOT / "kornli" / "xnli.dev.ko.tsv", 60, rng)
    write_kornli(ROOT / "kornli" / "xnli.test.ko.tsv", 60, rng)
    print(f"wrote the KMOU NER, KLUE-NER, KLUE-NLI and KorNLI samples under {ROOT}")


if __name__ == "__main__":
    main()
