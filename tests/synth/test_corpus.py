"""Everything synth writes opens in independent readers and matches the generator's truth."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import edfio
import numpy as np
import pyedflib
import pytest

from wav2sleep.corpora import NSRR_DATASETS, get_corpus
from wav2sleep.signals import EPOCH_SECONDS, SIGNALS
from wav2sleep.synth import TRUTH_FILE
from wav2sleep.synth.layouts import EXTRA_CHANNELS, LAYOUTS


def test_every_dataset_has_its_layout_and_is_discovered(synth_corpus):
    root, records = synth_corpus
    assert {r.dataset for r in records} == set(NSRR_DATASETS)
    for name in NSRR_DATASETS:
        corpus = get_corpus(name)
        found = {n.session: n for n in corpus.discover(root / name)}
        expected = {r.session: r for r in records if r.dataset == name}
        assert set(found) == set(expected)
        for session, night in found.items():
            assert night.recording == expected[session].recording
            assert night.annotation == expected[session].annotation


def test_session_ids_come_from_the_paper_split_lists(synth_corpus):
    _, records = synth_corpus
    for r in records:
        corpus = get_corpus(r.dataset)
        assert any(r.session in corpus.split_ids(p) for p in ("train", "val", "test")), r.session


@pytest.mark.parametrize("reader", ["pyedflib", "edfio"])
def test_edf_headers_as_intended(synth_corpus, reader):
    _, records = synth_corpus
    for r in records:
        layout = LAYOUTS[r.dataset]
        if reader == "pyedflib":
            with pyedflib.EdfReader(str(r.recording)) as f:
                labels = f.getSignalLabels()
                rates = dict(zip(labels, f.getSampleFrequencies(), strict=True))
                units = {lab: f.getPhysicalDimension(i) for i, lab in enumerate(labels)}
                start, duration = f.getStartdatetime(), f.getFileDuration()
        else:
            edf = edfio.read_edf(r.recording)
            labels = [s.label for s in edf.signals]
            rates = {s.label: s.sampling_frequency for s in edf.signals}
            units = {s.label: s.physical_dimension for s in edf.signals}
            start, duration = edf.startdatetime, edf.duration
        assert start == r.start and duration == pytest.approx(r.duration_s)
        for signal, label in r.channels.items():
            assert rates[label] == layout.rates[signal]
            assert units[label] == layout.units[signal]
        assert {lab for lab, _, _ in EXTRA_CHANNELS} <= set(labels)  # unused PSG channels too


def test_signals_carry_physiology_in_physical_units(synth_corpus):
    _, records = synth_corpus
    r = next(r for r in records if r.dataset == "mesa")
    edf = edfio.read_edf(r.recording)
    ecg = next(s for s in edf.signals if s.label == r.channels["ECG"]).data
    assert 0.2 < np.percentile(np.abs(ecg), 99.9) < 5  # mV-scale R peaks
    eog = next(s for s in edf.signals if s.label == r.channels["EOG-L"]).data
    assert 5 < eog.std() < 500  # uV


def _xml_stages(path, n_epochs):
    stages = np.full(n_epochs, -9)
    for ev in ET.parse(path).getroot().iter("ScoredEvent"):
        if ev.findtext("EventType") != "Stages|Stages":
            continue
        code = int(ev.findtext("EventConcept").split("|")[1])
        first = int(float(ev.findtext("Start")) // EPOCH_SECONDS)
        stages[first : first + int(float(ev.findtext("Duration")) // EPOCH_SECONDS)] = {5: 4, 9: -1}.get(code, code)
    return stages


def test_nsrr_xml_stages_equal_truth_and_runs_are_merged(synth_corpus):
    _, records = synth_corpus
    for r in records:
        if r.dataset == "wsc":
            continue
        root = ET.parse(r.annotation).getroot()
        events = root.findall("./ScoredEvents/ScoredEvent")
        assert events[0].findtext("EventConcept") == "Recording Start Time"
        assert events[0].findtext("ClockTime").endswith(r.start.strftime("%H.%M.%S"))
        concepts = [e.findtext("EventConcept") for e in events if e.findtext("EventType") == "Stages|Stages"]
        assert all(a != b for a, b in zip(concepts, concepts[1:], strict=False))  # merged runs
        np.testing.assert_array_equal(_xml_stages(r.annotation, len(r.stages)), r.stages)


def test_wsc_text_files_equal_truth(synth_corpus):
    _, records = synth_corpus
    wsc = [r for r in records if r.dataset == "wsc"]
    assert {r.annotation.name.split(".", 1)[1] for r in wsc} == {"stg.txt", "allscore.txt"}
    for r in wsc:
        lines = r.annotation.read_text().splitlines()
        if r.annotation.name.endswith(".stg.txt"):
            assert lines[0].split("\t")[:2] == ["Epoch", "User-Defined Stage"]
            codes = np.array([int(line.split("\t")[1]) for line in lines[1:]])
            np.testing.assert_array_equal(np.select([codes == 5, codes == 7], [4, -1], codes), r.stages)
            log = r.annotation.with_name(r.session + ".log.txt").read_text()
            assert log.startswith(f"{r.start:%H:%M:%S} 1\tRecording Started")
        else:
            assert lines[0] == f"{r.start:%H:%M:%S}.000\tSTART RECORDING"
            changes = [line.split("\t")[1] for line in lines if "STAGE" in line]
            assert len(changes) == 1 + int(np.count_nonzero(np.diff(r.stages)))


def test_truth_file_matches_records(synth_corpus):
    root, records = synth_corpus
    truth = {(t["dataset"], t["session"]): t for t in json.loads((root / TRUTH_FILE).read_text())}
    for r in records:
        t = truth[(r.dataset, r.session)]
        assert t["stages"] == r.stages.tolist() and t["channels"] == r.channels
        assert datetime.fromisoformat(t["start"]) == r.start and t["n_epochs"] == len(r.stages)


def test_aliases_vary_across_nights():
    """Across a corpus, channel labels rotate so that every alias the layouts list occurs."""
    from wav2sleep.synth.corpus import plan_corpus

    plans = plan_corpus(list(NSRR_DATASETS), nights=6, hours=1.0, seed=1)
    used = {(p.dataset, sig, label) for p in plans for sig, label in p.channels.items()}
    for name, layout in LAYOUTS.items():
        for sig, options in layout.labels.items():
            if sig == "PPG" and layout.ppg_fraction < 0.5:
                continue
            assert {lab for ds, s, lab in used if ds == name and s == sig} == set(options), (name, sig)
    # every label is one the catalogue resolves
    for _, sig, label in used:
        assert label.lower() in {a.lower() for a in SIGNALS[sig].aliases}


def test_some_nights_lack_ppg_and_lengths_vary():
    from wav2sleep.synth.corpus import plan_corpus

    plans = plan_corpus(["mesa", "chat", "cfs", "ccshs", "wsc"], nights=10, hours=None, seed=3)
    assert any("PPG" not in p.channels for p in plans) and any("PPG" in p.channels for p in plans)
    hours = np.array([p.hours for p in plans])
    assert hours.min() >= 4 and hours.max() <= 12 and (hours > 10).any()
