"""Write the embedded offline NSMC sample: real reviews (CC0 1.0) drawn with a recorded seed.

Run from the repository root with the full corpus at `../shared/data/nsmc` (or pass its folder):
`python tools/make_nsmc_sample.py [NSMC_FOLDER]`. The output is committed, so users never need to run this;
it documents how the files were made. Each split is balanced (half label 0, half label 1) and shuffled.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "helpers" / "sample_data" / "nsmc"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "nsmc"
SEED = 20261201
ROWS = {"ratings_train.txt": 4000, "ratings_test.txt": 2000}
HEADER = "id\tdocument\tlabel"


def read_rows(path: Path) -> list[tuple[str, str, int]]:
    """(id, document, label) of every row of one NSMC file with a non-empty review."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[0] != HEADER:
        raise ValueError(f"{path}:1: header {lines[0]!r} is not {HEADER!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        first, _, rest = line.partition("\t")
        document, sep, label = rest.rpartition("\t")
        if not sep or label not in ("0", "1"):
            raise ValueError(f"{path}:{number}: expected id<TAB>document<TAB>0/1, got {line!r}")
        if document.strip():
            rows.append((first, document, int(label)))
    return rows


def balanced_sample(rows: list[tuple[str, str, int]], count: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """`count` rows, half of each label, drawn without replacement and shuffled."""
    chosen = []
    for label in (0, 1):
        pool = [r for r in rows if r[2] == label]
        chosen += rng.sample(pool, count // 2)
    rng.shuffle(chosen)
    return chosen


def write_rows(path: Path, rows: list[tuple[str, str, int]]) -> None:
    """Write rows in NSMC's own format (header, tab-separated, LF line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{i}\t{d}\t{y}\n" for i, d, y in rows)
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8", newline="\n")


def main(source: Path = DEFAULT_SOURCE) -> None:
    """Draw both splits from the full corpus in `source` and write them under helpers/sample_data/nsmc."""
    rng = random.Random(SEED)
    for name, count in ROWS.items():
        rows = balanced_sample(read_rows(source / name), count, rng)
        write_rows(SAMPLE_DIR / name, rows)
        print(f"wrote {len(rows):,} rows ({sum(r[2] for r in rows):,} positive) to {SAMPLE_DIR / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
