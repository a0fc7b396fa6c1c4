import pytest

from wav2sleep.data.splits import assign, read_split, write_split
from wav2sleep.errors import ConfigError


def _row(dataset, session, subject):
    return {"dataset": dataset, "session": session, "subject": subject}


def test_paper_lists_place_known_sessions():
    rows = [_row("shhs", "shhs1-200001", "200001"), _row("shhs", "shhs1-200121", "200121"),
            _row("mesa", "mesa-sleep-0006", "0006"), _row("shhs", "shhs1-999999", "999999")]  # fmt: skip
    parts = [r["partition"] for r in assign(rows, "paper")]
    assert parts == ["train", "test", "val", "none"]


def test_census_lists():
    rows = [_row("ccshs", "ccshs-trec-1800005", "1800005"), _row("ccshs", "ccshs-trec-1800013", "1800013"),
            _row("ccshs", "ccshs-trec-1800001", "1800001")]  # fmt: skip
    assert [r["partition"] for r in assign(rows, "census")] == ["test", "val", "none"]


def test_subject_split_keeps_visits_together_and_is_deterministic():
    rows = [_row("shhs", f"shhs{v}-{200000 + i}", str(200000 + i)) for i in range(300) for v in (1, 2)]
    a, b = assign(rows, "subject", seed=1), assign(rows, "subject", seed=1)
    assert a == b
    by_subject = {}
    for r in a:
        by_subject.setdefault(r["subject"], set()).add(r["partition"])
    assert all(len(p) == 1 for p in by_subject.values())
    counts = {p: sum(r["partition"] == p for r in a) / len(a) for p in ("train", "val", "test")}
    assert 0.7 < counts["train"] < 0.9 and counts["val"] > 0.04 and counts["test"] > 0.04
    assert assign(rows, "subject", seed=2) != a
    # adding nights never moves existing subjects
    more = assign([*rows, _row("shhs", "shhs1-300000", "300000")], "subject", seed=1)
    assert more[: len(a)] == a


def test_bad_scheme_and_fractions():
    with pytest.raises(ConfigError, match="unknown split scheme"):
        assign([], "random")
    with pytest.raises(ConfigError, match="fractions"):
        assign([], "subject", fractions=(0.5, 0.5, 0.5))


def test_written_split_file_round_trips(ingested):
    _, store = ingested
    path = write_split(store, "paper")
    split = read_split(store, "paper")
    assert path.name == "paper.csv" and len(split) == 14
    assert set(split.values()) <= {"train", "val", "test"}  # synthetic ids come from the paper lists
    with pytest.raises(ConfigError, match="no split file"):
        read_split(store, "census")


def test_a_path_that_is_not_a_store_gets_no_split_and_folds_need_a_train_fold(ingested, tmp_path):
    from wav2sleep.data.splits import write_subject_folds

    missing = tmp_path / "typo"
    with pytest.raises(ConfigError, match="typo: not a wav2sleep store"):
        write_split(missing, "subject")
    assert not missing.exists()  # nothing written into a mistyped path
    with pytest.raises(ConfigError, match="--folds must be at least 3"):
        write_subject_folds(ingested[1], 2)


def test_the_final_scheme_trains_and_validates_on_every_night_and_tests_on_none():
    rows = [_row("slpdb", f"slp{i:02d}{half}", f"slp{i:02d}") for i in range(11) for half in ("a", "b")]
    rows += [_row("shhs", f"shhs1-{i}", str(i)) for i in range(40)]
    out = assign(rows, "final", seed=0)
    parts = {r["partition"] for r in out}
    assert parts == {"train", "val"}
    for dataset, n_subjects in (("slpdb", 11), ("shhs", 40)):
        val = {r["subject"] for r in out if r["dataset"] == dataset and r["partition"] == "val"}
        assert len(val) == max(1, round(0.15 * n_subjects))
    by_subject = {}
    for r in out:  # both halves of a night (one subject) in the same partition
        by_subject.setdefault((r["dataset"], r["subject"]), set()).add(r["partition"])
    assert all(len(p) == 1 for p in by_subject.values())
    assert assign(rows, "final", seed=0) == out
