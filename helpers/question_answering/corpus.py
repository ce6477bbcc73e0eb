"""KorQuAD 1.0 (SQuAD v1.1 JSON): download when missing, read every question exactly, split by article."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.core.corpora import (
    CorpusFormatError,
    ProblemLog,
    read_utf8_text,
    require_rows,
    split_train_validation,
    take_rows,
)
from helpers.core.corpus_files import ensure_raw_files
from helpers.core.settings import CourseSettings

KORQUAD_FILES = {"train": "KorQuAD_v1.0_train.json", "dev": "KorQuAD_v1.0_dev.json"}
KORQUAD_URL = "https://korquad.github.io/dataset/"


@dataclass(frozen=True)
class Answer:
    """One gold answer: its text and the character where it starts in the context."""

    text: str
    start: int

    @property
    def end(self) -> int:
        """Character just after the answer."""
        return self.start + len(self.text)


@dataclass(frozen=True)
class QaExample:
    """One question about one context, with its gold answers and the article it belongs to."""

    id: str
    question: str
    context: str
    answers: tuple[Answer, ...]
    title: str = ""
    article: int = 0


def json_field(node: Any, key: str, kind: type, path: Path, where: str) -> Any:
    """`node[key]`, checked to be of `kind`, or CorpusFormatError naming the file and the JSON location."""
    value = node.get(key) if isinstance(node, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CorpusFormatError(path, None, f"{where}: expected {kind.__name__} field {key!r}, got {value!r:.80}")
    return value


def parse_answer(raw: Any, context: str, qid: str, path: Path) -> Answer:
    """Check that the answer text stands at answer_start in the context; raise naming the question id."""
    text = json_field(raw, "text", str, path, f"question {qid}")
    start = json_field(raw, "answer_start", int, path, f"question {qid}")
    if not text.strip():
        raise CorpusFormatError(path, None, f"question {qid}: empty answer text")
    if context[start : start + len(text)] != text:
        found = context[max(0, start) : start + len(text)]
        raise CorpusFormatError(path, None, f"question {qid}: answer {text!r} is not at answer_start={start} "
                                            f"(the context has {found!r} there)")
    return Answer(text, start)


def read_question(qa: Any, context: str, where: str, path: Path) -> tuple[str, str, tuple[Answer, ...]]:
    """(id, question, answers) of one `qas` entry; a missing field, empty question or misplaced answer raises."""
    qid = str(json_field(qa, "id", str, path, where))
    question = json_field(qa, "question", str, path, f"question {qid}")
    raw = json_field(qa, "answers", list, path, f"question {qid}")
    if not question.strip() or not raw:
        raise CorpusFormatError(path, None, f"question {qid}: empty question or no answer")
    problems = ProblemLog(path)
    answers = []
    for r in raw:
        with problems.collecting():
            answers.append(parse_answer(r, context, qid, path))
    problems.raise_if_any()
    return qid, question, tuple(answers)


def read_articles(articles: list[Any], path: Path, problems: ProblemLog) -> tuple[list[QaExample], int]:
    """Every question of the `data` list and the number of paragraphs; bad entries are recorded in `problems`."""
    examples: list[QaExample] = []
    paragraphs = 0
    for a, article in enumerate(articles):
        title = article.get("title", "") if isinstance(article, dict) else ""
        with problems.collecting():
            for p, paragraph in enumerate(json_field(article, "paragraphs", list, path, f"article {a}")):
                with problems.collecting():
                    context = json_field(paragraph, "context", str, path, f"article {a} paragraph {p}")
                    paragraphs += 1
                    for q, qa in enumerate(json_field(paragraph, "qas", list, path, f"article {a} paragraph {p}")):
                        with problems.collecting():
                            qid, question, answers = read_question(qa, context, f"article {a} paragraph {p} "
                                                                                f"question {q}", path)
                            examples.append(QaExample(qid, question, context, answers, str(title), a))
    return examples, paragraphs


def read_korquad(path: str | Path, verbose: bool = True) -> list[QaExample]:
    """Read every question of a KorQuAD 1.0 / SQuAD v1.1 file; bad JSON raises, and all bad questions in one error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: corpus file not found")
    try:
        document = json.loads(read_utf8_text(path))
    except json.JSONDecodeError as err:
        raise CorpusFormatError(path, err.lineno, f"invalid JSON at column {err.colno}: {err.msg} (a truncated "
                                                  "download? delete the file and run again)") from None
    articles = json_field(document, "data", list, path, "top level")
    problems = ProblemLog(path)
    examples, paragraphs = read_articles(articles, path, problems)
    problems.raise_if_any()
    require_rows(examples, path, "questions", 'its "data" list holds no question (a cut-off download? delete it '
                                              "and run again)")
    if verbose:
        print(f"{path}에서 질문 {len(examples):,}개를 읽었습니다 "
              f"(read {len(examples):,} questions ({paragraphs:,} paragraphs, {len(articles):,} articles))")
    return examples


def split_by_article(examples: list[QaExample], val_fraction: float,
                     seed: int) -> tuple[list[QaExample], list[QaExample]]:
    """Train and validation questions from disjoint articles (no context is seen in both)."""
    articles = sorted({e.article for e in examples})
    train_ids, _ = split_train_validation(articles, val_fraction, seed, f"the {len(articles)} articles of the dev file")
    keep = set(train_ids)
    return [e for e in examples if e.article in keep], [e for e in examples if e.article not in keep]


def korquad_paths(settings: CourseSettings) -> tuple[Path | None, Path]:
    """The train file (None when absent and not downloadable) and the dev file, downloading what is missing."""
    folder = Path(settings.corpus_root_dir) / "korquad"
    urls = {name: KORQUAD_URL + name for name in KORQUAD_FILES.values()}
    (dev,) = ensure_raw_files(folder, {KORQUAD_FILES["dev"]: urls[KORQUAD_FILES["dev"]]})
    train = folder / KORQUAD_FILES["train"]
    if not train.is_file() and settings.smoke:
        return None, dev  # smoke runs stay offline
    try:
        ensure_raw_files(folder, {train.name: urls[train.name]})
    except FileNotFoundError as err:
        print(f"{err}\n-> going on with the dev file only")
        return None, dev
    return train, dev


def read_korquad_splits(settings: CourseSettings) -> tuple[list[QaExample], list[QaExample]]:
    """Train and validation questions: the train and dev files, or the dev file split by article (said)."""
    train_path, dev_path = korquad_paths(settings)
    dev = read_korquad(dev_path)
    if train_path is not None:
        train, val = read_korquad(train_path), dev
    else:
        train, val = split_by_article(dev, settings.val_fraction, settings.seed)
        print(f"{KORQUAD_FILES['train']} is absent: split the dev file in memory by article into "
              f"{len(train):,} train and {len(val):,} validation questions (val_fraction={settings.val_fraction}); "
              "scores are then not comparable with the official dev scores")
    return (take_rows(train, settings.limit_train_rows, "train", settings.seed),
            take_rows(val, settings.limit_eval_rows, "validation", settings.seed))
