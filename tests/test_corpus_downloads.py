"""The corpus download paths, offline: a local server plays GitHub and korquad.github.io. Korpora fetches NSMC
from it, the raw-file downloads (KLUE-NLI, KLUE-NER, KMOU NER, KorQuAD) go through it, and every downloaded
fixed file is checked against the sha256 the course records; short or altered files are errors and removed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import Korpora.korpus_nsmc
import pytest
from local_servers import LocalServer, file_resolver
from shared_data import SHARED_DATA, needs_shared_data

import helpers.pair_classification.corpus as pair_classification
from helpers.core.corpora import NSMC_FILES, NsmcReader, ensure_corpus_files
from helpers.core.downloads import RECORDED_SHA256, DownloadError, file_sha256
from helpers.core.settings import EMBEDDED_SAMPLE_ROOT, CourseSettings
from helpers.ner import corpora as ner_corpora
from helpers.ner.corpora import KLUE_NER_FILES, KMOU_FILES, read_ner_files
from helpers.pair_classification.corpus import KLUE_NLI_FILES, read_pair_files
from helpers.question_answering import corpus as korquad
from helpers.question_answering.corpus import KORQUAD_FILES, korquad_paths, read_korquad

SAMPLE = EMBEDDED_SAMPLE_ROOT
# Where each raw corpus is fetched from (module constant patched to the server), and its files.
RAW_CORPORA = {
    "klue-nli": (pair_classification, "KLUE_NLI_URL", [n for split in KLUE_NLI_FILES.values() for n in split]),
    "klue-ner": (ner_corpora, "KLUE_NER_URL", list(KLUE_NER_FILES.values())),
    "kmou-ner": (ner_corpora, "KMOU_URL", list(KMOU_FILES.values())),
    "korquad": (korquad, "KORQUAD_URL", list(KORQUAD_FILES.values())),
}


def serve_folder(root: Path, corpus: str, names: list[str], change: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """URL path `/<corpus>/<name>` -> bytes of `root/<corpus>/<name>` for the files that exist there."""
    change = change or {}
    return {f"/{corpus}/{n}": change.get(n, (root / corpus / n).read_bytes())
            for n in names if (root / corpus / n).is_file()}


def point_korpora_at(monkeypatch, server_url: str) -> None:
    """Make Korpora's NSMC fetch table (Korpora 0.2.0 NSMC_FETCH_INFORMATION) download from the local server."""
    table = [{"url": f"{server_url}/nsmc/{name}", "destination": f"nsmc/{name}", "method": "download"}
             for name in NSMC_FILES.values()]
    monkeypatch.setattr(Korpora.korpus_nsmc, "NSMC_FETCH_INFORMATION", table)


def record_sha256_of(monkeypatch, root: Path, corpus: str, names: list[str]) -> None:
    """Record the sha256 of the files served from `root` (the tests serve small stand-ins of the real files)."""
    for name in names:
        if (root / corpus / name).is_file():
            monkeypatch.setitem(RECORDED_SHA256, f"{corpus}/{name}", file_sha256(root / corpus / name))


def test_korpora_fetches_nsmc_from_the_server_and_the_course_reads_every_row(tmp_path, monkeypatch, capsys):
    names = list(NSMC_FILES.values())
    with LocalServer(file_resolver(serve_folder(SAMPLE, "nsmc", names))) as server:
        point_korpora_at(monkeypatch, server.url)
        record_sha256_of(monkeypatch, SAMPLE, "nsmc", names)
        splits = NsmcReader().read_splits(tmp_path)
        assert all(server.got(f"/nsmc/{name}") for name in names)
    for name in names:
        assert (tmp_path / "nsmc" / name).read_bytes() == (SAMPLE / "nsmc" / name).read_bytes()
    assert {split: len(rows) for split, rows in splits.items()} == {"train": 4000, "test": 2000}
    assert splits["train"] == NsmcReader().read(SAMPLE / "nsmc" / "ratings_train.txt", verbose=False)
    out = capsys.readouterr().out
    assert "downloading 'nsmc' with Korpora" in out and "nsmc/ratings_test.txt: sha256 matches" in out
    # Files on disk are read as they are: no second download is attempted (the server is gone).
    assert len(NsmcReader().read_splits(tmp_path, verbose=False)["test"]) == 2000


