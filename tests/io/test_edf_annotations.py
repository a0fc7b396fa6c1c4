"""Sleep stages in EDF+ annotations: Sleep-EDF hypnogram files, stages inside a recording, our own EDF+ output."""

from datetime import date, datetime, time

import edfio
import numpy as np
import pyedflib
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.io import read_recording
from wav2sleep.io.annotations import EDF_ANNOTATIONS, read_annotation, scoring_beside
from wav2sleep.io.stage_events import epochs_from_events
from wav2sleep.stages import LIGHT, UNSCORED, stage_from_text


@pytest.mark.parametrize(
    "text, code",
    [("Sleep stage W", 0), ("Sleep stage 1", 1), ("Sleep stage 2", 2), ("Sleep stage 3", 3), ("Sleep stage 4", 3),
     ("Sleep stage R", 4), ("Sleep stage ?", UNSCORED), ("Movement time", UNSCORED), ("sleep stage n2", 2),
     ("Sleep Stage: N3", 3), ("Sleep_stage_R", 4), ("Stage - N1", 1), ("Stage W", 0), ("Stage 2", 2),
     ("W", 0), ("Wake", 0), ("N2", 2), ("REM", 4), ("  Sleep  stage  W ", 0),
     ("SLEEP-S0", 0), ("SLEEP-S2", 2), ("SLEEP-S4", 3), ("SLEEP-REM", 4), ("SLEEP-MT", UNSCORED),  # RemLogic
     ("sleep-wake", 0), ("sleep-n1", 1), ("sleep-n3", 3), ("sleep-rem", 4), ("SLEEP-W", 0), ("SLEEP-2", 2),
     ("SLEEP-R", 4), ("SLEEP-U", UNSCORED), ("sleep-apnea", None),  # Nox Noxturnal and its exports
     ("NREM2", 2), ("NREM4", 3),  # Luna
     ("Light", LIGHT), ("Sleep stage 1/2", LIGHT), ("n/a", UNSCORED),  # a 4-class scoring (ours, a wearable's)
     ("Lights off", None), ("Obstructive Apnea", None), ("Arousal", None), ("Stage 2 arousal", None), ("2", None)],
)  # fmt: skip
def test_stage_texts_of_the_usual_conventions(text, code):
    assert stage_from_text(text) == code


@pytest.mark.parametrize("text", ["Sleep stage X", "Sleep stage 1/3"])
def test_a_text_that_starts_like_a_stage_but_names_none_is_an_error_naming_it(text):
    with pytest.raises(ValueError, match=text.replace("?", r"\?")):
        stage_from_text(text)


def sleep_edf_hypnogram(path, texts, durations, start=time(22, 44)):
    """An annotation-only EDF+ in Sleep-EDF's form (record duration 0), written by edfio."""
    onsets = np.r_[0, np.cumsum(durations)[:-1]]
    annotations = [edfio.EdfAnnotation(float(o), float(d), t) for o, d, t in zip(onsets, durations, texts, strict=True)]
    edfio.Edf([], starttime=start, recording=edfio.Recording(startdate=date(1989, 4, 24)),
              annotations=annotations).write(path)  # fmt: skip
    return path


