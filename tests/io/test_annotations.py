from datetime import datetime

import numpy as np
import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.hypnogram import Hypnogram
from wav2sleep.io.annotations import NSRR_XML, scoring_beside
from wav2sleep.io.hypnogram_csv import is_hypnogram_table, read_hypnogram_csv
from wav2sleep.io.nsrr_xml import read_nsrr_xml
from wav2sleep.io.stage_events import StageEvents, epochs_from_events
from wav2sleep.io.wsc import read_wsc_allscore, read_wsc_stg

ODD_LAYOUT = """<?xml version="1.0"?><PSGAnnotation><ScoredEvents>
<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start>
<Duration>300</Duration><ClockTime>00.00.00 22.30.00</ClockTime></ScoredEvent>
<ScoredEvent>  <EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>0.0</Start><Duration>60.0</Duration></ScoredEvent>
<ScoredEvent>
   <EventType>
      Stages|Stages
   </EventType>
   <EventConcept>Stage 4 sleep|4</EventConcept>
   <Duration>90</Duration>
   <Start>60</Start>
</ScoredEvent>
<ScoredEvent><EventType>Respiratory|Respiratory</EventType><EventConcept>Hypopnea|Hypopnea</EventConcept><Start>70</Start><Duration>12</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>REM sleep|5</EventConcept><Start>150</Start><Duration>60</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Unscored|9</EventConcept><Start>210</Start><Duration>30</Duration></ScoredEvent>
</ScoredEvents></PSGAnnotation>"""


def test_nsrr_xml_any_layout(tmp_path):
    path = tmp_path / "a-nsrr.xml"
    path.write_text(ODD_LAYOUT)
    events = read_nsrr_xml(path)
    assert str(events.start_clock) == "22:30:00"
    stages, warnings = epochs_from_events(events, 10)
    assert stages.tolist() == [0, 0, 3, 3, 3, 4, 4, -1, -1, -1] and warnings == []


def test_nsrr_xml_errors(tmp_path):
    path = tmp_path / "b.xml"
    path.write_text(ODD_LAYOUT.replace("Stage 4 sleep|4", "Stage X"))
    with pytest.raises(InputFileError, match="b.xml \\[EventConcept\\]: unknown stage"):
        read_nsrr_xml(path)
    path.write_text(ODD_LAYOUT[:300])
    with pytest.raises(InputFileError, match="malformed XML at line"):
        read_nsrr_xml(path)


def test_nsrr_xml_with_a_default_namespace_is_read(tmp_path):
    path = tmp_path / "ns-nsrr.xml"
    path.write_text(ODD_LAYOUT.replace("<PSGAnnotation>", '<PSGAnnotation xmlns="http://www.example.org/psg">'))
    events = read_nsrr_xml(path)
    assert str(events.start_clock) == "22:30:00"
    assert epochs_from_events(events, 10)[0].tolist() == [0, 0, 3, 3, 3, 4, 4, -1, -1, -1]


