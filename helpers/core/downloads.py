"""Checked downloads: a file counts as downloaded only when it arrived whole and, for the course's fixed corpus
files, when its sha256 equals the one recorded here; otherwise the bad file is removed and the error names it."""

from __future__ import annotations

import hashlib
import importlib
import os
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

# sha256 of every fixed corpus file the course downloads, keyed by `<corpus folder>/<file name>` (the layout
# under corpus_root_dir). Where each value comes from:
RECORDED_SHA256 = {
    # NSMC, fetched by Korpora from raw.githubusercontent.com/e9t/nsmc/master/: the download_checksums of those
    # two URLs in huggingface/datasets datasets/nsmc/dataset_infos.json (14,628,807 and 4,893,335 bytes). The
    # NSMC copy in the project's offline data (../shared/data) is a rebuild, not these files.
    "nsmc/ratings_train.txt": "e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940",
    "nsmc/ratings_test.txt": "8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda",
    # KorQuAD 1.0 from korquad.github.io/dataset/: the download_checksums in huggingface/datasets
    # datasets/squad_kor_v1/dataset_infos.json; the dev value also equals the upstream dev file in ../shared/data.
    "korquad/KorQuAD_v1.0_train.json": "40d5115879a701751781df721d901abfa736d8db5f89000f2619433f39bf2dd2",
    "korquad/KorQuAD_v1.0_dev.json": "25ffeb51e6c51ec02c071b60a10188e10005c144110f0d876b26079d80a35bdf",
    # The upstream files kept in the project's offline data, hashed there (../shared/data/README.md):
    # KorNLI (kakaobrain/KorNLUDatasets, fetched by Korpora), KLUE-NLI and KLUE-NER v1.1 dev
    # (KLUE-benchmark/KLUE), KMOU NER 2016klp (kmounlp/NER).
    "kornli/xnli.dev.ko.tsv": "821fb1c1c2e538ac2724a6132da36ffa379eb9a542ceb89243b3cf711377382c",
    "kornli/xnli.test.ko.tsv": "0db53cf8e182283a0d0404ec3fe1b15d1e29236d23d22082dc20d43067254b3e",
    "klue-nli/klue-nli-v1.1_dev.json": "0699db82be17766b26e199864e6260443e17ec6e91d1870e876419e388f245b1",
    "klue-ner/klue-ner-v1.1_dev.tsv": "0f4d5e818f7b82d299c3a87856fc40a706f5943207580ddb252397e387050a54",
    "kmou-ner/ner.train": "ae8d0b9ecc49a36ec8fd30ebed5accf2e4da23e8e432d0e4e494be049412c1cf",
    "kmou-ner/ner.dev": "0b6afc8e02a5bb3439b697da7aa6bc274b1128f84c14f6bde85c7d0934b145d6",
    "kmou-ner/ner.test": "35396b5d88d9c3feb74a5e43097482e4379ff522bc66ed0d2a1e40a4e34a5645",
    # Not recorded (no copy and no published checksum was at hand): klue-nli-v1.1_train.json,
    # klue-ner-v1.1_train.tsv, kornli/multinli.train.ko.tsv, kornli/snli_1.0_train.ko.tsv. Their downloads are
    # checked for completeness only, and say so.
}


class DownloadError(OSError):
    """A download that arrived short or with other bytes than recorded; the message names the file and URL."""


def recorded_sha256(path: str | Path) -> str | None:
    """The recorded sha256 of a course corpus file `<root>/<corpus>/<name>`, or None when none is recorded."""
    path = Path(path)
    return RECORDED_SHA256.get(f"{path.parent.name}/{path.name}")


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path: Path, actual: str, url: str) -> None:
    """Raise DownloadError when `actual` differs from the recorded sha256 of `path` (the caller removes the bad
    bytes); say the result."""
    expected = recorded_sha256(path)
    key = f"{path.parent.name}/{path.name}"
    if expected is None:
        print(f"  {key}: no sha256 recorded by the course, so only its completeness was checked")
        return
    if actual != expected:
        raise DownloadError(f"{path.name} downloaded from {url} has sha256 {actual}, not the recorded {expected} "
                            f"(helpers/core/downloads.py RECORDED_SHA256[{key!r}]): the file changed upstream or the "
                            f"download was corrupted; the bad file was removed (run again to retry)")
    print(f"  {key}: sha256 matches the recorded one")