def test_a_sleep_edf_hypnogram_reads_as_the_stages_written(tmp_path):
    durations = [600, 300, 900, 600, 300, 600, 1200, 30, 600, 1470]
    texts = ["Sleep stage W", "Sleep stage 1", "Sleep stage 2", "Sleep stage 3", "Sleep stage 4", "Sleep stage 2",
             "Sleep stage R", "Movement time", "Sleep stage W", "Sleep stage ?"]  # fmt: skip
    path = sleep_edf_hypnogram(tmp_path / "SC4001EC-Hypnogram.edf", texts, durations)
    assert path.read_bytes()[244:252].strip() == b"0"  # a record duration of 0, as EDF+ allows for annotations only
    events = read_annotation(path)
    np.testing.assert_array_equal(events.onsets, np.r_[0, np.cumsum(durations)[:-1]])
    np.testing.assert_array_equal(events.durations, durations)
    np.testing.assert_array_equal(events.codes, [0, 1, 2, 3, 3, 2, 4, UNSCORED, 0, UNSCORED])
    assert events.start_clock == time(22, 44)
    stages, _ = epochs_from_events(events, sum(durations) // 30)
    assert (stages[:20] == 0).all() and (stages[20:30] == 1).all() and stages[219] == UNSCORED


def test_a_hypnogram_file_is_not_a_recording(tmp_path):
    path = sleep_edf_hypnogram(tmp_path / "x-Hypnogram.edf", ["Sleep stage W"], [30])
    with pytest.raises(InputFileError, match="only EDF\\+ annotations"):
        read_recording(path)


def test_stages_inside_a_recording_written_by_pyedflib(tmp_path):
    """Stages among other events in a PSG's own annotation signal; stages without a duration last until the next."""
    path = tmp_path / "psg.edf"
    writer = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    writer.setSignalHeaders([{"label": "EKG", "dimension": "mV", "sample_frequency": 100, "physical_max": 5.0,
                              "physical_min": -5.0, "digital_max": 32767, "digital_min": -32768}])  # fmt: skip
    writer.setStartdatetime(datetime(2020, 1, 2, 23, 0, 0))
    writer.writeSamples([np.sin(np.arange(100 * 600) / 10)])
    for onset, duration, text in [
        (0, 60, "Sleep stage W"),
        (45, -1, "Lights off"),
        (60, -1, "Stage N2"),
        (150, 1.5, "Obstructive apnea"),
        (240, -1, "REM"),
        (300, 120, "Sleep stage 3"),
    ]:
        writer.writeAnnotation(onset, duration, text)  # fmt: skip
    writer.close()
    events = read_annotation(path)
    np.testing.assert_array_equal(events.codes, [0, 2, 4, 3])
    np.testing.assert_allclose(events.onsets, [0, 60, 240, 300])
    np.testing.assert_allclose(events.durations, [60, 180, 60, 120])  # N2 and REM held until the next stage
    assert read_recording(path).channels["EKG"].data.size == 100 * 600  # still a recording too


@pytest.mark.parametrize("per_epoch", [False, True])
def test_our_own_edf_output_reads_back_as_the_same_hypnogram(tmp_path, per_epoch):
    codes = np.array([0, 0, 1, 2, 2, 2, 3, 3, UNSCORED, 4, 4, 0, 2], dtype=np.int8)
    written = Hypnogram(codes, 5, datetime(2021, 3, 4, 22, 15, 30))
    path = written.to_edf_annotations(tmp_path / "x.annotations.edf", per_epoch=per_epoch)
    back = Hypnogram.from_annotation(path, written.n_epochs, written.start)
    np.testing.assert_array_equal(back.codes, codes)
    assert back.metadata["warnings"] == []


def _annotation_bytes(path):
    """Offset and size of the (only) record's annotation signal in an edfio-written annotation-only file."""
    raw = path.read_bytes()
    ns = int(raw[252:256])
    return 256 * (ns + 1), len(raw) - 256 * (ns + 1)


def test_an_unreadable_stage_onset_is_an_error_naming_the_record(tmp_path):
    path = sleep_edf_hypnogram(tmp_path / "h.edf", ["Sleep stage W", "Sleep stage 2"], [60, 60])
    raw = bytearray(path.read_bytes())
    at = raw.index(b"+60\x15")
    raw[at : at + 3] = b"+6x"
    path.write_bytes(bytes(raw))
    with pytest.raises(InputFileError, match=r"h\.edf \[annotation in data record 0\]: unreadable annotation onset"):
        read_annotation(path)


def test_an_unknown_sleep_stage_is_an_error_naming_the_text(tmp_path):
    path = sleep_edf_hypnogram(tmp_path / "h.edf", ["Sleep stage W", "Sleep stage X"], [60, 60])
    with pytest.raises(InputFileError, match="unknown sleep stage 'Sleep stage X'"):
        read_annotation(path)


def test_an_edf_without_stage_annotations_gives_no_events(tmp_path):
    path = sleep_edf_hypnogram(tmp_path / "events.edf", ["Lights off", "Arousal"], [0, 3])
    assert read_annotation(path).codes.size == 0


@pytest.mark.parametrize(
    "recording, files, expected",
    [("SC4001E0-PSG.edf", ["SC4001EC-Hypnogram.edf"], "SC4001EC-Hypnogram.edf"),
     ("ST7011J0-PSG.edf", ["ST7011JP-Hypnogram.edf", "ST7022JM-Hypnogram.edf"], "ST7011JP-Hypnogram.edf"),
     ("night1-PSG.edf", ["night1-Hypnogram.edf", "night2-Hypnogram.edf"], "night1-Hypnogram.edf"),
     ("rec.edf", ["rec-Hypnogram.edf"], "rec-Hypnogram.edf"),
     ("SC4001E0-PSG.edf", ["SC4001EC-Hypnogram.edf", "SC4001EH-Hypnogram.edf"], None),  # two scorers: ambiguous
     ("01-01-0001 PSG.edf", ["01-01-0001 Base.edf"], "01-01-0001 Base.edf"),  # MASS
     ("01-01-0001 PSG.edf", ["01-01-0002 Base.edf"], None),
     ("rec.edf", ["rec.annotations.edf"], None)],  # our own output is not a scorer's
)  # fmt: skip
def test_the_hypnogram_beside_a_recording_is_found_by_the_usual_names(tmp_path, recording, files, expected):
    for name in [recording, *files]:
        (tmp_path / name).write_bytes(b"")
    found = scoring_beside(tmp_path / recording)
    assert found == ((tmp_path / expected, EDF_ANNOTATIONS) if expected else None)


@pytest.mark.parametrize("onset, duration", [(b"+nan", b"60"), (b"+inf", b"60"), (b"+60", b"nan")])
def test_a_stage_onset_or_duration_that_is_not_finite_is_refused(tmp_path, onset, duration):
    path = sleep_edf_hypnogram(tmp_path / "h.edf", ["Sleep stage W", "Sleep stage 2"], [60, 60])
    raw = path.read_bytes().replace(b"+60\x1560\x14", onset + b"\x15" + duration + b"\x14")
    path.write_bytes(raw.ljust(len(path.read_bytes()), b"\x00")[: len(path.read_bytes())])
    with pytest.raises(InputFileError, match="unreadable annotation onset or duration"):
        read_annotation(path)


def test_a_nox_hypnogram_reads_as_the_stages_written(tmp_path):
    """Noxturnal's scored events exported as EDF+ annotations: stages as sleep-wake ... sleep-rem among others."""
    texts = ["sleep-wake", "sleep-n1", "arousal", "sleep-n2", "sleep-n3", "sleep-rem", "sleep-wake"]
    durations = [300, 60, 30, 600, 900, 600, 90]
    path = sleep_edf_hypnogram(tmp_path / "nox.edf", texts, durations)
    events = read_annotation(path)
    np.testing.assert_array_equal(events.codes, [0, 1, 2, 3, 4, 0])