def test_korpora_nsmc_with_other_bytes_or_cut_short_is_an_error_and_leaves_no_file(tmp_path, monkeypatch):
    names = list(NSMC_FILES.values())
    record_sha256_of(monkeypatch, SAMPLE, "nsmc", names)
    altered = (SAMPLE / "nsmc" / "ratings_test.txt").read_bytes().replace(b"\t1\n", b"\t0\n", 1)
    with LocalServer(file_resolver(serve_folder(SAMPLE, "nsmc", names, {"ratings_test.txt": altered}))) as server:
        point_korpora_at(monkeypatch, server.url)
        with pytest.raises(DownloadError) as err:
            NsmcReader().read_splits(tmp_path)
    message = str(err.value)
    assert "ratings_test.txt" in message and f"{server.url}/nsmc/ratings_test.txt" in message
    assert hashlib.sha256(altered).hexdigest() in message and "removed" in message
    assert not (tmp_path / "nsmc" / "ratings_test.txt").exists()
    assert (tmp_path / "nsmc" / "ratings_train.txt").is_file()  # that one arrived as recorded
    # Cut short: the server announces more bytes than it sends; Korpora's partial file is removed.
    (tmp_path / "nsmc" / "ratings_train.txt").unlink()
    served = serve_folder(SAMPLE, "nsmc", names)
    with LocalServer(file_resolver(served, truncate={"/nsmc/ratings_train.txt": 1000})) as server:
        point_korpora_at(monkeypatch, server.url)
        with pytest.raises(DownloadError, match="truncated") as err:
            NsmcReader().read_splits(tmp_path)
    assert "ratings_train.txt" in str(err.value)
    assert not list((tmp_path / "nsmc").iterdir())


def patch_raw_urls(monkeypatch, server_url: str) -> None:
    """Point each raw corpus's base URL at the server's `/<corpus>/` folder."""
    for corpus, (module, constant, _) in RAW_CORPORA.items():
        monkeypatch.setattr(module, constant, f"{server_url}/{corpus}/")


def read_corpus(corpus: str, root: Path) -> dict[str, int]:
    """Read one raw corpus from `root` with the course's reader (downloading what is missing): rows per split."""
    if corpus == "korquad":
        train, dev = korquad_paths(CourseSettings(corpus_name="korquad", corpus_root_dir=str(root)))
        paths = {"dev": dev} if train is None else {"train": train, "dev": dev}
        return {split: len(read_korquad(path, verbose=False)) for split, path in paths.items()}
    reader = read_pair_files if corpus == "klue-nli" else read_ner_files
    return {split: len(rows) for split, rows in reader(corpus, root, verbose=False).items()}


def sample_counts(corpus: str) -> dict[str, int]:
    """Rows per split of the embedded sample files, read in place (all present, so nothing is downloaded)."""
    if corpus == "korquad":
        return {"dev": len(read_korquad(SAMPLE / "korquad" / KORQUAD_FILES["dev"], verbose=False))}
    return read_corpus(corpus, SAMPLE)


def test_raw_corpus_files_download_through_the_server_checked_against_their_sha256(tmp_path, monkeypatch, capsys):
    served = {}
    for corpus, (_, _, names) in RAW_CORPORA.items():
        served.update(serve_folder(SAMPLE, corpus, names))
        record_sha256_of(monkeypatch, SAMPLE, corpus, names)
    monkeypatch.delitem(RECORDED_SHA256, "klue-nli/klue-nli-v1.1_train.json", raising=False)  # none recorded
    with LocalServer(file_resolver(served)) as server:
        patch_raw_urls(monkeypatch, server.url)
        counts = {corpus: read_corpus(corpus, tmp_path) for corpus in RAW_CORPORA}
        assert all(server.got(path) for path in served)
    for path, body in served.items():
        assert (tmp_path / path.lstrip("/")).read_bytes() == body
    assert counts == {corpus: sample_counts(corpus) for corpus in RAW_CORPORA}  # every row of every file
    assert counts["klue-nli"].keys() == {"train", "dev"} and counts["kmou-ner"].keys() == {"train", "dev", "test"}
    out = capsys.readouterr().out
    assert out.count("sha256 matches the recorded one") == len(served) - 1
    assert "klue-nli/klue-nli-v1.1_train.json: no sha256 recorded" in out


