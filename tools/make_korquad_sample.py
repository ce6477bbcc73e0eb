"""Write the embedded offline KorQuAD-format sample (invented articles about invented people, festivals, islands).

Run from the repository root: `python tools/make_korquad_sample.py`. Every sentence is made up from the
templates below; the file has the SQuAD v1.1 layout of KorQuAD_v1.0_dev.json (only the dev file, so smoke runs
exercise the in-memory split by article, like the offline shared data).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "helpers" / "sample_data" / "korquad" / "KorQuAD_v1.0_dev.json"


def has_final(word: str) -> bool:
    """True when the last Hangul syllable of `word` has a final consonant (batchim)."""
    for ch in reversed(word):
        if "가" <= ch <= "힣":
            return (ord(ch) - 0xAC00) % 28 != 0
        if ch.isdigit():
            return ch in "013678"
    return False


def josa(word: str, pair: str) -> str:
    """`word` plus the particle form that fits it: pair is '은는', '이가', '을를', '과와' or '으로'."""
    if pair == "으로":
        last = next((c for c in reversed(word) if "가" <= c <= "힣"), "가")
        rieul = (ord(last) - 0xAC00) % 28 == 8
        return word + ("으로" if has_final(word) and not rieul else "로")
    return word + (pair[0] if has_final(word) else pair[1])


NAMES = ["한서윤", "도경민", "윤채아", "백승호", "남궁민서", "서하람", "여진우", "차다온", "표은결", "기예린"]
TOWNS = ["가람시", "누리군", "다솔시", "라온읍", "마루시", "바다골", "솔빛군", "아라시", "자람읍", "하늬시"]
JOBS = ["화가", "작곡가", "소설가", "건축가", "천문학자", "요리사", "사진작가", "무용가", "조각가", "영화감독"]
HOBBIES = ["그림 그리기", "피아노 연주", "일기 쓰기", "블록 쌓기", "별 관찰", "빵 굽기", "산책", "춤", "흙 놀이", "만화 읽기"]
SCHOOLS = ["가람예술고등학교", "한빛대학교", "누리공과대학", "다솜음악원", "새벽대학교"]
WORKS = ["푸른 새벽", "바람의 노래", "잃어버린 정원", "유리 계단", "별이 지는 마을", "소금 창고", "겨울 편지",
         "늦은 오후의 기차", "작은 등대", "달빛 시장"]
AWARDS = ["새봄문화상", "은하예술상", "누리창작대상", "한울상", "청명상"]
THEMES = ["가족의 화해", "도시의 고독", "잊힌 고향", "바다와 노동", "우정과 이별"]
CRITICS = ["오지호", "마서진", "권나래", "임태윤", "송하율"]
PRODUCTS = ["복숭아", "옥수수", "참외", "미역", "송이버섯", "딸기", "감자", "녹차", "배", "굴"]
ORGANIZERS = ["군청 문화과", "지역 청년회", "상인 연합회", "시립 박물관", "마을 협동조합"]
EVENTS = ["등불 행진", "뗏목 경주", "연날리기 대회", "줄다리기", "가면 행렬"]
LANDMARKS = ["옛 기차역", "시청 광장", "느티나무 언덕", "돌다리", "중앙 시장"]
RIVERS = ["은빛강", "맑은내", "소리천", "버들강", "노을천"]
ISLANDS = ["구름섬", "바람섬", "솔섬", "고래섬", "달섬", "모래섬", "안개섬", "별섬", "여울섬", "물새섬"]
BIRDS = ["흰목물떼새", "검은머리갈매기", "붉은발도요", "푸른깃제비", "얼룩부리오리"]
RESEARCHERS = ["하도윤", "김라희", "정우솔", "문가온", "배시우"]


def person(rng: random.Random, i: int) -> dict:
    """An article about an invented artist: birth, schooling, first work, award, critique."""
    name, town, job = NAMES[i], rng.choice(TOWNS), JOBS[i]
    born = rng.randint(1940, 1985)
    debut, award_year = born + rng.randint(20, 28), born + rng.randint(30, 45)
    work, work2 = rng.sample(WORKS, 2)
    school, award, theme = rng.choice(SCHOOLS), rng.choice(AWARDS), rng.choice(THEMES)
    critic, home = rng.choice(CRITICS), rng.choice([t for t in TOWNS if t != town])
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    p1 = (f"{josa(name, '은는')} {born}년 {month}월 {day}일 {town}에서 태어난 대한민국의 {job}이다. "
          f"어린 시절 {josa(HOBBIES[i], '을를')} 즐겼고, {josa(school, '을를')} 졸업하였다. "
          f"{debut}년 첫 작품 {josa(f'《{work}》', '을를')} 발표하며 이름을 알렸다.")
    p2 = (f"{award_year}년 {josa(name, '은는')} {josa(f'《{work2}》', '으로')} "
          f"{josa(award, '을를')} 받았다. 이 작품은 {josa(theme, '을를')} 다루었으며, 평론가 {josa(critic, '은는')} "
          f"\"오래 남을 {job}의 목소리\"라고 평가하였다. {josa(name, '은는')} 현재 {home}에 머물며 후학을 가르치고 있다.")
    q1 = [(f"{josa(name, '이가')} 태어난 곳은?", town), (f"{name}의 직업은 무엇인가?", job),
          (f"{josa(name, '이가')} {debut}년에 발표한 첫 작품의 제목은?", work),
          (f"{josa(name, '이가')} 졸업한 학교는?", school), (f"{name}의 어린 시절 취미는?", HOBBIES[i])]
    q2 = [(f"{josa(name, '이가')} {josa(award, '을를')} 받은 해는?", f"{award_year}년"),
          (f"《{work2}》에서 다룬 주제는?", theme), (f"{name}의 작품을 평가한 평론가는 누구인가?", critic),
          (f"{josa(name, '이가')} 현재 머무는 곳은?", home)]
    return {"title": name, "paragraphs": [(p1, q1), (p2, q2)]}


def festival(rng: random.Random, i: int) -> dict:
    """An article about an invented festival; its first paragraph opens with the answer to a question."""
    town, product = TOWNS[i], PRODUCTS[i]
    name = f"{town[:-1]} {product} 축제"
    year, month, day = rng.randint(1990, 2015), rng.randint(4, 10), rng.randint(1, 28)
    organizer, visitors = rng.choice(ORGANIZERS), rng.choice(["3천", "5천", "1만", "2만"])
    event, landmark, river, teams = rng.choice(EVENTS), rng.choice(LANDMARKS), rng.choice(RIVERS), rng.randint(12, 60)
    date = f"{year}년 {month}월 {day}일"
    p1 = (f"{date} {town}에서 제1회 {josa(name, '이가')} 열렸다. 이 축제는 지역 특산물인 {josa(product, '을를')} "
          f"알리기 위해 {josa(organizer, '이가')} 기획하였다. 첫해에는 약 {visitors} 명이 방문하였다.")
    p2 = (f"축제의 대표 행사는 {event}이다. {town}의 {landmark}에서 시작하여 {river} 강변까지 이어지는 이 행사에는 "
          f"매년 {teams}개 팀이 참가한다. 행사가 끝나면 참가자들은 {product} 요리를 나누어 먹는다.")
    q1 = [(f"제1회 {josa(name, '이가')} 열린 날짜는?", date),
          (f"{name}에서 알리고자 한 특산물은?", product, "특산물인"), (f"{josa(name, '을를')} 기획한 곳은?", organizer),
          (f"{name} 첫해의 방문객 수는?", f"약 {visitors} 명")]
    q2 = [(f"{name}의 대표 행사는 무엇인가?", event), (f"{josa(event, '이가')} 시작되는 장소는?", landmark),
          (f"{event}에는 매년 몇 개 팀이 참가하는가?", f"{teams}개 팀"),
          (f"{josa(event, '이가')} 끝나는 곳은?", f"{river} 강변")]
    return {"title": name, "paragraphs": [(p1, q1), (p2, q2)]}


def island(rng: random.Random, i: int) -> dict:
    """An article about an invented island and a bird found there."""
    name, bird, who = ISLANDS[i], rng.choice(BIRDS), rng.choice(RESEARCHERS)
    area, people, found = round(rng.uniform(0.5, 9.5), 1), rng.randint(40, 900), rng.randint(1970, 2010)
    port = rng.choice(TOWNS)
    p1 = (f"{josa(name, '은는')} 서해에 있는 면적 {area}㎢의 작은 섬으로, {people}명이 산다. "
          f"{port} 항구에서 배로 약 {rng.randint(1, 4)}시간 걸리며, 하루 두 번 여객선이 다닌다. "
          f"주민 대부분은 (김 양식)과 어업으로 생계를 꾸린다.")
    p2 = (f"{found}년 조류학자 {josa(who, '이가')} 섬 북쪽 갯벌에서 {josa(bird, '을를')} 처음 관찰하였다. "
          f"이 새는 봄마다 {name}에 들러 알을 낳는다. 이후 섬 북쪽 갯벌은 '{bird} 보호구역'으로 지정되었다.")
    q1 = [(f"{name}의 면적은?", f"{area}㎢"), (f"{name}에 사는 사람의 수는?", f"{people}명"),
          (f"{josa(name, '으로')} 가는 배가 출발하는 항구는?", f"{port} 항구"),
          (f"{name} 주민들의 생계 수단 두 가지는?", "(김 양식)과 어업")]
    q2 = [(f"{name}에서 {josa(bird, '을를')} 처음 관찰한 사람은?", f"조류학자 {who}"),
          (f"{josa(bird, '이가')} {name}에서 처음 관찰된 해는?", f"{found}년"),
          (f"{name} 북쪽 갯벌이 지정된 보호구역의 이름은?", f"'{bird} 보호구역'")]
    history = [f"{rng.randint(1600, 1890)}년 무렵 뭍에서 건너온 어부 몇 가구가 {name}에 처음 마을을 이루었다고 전한다."]
    events = ["큰 태풍이 지나가 방파제가 무너졌다", "섬에 작은 분교가 문을 열었다", "등대가 새로 세워졌다",
              "김 양식장이 두 배로 늘었다", "여객선 항로가 하나 더 생겼다", "마을 회관이 다시 지어졌다",
              "전기가 처음 들어왔다", "우체국 출장소가 생겼다", "해수욕장이 문을 열었다", "다리 공사가 논의되었다"]
    rng.shuffle(events)
    for decade, event in zip(range(1900, 2000, 10), events):  # a long paragraph: one context, several windows
        history.append(f"{decade}년대에는 {event}.")
    keeper = rng.choice(RESEARCHERS)
    history.append(f"지금의 등대지기는 {josa(keeper, '이가')} 맡고 있으며, 섬 사람들은 매년 가을 등대 아래에서 잔치를 연다.")
    p3 = " ".join(history)
    q3 = [(f"{name}의 등대지기는 누구인가?", keeper), (f"{name} 사람들이 매년 잔치를 여는 곳은?", "등대 아래")]
    return {"title": name, "paragraphs": [(p1, q1), (p2, q2), (p3, q3)]}


def to_squad(articles: list[dict]) -> dict:
    """SQuAD v1.1 JSON; answer_start is the first occurrence of the answer (after an optional cue phrase)."""
    data = []
    for a, article in enumerate(articles):
        paragraphs = []
        for p, (context, questions) in enumerate(article["paragraphs"]):
            qas = []
            for q, (question, answer, *cue) in enumerate(questions):
                start = context.find(answer, context.find(cue[0]) if cue else 0)
                assert start >= 0, (answer, context)
                qas.append({"answers": [{"text": answer, "answer_start": start}],
                            "id": f"sample-{a}-{p}-{q}", "question": question})
            paragraphs.append({"qas": qas, "context": context})
        data.append({"paragraphs": paragraphs, "title": article["title"]})
    return {"version": "KorQuAD_v1.0_dev", "data": data}


def main() -> None:
    """Build 30 invented articles and write them as the sample dev file."""
    rng = random.Random(2024)
    articles = [make(rng, i) for i in range(10) for make in (person, festival, island)]
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(to_squad(articles), ensure_ascii=False), encoding="utf-8")
    n = sum(len(q) for a in articles for _, q in a["paragraphs"])
    print(f"wrote {TARGET}: {len(articles)} articles, {n} questions")


if __name__ == "__main__":
    main()
