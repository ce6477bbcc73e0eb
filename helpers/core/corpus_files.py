"""Corpus files that arrive partially: raw downloads (KLUE, KMOU NER, KorQuAD; checked, see downloads) and splits
from whatever is there."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping, Sequence, TypeVar

from helpers.core.corpora import split_train_validation, take_rows
from helpers.core.downloads import DownloadError, download_file
from helpers.core.settings import CourseSettings
from helpers.core.splits import Splits

T = TypeVar("T")


def ensure_raw_files(folder: str | Path, urls: Mapping[str, str]) -> list[Path]:
    """Return `folder/name` for each file name, downloading from its URL the ones that are missing."""
    folder = Path(folder)
    paths = [folder / name for name in urls]
    for path in paths:
        if path.is_file():
            continue
        print(f"{path} 파일이 없어 {urls[path.name]}에서 내려받습니다 ...")
        try:
            download_file(urls[path.name], path)
        except DownloadError:  # it arrived, but short or with other bytes: an error, not a missing file
            raise
        except Exception as err:  # network errors come in many types
            raise FileNotFoundError(
                f"{path.name} is missing from {folder} and the download from {urls[path.name]} failed "
                f"({type(err).__name__}: {err}). Download that file by hand and put it in {folder}/ "
                f"(or set corpus_root_dir / NLPBOOK_CORPUS_ROOT to a folder that has {folder.name}/{path.name})."
            ) from err
    return paths


def optional_download(fetch: Callable[[], Any]) -> None:
    """Run the download of files a corpus can do without (a training file); when it fails, say so and go on."""
    try:
        fetch()
    except FileNotFoundError as err:
        print(f"{err}\n-> 그 파일 없이 계속합니다 (going on without them)")


def fetch_raw_corpus(folder: str | Path, urls: Mapping[str, str], required: str, download_missing: bool) -> None:
    """Download the `required` file when it is absent (an error if that fails), then the other missing files when
    this is the first download or `download_missing` is set (going on without them if that fails)."""
    folder = Path(folder)
    first_time = not (folder / required).is_file()
    if first_time:
        ensure_raw_files(folder, {required: urls[required]})
    missing = {name: url for name, url in urls.items() if not (folder / name).is_file()}
    if missing and (first_time or download_missing):
        optional_download(partial(ensure_raw_files, folder, missing))


def carve(rows: Sequence[T], settings: CourseSettings, name: str, into: str,
          group: Callable[[T], Hashable] | None = None) -> tuple[list[T], list[T]]:
    """Split `rows` into (rest, held-out) by the settings' val_fraction and seed, and say so.

    With `group`, rows sharing a key (e.g. the premise that KLUE-NLI pairs with three hypotheses) stay on
    one side, so a model cannot score by remembering a premise it was trained on.
    """
    groups: dict[Hashable, list[T]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(group(row) if group else i, []).append(row)
    what = f"the {len(groups):,} {group.__name__} groups of {name}" if group else name
    rest, held = split_train_validation(list(groups.values()), settings.val_fraction, settings.seed, what)
    rest, held = [r for g in rest for r in g], [r for g in held for r in g]
    kept = f", keeping the {len(groups):,} groups of equal {group.__name__} whole" if group else ""
    print(f"split {name} ({len(rows):,} rows) in memory into {len(rest):,} and {len(held):,} {into} rows "
          f"(val_fraction={settings.val_fraction}, seed={settings.seed}{kept})")
    return rest, held


def splits_from_files(files: Mapping[str, Sequence[T]], settings: CourseSettings,
                      group: Callable[[T], Hashable] | None = None) -> Splits:
    """Train/validation/test rows from the splits a corpus folder has (`train`, `dev`, `test`), row limits applied.

    train+dev+test: as they are. train+dev: validation carved from train, dev is the test set. Without a
    train file (offline copies often hold only dev/test), training rows are carved from dev in memory.
    """
    train, dev, test = files.get("train"), files.get("dev"), files.get("test")
    if dev is None:
        raise FileNotFoundError("the corpus folder has no dev file; every course corpus needs one")
    if train is None:
        print("no training file in the corpus folder: training rows come from the dev file, split in memory "
              "(download the training file for real results)")
        name = "dev"
        if test is None:
            (dev, test), name = carve(dev, settings, "dev", "test", group), "the rest of dev"
        train, dev = carve(dev, settings, name, "validation", group)
    elif test is None:
        test = dev
        train, dev = carve(train, settings, "train", "validation", group)
        print(f"dev 파일({len(test):,}행)을 테스트 세트로 씁니다")
    return Splits(take_rows(train, settings.limit_train_rows, "train", settings.seed),
                  take_rows(dev, settings.limit_eval_rows, "validation", settings.seed),
                  take_rows(test, settings.limit_eval_rows, "test", settings.seed))
