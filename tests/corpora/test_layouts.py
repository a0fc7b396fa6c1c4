from pathlib import Path

import pytest

from wav2sleep.corpora import NSRR_DATASETS, NSRR_XML, WSC_ALLSCORE, WSC_STG, get_corpus, recognise, split_list
from wav2sleep.errors import ConfigError

SPLITS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "splits"

# (dataset, session) -> (edf relpath, subject, visit), from reference.md s.1.1.
LAYOUTS = {
    ("shhs", "shhs2-200077"): ("polysomnography/edfs/shhs2/shhs2-200077.edf", "200077", "shhs2"),
    ("mros", "mros-visit2-aa0005"): ("polysomnography/edfs/visit2/mros-visit2-aa0005.edf", "aa0005", "visit2"),
    ("chat", "chat-baseline-nonrandomized-300006"): (
        "polysomnography/edfs/nonrandomized/chat-baseline-nonrandomized-300006.edf",
        "300006",
        "nonrandomized",
    ),
    ("chat", "chat-followup-300002"): ("polysomnography/edfs/followup/chat-followup-300002.edf", "300002", "followup"),
    ("mesa", "mesa-sleep-0002"): ("polysomnography/edfs/mesa-sleep-0002.edf", "0002", "sleep"),
    ("cfs", "cfs-visit5-800002"): ("polysomnography/edfs/cfs-visit5-800002.edf", "800002", "visit5"),
    ("ccshs", "ccshs-trec-1800001"): ("polysomnography/edfs/ccshs-trec-1800001.edf", "1800001", "trec"),
    ("wsc", "wsc-visit1-10119-nsrr"): ("polysomnography/wsc-visit1-10119-nsrr.edf", "10119", "visit1"),
}


@pytest.mark.parametrize(("key", "expected"), LAYOUTS.items(), ids=[s for _, s in LAYOUTS])
def test_paths_and_subjects(key, expected):
    corpus = get_corpus(key[0])
    assert corpus.session_pattern.fullmatch(key[1])
    assert (corpus.edf_relpath(key[1]), *corpus.subject_visit(key[1])) == expected


def test_slpdb_is_recognised_and_has_no_paper_lists(shared_data):
    corpus = recognise(shared_data / "slpdb")
    assert corpus is not None and corpus.name == "slpdb" and not corpus.has_splits
    assert not any(split_list("slpdb", part) for part in ("train", "val", "test"))
    nights = corpus.discover(shared_data / "slpdb")
    assert len(nights) == 13 and all(n.annotation is not None and n.recording.suffix == ".rr" for n in nights)


def test_every_split_id_matches_its_dataset_pattern():
    for name in NSRR_DATASETS:
        corpus = get_corpus(name)
        ids = [i for part in ("train", "val", "test") for i in split_list(name, part)]
        assert ids, name
        assert all(corpus.session_pattern.fullmatch(i) for i in ids), name


def test_shipped_split_lists_equal_the_reference_files():
    for path in SPLITS.glob("*/*.txt"):
        assert split_list(path.parent.name, path.stem) == path.read_text().split(), path


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_discover_nsrr_layout_prefers_fixed_and_skips_unpaired(tmp_path):
    chat = get_corpus("chat")
    folder = tmp_path / "chat"
    for s in ("chat-baseline-300002", "chat-followup-300002"):
        _touch(folder / chat.edf_relpath(s))
        _touch(folder / chat.annotation_relpath(s))
    fixed = folder / chat.edf_relpath("chat-followup-300002").replace(".edf", "_fixed.edf")
    _touch(fixed)
    _touch(
        folder / chat.annotation_relpath("chat-baseline-300004")
    )  # annotation without EDF: listed, ingest reports it
    nights = {n.session: n for n in chat.discover(folder)}
    assert set(nights) == {"chat-baseline-300002", "chat-followup-300002", "chat-baseline-300004"}
    assert nights["chat-followup-300002"].recording == fixed
    assert nights["chat-baseline-300002"].annotation_format == NSRR_XML
    assert recognise(folder) is chat


def test_discover_wsc_prefers_stg_then_allscore(tmp_path):
    wsc = get_corpus("wsc")
    folder = tmp_path / "wsc"
    for s in ("wsc-visit1-10119-nsrr", "wsc-visit1-10265-nsrr", "wsc-visit1-10300-nsrr"):
        _touch(folder / wsc.edf_relpath(s))
    _touch(folder / "polysomnography/wsc-visit1-10119-nsrr.stg.txt")
    _touch(folder / "polysomnography/wsc-visit1-10119-nsrr.allscore.txt")
    _touch(folder / "polysomnography/wsc-visit1-10265-nsrr.allscore.txt")
    nights = {n.session: n for n in wsc.discover(folder)}
    assert nights["wsc-visit1-10119-nsrr"].annotation_format == WSC_STG
    assert nights["wsc-visit1-10265-nsrr"].annotation_format == WSC_ALLSCORE
    assert nights["wsc-visit1-10300-nsrr"].annotation is None


def test_unknown_dataset_named():
    with pytest.raises(ConfigError, match="unknown dataset 'foo'.*shhs"):
        get_corpus("foo")
    assert recognise(Path("/data/my-lab")) is None