PROFUSION = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<CMPStudyConfig>
<EpochLength>30</EpochLength>
<StepChannels/>
<ScoredEvents>
<ScoredEvent><Name>Obstructive Apnea</Name><Start>95.2</Start><Duration>14.1</Duration><Input>ABDO RES</Input></ScoredEvent>
</ScoredEvents>
<SleepStages>
<SleepStage>0</SleepStage><SleepStage>0</SleepStage><SleepStage>1</SleepStage><SleepStage>2</SleepStage>
<SleepStage>3</SleepStage><SleepStage>4</SleepStage><SleepStage>5</SleepStage><SleepStage>9</SleepStage>
<SleepStage>2</SleepStage>
</SleepStages>
</CMPStudyConfig>"""


def test_profusion_xml_gives_one_stage_per_epoch(tmp_path):
    """Compumedics Profusion XML (NSRR's annotations-events-profusion), found beside a recording by its NSRR name."""
    path = tmp_path / "shhs1-200001-profusion.xml"
    path.write_text(PROFUSION)
    stages, warnings = epochs_from_events(read_nsrr_xml(path), 9)
    assert stages.tolist() == [0, 0, 1, 2, 3, 3, 4, -1, 2] and warnings == []
    (tmp_path / "shhs1-200001.edf").write_bytes(b"")
    assert scoring_beside(tmp_path / "shhs1-200001.edf") == (path, NSRR_XML)


@pytest.mark.parametrize("old, new, field", [("<SleepStage>5</SleepStage>", "<SleepStage>R</SleepStage>", "epoch 6"),
                                             ("<EpochLength>30", "<EpochLength>0", "EpochLength"),
                                             ("<EpochLength>30", "<EpochLength>nan", "EpochLength")])  # fmt: skip
def test_profusion_xml_errors_name_the_epoch_or_field(tmp_path, old, new, field):
    path = tmp_path / "x-profusion.xml"
    path.write_text(PROFUSION.replace(old, new, 1))
    with pytest.raises(InputFileError, match=field):
        read_nsrr_xml(path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e999"])
@pytest.mark.parametrize("field", ["Start", "Duration"])
def test_non_finite_event_times_are_errors_naming_the_annotation_file_and_field(tmp_path, field, value):
    path = tmp_path / "c-nsrr.xml"
    old = "<Start>60</Start>" if field == "Start" else "<Duration>90</Duration>"
    path.write_text(ODD_LAYOUT.replace(old, f"<{field}>{value}</{field}>"))
    with pytest.raises(InputFileError, match=rf"c-nsrr\.xml \[{field} \(stage event 1\)\]: stage event field is "
                                             rf"not a finite number; expected seconds; found '{value}'"):  # fmt: skip
        read_nsrr_xml(path)


def test_non_finite_events_from_any_reader_are_refused_before_the_epoch_grid():
    events = StageEvents("scoring.txt", np.array([0.0, np.nan]), np.array([30.0, 30.0]), np.array([0, 2]))
    with pytest.raises(InputFileError, match=r"scoring\.txt \[onset \(event 1\)\]: stage event onset is not a finite"):
        epochs_from_events(events, 10)


def _events(rows):
    a = np.array(rows, dtype=float)
    return StageEvents("x", a[:, 0], a[:, 1], a[:, 2].astype(int))


def test_gaps_overlaps_odd_durations_and_length():
    stages, w = epochs_from_events(_events([(0, 60, 0), (90, 60, 2)]), 6)
    assert stages.tolist() == [0, 0, -1, 2, 2, -1] and w == []
    stages, w = epochs_from_events(_events([(0, 90, 2), (60, 60, 4)]), 4)
    assert stages.tolist() == [2, 2, -1, 4] and "overlap on 1 epochs" in w[0]
    stages, w = epochs_from_events(_events([(0, 50, 0), (50, 100, 1)]), 5)
    assert stages.tolist() == [0, 0, 1, 1, 1] and "not aligned" in w[0]
    stages, w = epochs_from_events(_events([(0, 300, 2)]), 4)
    assert stages.tolist() == [2] * 4 and "longer than the recording by 180 s" in w[0]


def test_wsc_stg_and_allscore(tmp_path):
    stg = tmp_path / "w.stg.txt"
    stg.write_text("Epoch\tUser-Defined Stage\tCAST-Defined Stage\n1\t0\t0\n2\t4\t4\n3\t5\t5\n4\t7\t7\n")
    (tmp_path / "w.log.txt").write_text("22:00:00 1\tRecording Started\n")
    events = read_wsc_stg(stg)
    assert epochs_from_events(events, 4)[0].tolist() == [0, 3, 4, -1] and str(events.start_clock) == "22:00:00"
    allscore = tmp_path / "w.allscore.txt"
    allscore.write_text("23:59:00.000\tSTART RECORDING\n23:59:00.000\tSTAGE - W\n23:59:30.000\tSTAGE - N2\n"
                        "00:00:30.000\tSTAGE - R\n00:01:30.000\tLIGHTS ON\n")  # fmt: skip
    assert epochs_from_events(read_wsc_allscore(allscore), 5)[0].tolist() == [0, 2, 2, 4, 4]
    allscore.write_text("23:59:00.000\tSTAGE - W\n")
    with pytest.raises(InputFileError, match="START RECORDING"):
        read_wsc_allscore(allscore)
    # damaged lines are named, not "IndexError" or "can't compare offset-naive and offset-aware datetimes"
    allscore.write_text("23:59:00.000\tSTART RECORDING\n\n23:59:00.000\tSTAGE W\n")
    with pytest.raises(InputFileError, match=r"\[line 3\]: stage event without its stage; expected STAGE - W"):
        read_wsc_allscore(allscore)
    allscore.write_text("23:59:00.000\tSTART RECORDING\n23:59:00+01:00\tSTAGE - W\n")
    with pytest.raises(InputFileError, match=r"\[line 2\]: clock time with a UTC offset.*'23:59:00\+01:00'"):
        read_wsc_allscore(allscore)


def test_hypnogram_csv(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("epoch,stage\n1,W\n2,N1\n3,R\n4,MT\n")
    assert epochs_from_events(read_hypnogram_csv(path), 4)[0].tolist() == [0, 1, 4, -1]
    path.write_text("stage\nN7\n")
    with pytest.raises(InputFileError, match="line 2.*unknown stage label 'N7'"):
        read_hypnogram_csv(path)


@pytest.mark.parametrize(
    "text, expected",
    [("W\nN1\nN2\n?\nREM\n", [0, 1, 2, -1, 4]),  # one column, no header
     ("Epoch;Sleep Stage\n1;WAKE\n2;N1\n3;N3\n4;UNS\n5;REM\n", [0, 1, 3, -1, 4]),  # semicolons, YASA's labels
     ("onset,duration,description\n2021-06-01 23:00:00.000000,60.0,Sleep stage W\n"
      "2021-06-01 23:00:40.000000,10.0,Arousal\n2021-06-01 23:01:00.000000,90.0,Sleep stage 2\n"
      "2021-06-01 23:02:30.000000,30.0,Sleep stage R\n", [0, 0, 2, 2, 2, 4]),  # MNE's annotations CSV
     ("onset,stage\n0,W\n90,N2\n150,REM\n", [0, 0, 0, 2, 2, 4]),  # events without durations: held until the next
     ("onset,duration,stage\n23:59:00,60,W\n00:00:00,60,N2\n00:01:00,30,R\n", [0, 0, 2, 2, 4])],  # past midnight
)  # fmt: skip
def test_hypnogram_csv_shapes_other_tools_write(tmp_path, text, expected):
    path = tmp_path / "h.csv"
    path.write_text(text)
    assert epochs_from_events(read_hypnogram_csv(path), len(expected))[0].tolist() == expected


def test_hypnogram_csv_clock_onsets_are_aligned_to_the_recording_start(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("onset,duration,description\n2021-06-01 23:01:00,60,Sleep stage W\n2021-06-01 23:02:00,60,N2\n")
    scored = Hypnogram.from_annotation(path, 6, datetime(2021, 6, 1, 23, 0))
    assert scored.codes.tolist() == [-1, -1, 0, 0, 2, 2]
    assert any("+60 s" in w for w in scored.metadata["warnings"])


@pytest.mark.parametrize(
    "text, message",
    [("1,W\n2,N2\n", "several columns and no header"),
     ("epoch,score\n1,W\n", "no stage column"),
     ("onset,duration,stage\nlater,30,W\n", "line 2.*unreadable onset"),
     ("onset,duration,stage\n0,nan,W\n", "line 2.*unreadable onset"),
     ("onset,duration,stage\n0,30,W\n23:00:00,30,N2\n", "line 3.*mix kinds of time"),
     ("onset,stage\n2021-03-04 22:15:30,W\n22:16:00,N2\n", "mix kinds of time"),
     ("onset,stage\n2021-03-04 22:15:30,W\n2021-03-04T22:16:00+01:00,N2\n", "mix kinds of time"),
     ("stage\nW\n\xff\n", "line 3"),
     ("N7\nW\nN2\n", "line 1.*unknown stage label 'N7'"),  # a bad first stage is not taken for a header
     ("Sleep Stage\n", "no stage rows")],
)  # fmt: skip
def test_hypnogram_csv_errors_name_the_line_or_the_header(tmp_path, text, message):
    path = tmp_path / "h.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputFileError, match=message):
        read_hypnogram_csv(path)


@pytest.mark.parametrize(
    "header, scoring",
    [("Epoch,Sleep Stage", True), ("onset,duration,description", True), ("stage", True),
     ("time,ECG,stage", False), ("Time (s);ECG;Stage", False), ("time,ECG,THX", False)],
)  # fmt: skip
def test_a_table_with_a_stage_column_and_no_time_column_is_a_scoring(tmp_path, header, scoring):
    path = tmp_path / "t.csv"
    path.write_text(header + "\n")
    assert is_hypnogram_table(path) is scoring