def verify_download(path: str | Path, url: str) -> None:
    """Check a file another tool (Korpora) downloaded against its recorded sha256; remove it if it differs."""
    path = Path(path)
    try:
        check_sha256(path, file_sha256(path), url)
    except DownloadError:
        path.unlink()
        raise


def stream_to_file(url: str, partial: Path, timeout: float) -> tuple[str, int, int | None]:
    """Write the body of `url` into `partial`; return its sha256, the bytes received and the Content-Length."""
    digest, received = hashlib.sha256(), 0
    with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
        announced = response.headers.get("Content-Length")
        while chunk := response.read(1 << 20):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
    return digest.hexdigest(), received, int(announced) if announced and announced.isdigit() else None


def download_file(url: str, target: Path, timeout: float = 60.0) -> None:
    """Fetch one URL into `target` through a temporary file, so a short or corrupted download never looks
    complete: it must arrive whole (Content-Length) and match the recorded sha256 of a course file."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        sha256, received, announced = stream_to_file(url, partial, timeout)
        if announced is not None and received < announced:
            raise DownloadError(f"{target.name} from {url} is truncated: {received:,} of {announced:,} bytes "
                                "arrived; the partial file was removed (run again to retry)")
        check_sha256(target, sha256, url)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    print(f"  saved {received:,} bytes in {target}")


def korpora_urls(corpus: str) -> dict[str, str]:
    """File name -> URL that Korpora 0.2.0 downloads for `corpus` (its `<CORPUS>_FETCH_INFORMATION` table)."""
    try:
        module = importlib.import_module(f"Korpora.korpus_{corpus}")
    except ImportError:
        return {}
    table = getattr(module, f"{corpus.upper()}_FETCH_INFORMATION", [])
    return {Path(info["destination"]).name: info["url"] for info in table}


@contextmanager
def checked_download(corpus: str, missing: Sequence[Path]) -> Iterator[None]:
    """Around a Korpora.fetch that should create the `missing` files of `corpus`: check each against its recorded
    sha256 afterwards.

    Korpora writes straight into place, so on any failure what it left of the missing files is removed: a
    truncated or mismatching file raises DownloadError, any other failure FileNotFoundError, naming the files.
    """
    names = ", ".join(str(p) for p in missing)
    print(f"{names} missing: downloading {corpus!r} with Korpora ...")
    try:
        yield
    except Exception as err:  # network errors come in many types
        left = [p for p in missing if p.is_file()]
        for path in left:
            path.unlink()
        removed = f"; removed the partial {', '.join(p.name for p in left)}" if left else ""
        if isinstance(err, urllib.error.ContentTooShortError):
            raise DownloadError(f"corpus {corpus!r}: a download was truncated ({err}){removed} (run again to "
                                "retry)") from err
        raise FileNotFoundError(
            f"corpus {corpus!r}: {names} missing and the download failed ({type(err).__name__}: {err}){removed}. "
            f"Set corpus_root_dir (or NLPBOOK_CORPUS_ROOT) to a folder that holds {corpus}/{missing[0].name}, "
            "or connect to the internet."
        ) from err
    still = [p for p in missing if not p.is_file()]
    if still:
        raise FileNotFoundError(f"corpus {corpus!r}: the download did not create {still[0]}")
    urls, errors = korpora_urls(corpus), []
    for path in missing:  # check every file, so none that differs stays behind unchecked
        try:
            verify_download(path, urls.get(path.name, f"Korpora.fetch({corpus!r})"))
        except DownloadError as err:
            errors.append(str(err))
    if errors:
        raise DownloadError("\n".join(errors))