@pytest.mark.parametrize("corpus", ["korquad", "kmou-ner"])
def test_a_raw_download_with_other_bytes_or_cut_short_is_an_error_naming_file_and_url(tmp_path, monkeypatch,
                                                                                    corpus):
    _, _, names = RAW_CORPORA[corpus]
    dev = KORQUAD_FILES["dev"] if corpus == "korquad" else KMOU_FILES["dev"]
    record_sha256_of(monkeypatch, SAMPLE, corpus, names)
    good = (SAMPLE / corpus / dev).read_bytes()
    altered = good[:100] + bytes([good[100] ^ 1]) + good[101:]  # one bit flipped, same size
    cases = {"altered": file_resolver(serve_folder(SAMPLE, corpus, names, {dev: altered})),
             "truncated": file_resolver(serve_folder(SAMPLE, corpus, names), truncate={f"/{corpus}/{dev}": 1})}
    for case, resolver in cases.items():
        with LocalServer(resolver) as server:
            patch_raw_urls(monkeypatch, server.url)
            with pytest.raises(DownloadError) as err:
                read_corpus(corpus, tmp_path)
        message = str(err.value)
        assert dev in message and f"{server.url}/{corpus}/{dev}" in message, message
        assert ("truncated" if case == "truncated" else RECORDED_SHA256[f"{corpus}/{dev}"]) in message
        assert not (tmp_path / corpus).exists() or not list((tmp_path / corpus).iterdir())  # nothing left


@needs_shared_data
def test_the_recorded_sha256_match_the_upstream_files_of_the_offline_data(tmp_path, monkeypatch, capsys):
    """The upstream KLUE, KMOU NER and KorQuAD files (../shared/data) pass the checks with the records as they
    are; so do the KorNLI files, and the rebuilt NSMC copy there does not match the official record."""
    served = {}
    for corpus, (_, _, names) in RAW_CORPORA.items():
        served.update(serve_folder(SHARED_DATA, corpus, names))
    assert len(served) == 6  # KLUE-NLI dev, KLUE-NER dev, KMOU train/dev/test, KorQuAD dev
    with LocalServer(file_resolver(served)) as server:
        patch_raw_urls(monkeypatch, server.url)
        counts = {corpus: read_corpus(corpus, tmp_path) for corpus in RAW_CORPORA}
    assert capsys.readouterr().out.count("sha256 matches the recorded one") == 6
    assert counts["korquad"] == {"dev": 5774} and counts["kmou-ner"]["dev"] == 366
    for name in ("xnli.dev.ko.tsv", "xnli.test.ko.tsv"):
        assert file_sha256(SHARED_DATA / "kornli" / name) == RECORDED_SHA256[f"kornli/{name}"]
    assert file_sha256(SHARED_DATA / "nsmc" / "ratings_test.txt") != RECORDED_SHA256["nsmc/ratings_test.txt"]


def test_files_already_there_are_not_fetched_and_that_is_said(tmp_path, monkeypatch, capsys):
    def no_network(*args, **kwargs):
        raise AssertionError("Korpora.fetch was called although the files are there")

    monkeypatch.setattr(Korpora.Korpora, "fetch", no_network)
    paths = ensure_corpus_files("nsmc", SAMPLE, list(NSMC_FILES.values()))
    assert paths == [SAMPLE / "nsmc" / name for name in NSMC_FILES.values()]
    assert "파일이 모두 있어 내려받기를 건너뜁니다 (files present, no download)" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="missing and the download failed"):  # a missing file is fetched
        ensure_corpus_files("nsmc", tmp_path, list(NSMC_FILES.values()))
