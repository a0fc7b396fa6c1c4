"""One small valid file per reader, and the public call that reads it: the seeds of the reader conformance test and
of the fuzzers (tests/io/test_conformance.py, benchmarks/fuzz.py).

Each ``ReaderCase`` writes its seed into a folder (with any companion files the format needs, which the fuzzers
leave alone) and names the file to mutate and the call that reads it. Every call is a public entry point
(``read_recording``, ``read_annotation``), which must let nothing but ``InputFileError`` out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

__all__ = [
    "ReaderCase",
    "READER_CASES",
    "write_edf_plus_d",
    "write_cap_scoring",
    "write_rml",
    "Mutation",
    "apply_mutations",
    "random_mutations",
    "TOKENS",
]

START = datetime(2021, 3, 4, 22, 15, 30)


@dataclass(frozen=True)
class ReaderCase:
    name: str
    write: Callable[[Path], Path]  # folder -> the seed file (companions written beside it)
    read: Callable[[Path], object]  # the public read call on the (mutated) seed


# Byte strings that make parsers take their rarely used branches: non-finite and extreme numbers, separators.
TOKENS = (b"nan", b"inf", b"-inf", b"-1", b"0", b"1e308", b"99999999", b"-99999999", b"\x00", b"\xff\xfe", b" ",
          b"/", b":", b".", b"\t", b"\n", b"|", b"<", b"</", b"EDF+D", b"\x14", b"\x15", b"+1000000")  # fmt: skip
# One edit: (operation, position as a fraction of the length, operand: a length or a token index).
Mutation = tuple[str, float, int]
OPERATIONS = ("flip", "set", "insert", "delete", "truncate", "token", "repeat")


def apply_mutations(data: bytes, mutations: list[Mutation]) -> bytes:
    """Apply byte-level edits to ``data``: the one mutation engine of the fuzz test and the fuzz benchmark."""
    out = bytearray(data)
    for op, where, operand in mutations:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if op == "flip" and out:
            out[at] ^= 1 << (operand % 8)
        elif op == "set" and out:
            out[at] = operand % 256
        elif op == "insert":
            out[at:at] = bytes([operand % 256]) * (1 + operand % 4)
        elif op == "delete":
            del out[at : at + 1 + operand % 16]
        elif op == "truncate":
            del out[at:]
        elif op == "token":
            token = TOKENS[operand % len(TOKENS)]
            out[at : at + len(token) * (operand % 2)] = token  # replace or insert
        elif op == "repeat":
            out[at:at] = out[at : at + 1 + operand % 64] * (1 + operand % 3)
    return bytes(out)


def random_mutations(rng: np.random.Generator, max_edits: int = 4) -> list[Mutation]:
    n = int(rng.integers(1, max_edits + 1))
    return [(OPERATIONS[int(rng.integers(len(OPERATIONS)))], float(rng.random()), int(rng.integers(0, 1 << 16)))
            for _ in range(n)]  # fmt: skip


def _signals(seconds: int = 20) -> list:
    rng = np.random.default_rng(3)
    return [("EKG", rng.standard_normal(64 * seconds), 64, "mV"), ("Thor", rng.standard_normal(8 * seconds), 8, "")]


def _edf(folder: Path) -> Path:
    from wav2sleep.synth.edf_writer import write_edf

    return write_edf(folder / "seed.edf", _signals(), START)


def write_edf_plus_d(path: Path, onsets: list) -> Path:
    """An EDF+D with one record per second whose time-keeping annotations say ``onsets`` (numbers or text), as a
    recorder that paused would have written it."""
    import edfio

    from wav2sleep.io.edf import read_header

    rng = np.random.default_rng(5)
    signals = [edfio.EdfSignal(rng.standard_normal(256 * len(onsets)), sampling_frequency=256, label="EKG",
                               physical_dimension="mV"),
               edfio.EdfSignal(rng.standard_normal(10 * len(onsets)), sampling_frequency=10, label="Thor")]  # fmt: skip
    edfio.Edf(signals, annotations=[edfio.EdfAnnotation(0, None, "lights off")], starttime=time(23, 0, 0),
              recording=edfio.Recording(startdate=date(2003, 5, 6))).write(path)  # fmt: skip
    raw = bytearray(path.read_bytes())
    raw[192:197] = b"EDF+D"
    header = read_header(path)
    i = header.labels.index("EDF Annotations")
    before = 2 * sum(s["samples"] for s in header.signals[:i])
    size = 2 * header.signals[i]["samples"]
    for k, onset in enumerate(onsets):
        at = header.header_bytes + k * 2 * header.record_samples + before
        text = onset if str(onset).startswith("-") else f"+{onset}"
        raw[at : at + size] = f"{text}\x14\x14\x00".encode().ljust(size, b"\x00")
    path.write_bytes(bytes(raw))
    return path


def _edf_plus_d(folder: Path) -> Path:
    return write_edf_plus_d(folder / "seed.edf", [0, 1, 2, 5, 6, 7, 8, 12, 13, 14])


def _wfdb(folder: Path) -> Path:
    import wfdb

    x = np.stack([s[1][:1280] for s in _signals()[:1]] * 2, axis=1)
    wfdb.wrsamp("seed", fs=64, units=["mV", "mV"], sig_name=["MLII", "V5"], p_signal=x, fmt=["16", "16"],
                write_dir=str(folder), base_time=time(10, 30), base_date=date(1989, 7, 20))  # fmt: skip
    return folder / "seed.hea"


def _wfdb_multisegment(folder: Path) -> Path:
    """A variable-layout multi-segment record: a layout segment, ECG alone, a gap, ECG and respiration."""
    import wfdb

    t = np.arange(640) / 64
    wfdb.wrsamp("seed_0001", fs=64, units=["mV"], sig_name=["II"], p_signal=np.sin(t)[:, None], fmt=["16"],
                write_dir=str(folder))  # fmt: skip
    wfdb.wrsamp("seed_0002", fs=64, units=["mV", "NU"], sig_name=["II", "RESP"], fmt=["16", "16"],
                p_signal=np.stack([np.sin(t), np.cos(t / 8)], 1), write_dir=str(folder))  # fmt: skip
    (folder / "seed_layout.hea").write_text(
        "seed_layout 2 64 0\n~ 0 200/mV 16 0 0 0 0 II\n~ 0 200/NU 16 0 0 0 0 RESP\n"
    )
    (folder / "seed.hea").write_text("seed/4 2 64 1344 10:30:00 20/07/1989\nseed_layout 0\nseed_0001 640\n~ 64\n"
                                     "seed_0002 640\n")  # fmt: skip
    return folder / "seed.hea"


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:06.3f}"


def _rr(folder: Path) -> Path:
    beats = np.cumsum(np.full(80, 0.85))
    starts = np.r_[0.0, beats[:-1]]
    rows = [f"{_clock(a):>12}\t{'[0]' if i == 0 else 'N'}\t{b - a:.3f}\tN\t{_clock(b):>12}"
            for i, (a, b) in enumerate(zip(starts, beats, strict=True))]  # fmt: skip
    (folder / "seed.rr").write_text("\n".join(rows) + "\n")
    (folder / "seed.hea").write_text("seed 1 250 17000 23:07:00 19/1/1989\nseed.dat 212 200 12 0 0 0 0 ECG\n")
    return folder / "seed.rr"


def _an(folder: Path) -> Path:
    rows = ["Elapsed time  Sample #  Type  Sub Chan  Num\tAux"]
    rows += [f"{_clock(30 * e):>12} {30 * e * 250:>8}     \"    0    0    0\t{tok}"
             for e, tok in enumerate(["W", "1", "2 HA", "3", "4", "R", "MT", "2"])]  # fmt: skip
    (folder / "seed.an").write_text("\n".join(rows) + "\n")
    return folder / "seed.an"


def _xml(folder: Path) -> Path:
    from wav2sleep.synth.annotations import write_nsrr_xml

    write_nsrr_xml(folder / "seed-nsrr.xml", np.array([0, 0, 1, 2, 2, 3, 4, 4, 0]), START)
    return folder / "seed-nsrr.xml"


def _stg(folder: Path) -> Path:
    from wav2sleep.synth.annotations import write_wsc_stg

    write_wsc_stg(folder / "seed.stg.txt", folder / "seed.log.txt", np.array([0, 1, 2, 2, 3, 4, 0]), START)
    return folder / "seed.stg.txt"


def _allscore(folder: Path) -> Path:
    from wav2sleep.synth.annotations import write_wsc_allscore

    write_wsc_allscore(folder / "seed.allscore.txt", np.array([0, 1, 2, 2, 3, 4, 0]), START)
    return folder / "seed.allscore.txt"


def _hypnogram_csv(folder: Path) -> Path:
    (folder / "seed.hypnogram.csv").write_text("stage\nW\nN1\nN2\nN3\nREM\n?\nN2\n")
    return folder / "seed.hypnogram.csv"


def _luna_eannot(folder: Path) -> Path:
    """Luna's epoch annotations: one stage per 30-s epoch (L: lights on)."""
    (folder / "seed.eannot").write_text("L\nW\nN1\nN2\nN3\nR\n?\nN2\nL\n")
    return folder / "seed.eannot"


def _original_preds(folder: Path) -> Path:
    """The original wav2sleep's predictions as its ``predict.py`` writes them (pandas, right edges as clock times)."""
    rows = "".join(f"{START + timedelta(seconds=30 * k)},{k % 4},{k % 5}\n" for k in range(1, 9))
    (folder / "seed.preds.csv").write_text("Timestamp,Pred,Stage\n" + rows)
    return folder / "seed.preds.csv"


def _profusion_xml(folder: Path) -> Path:
    """Compumedics Profusion XML (NSRR's annotations-events-profusion): one R&K digit per epoch."""
    stages = "".join(f"<SleepStage>{d}</SleepStage>" for d in (0, 0, 1, 2, 3, 4, 5, 9, 2))
    (folder / "seed-profusion.xml").write_text(
        '<?xml version="1.0"?><CMPStudyConfig><EpochLength>30</EpochLength><ScoredEvents><ScoredEvent><Name>Arousal'
        f"</Name><Start>42.5</Start><Duration>5</Duration></ScoredEvent></ScoredEvents><SleepStages>{stages}"
        "</SleepStages></CMPStudyConfig>"
    )
    return folder / "seed-profusion.xml"


def _wfdb_stages(folder: Path) -> Path:
    """SLPDB-style binary stage annotations (``.st``): one note per 30-s epoch, the R&K stage first in its aux."""
    import wfdb

    notes = ["W", "W", "1", "2 H", "2", "3", "4 OA", "R", "MT", "2"]
    wfdb.wrann("seed", "st", np.arange(len(notes)) * 7500 + 1, symbol=['"'] * len(notes), aux_note=notes, fs=250,
               write_dir=str(folder))  # fmt: skip
    return folder / "seed.st"


def write_cap_scoring(path: Path, rows: list[tuple[str, str, str, str]], position: bool = True) -> Path:
    """A CAP Sleep Database scoring (``n1.txt``): patient lines, then the tab-separated table of (stage, clock time,
    event, duration) rows; with ``position`` the body-position column is there too, as in most of its files."""
    head = ["Sleep Stage", "Position", "Time [hh:mm:ss]", "Event", "Duration[s]", "Location"]
    lines = ["Patient Name:\tseed", "Patient ID:\t", "Recording Date:\t04/03/2021", "", "Events Included:",
             "SLEEP-S0", "SLEEP-S1", "MCAP-A1", ""]  # fmt: skip
    lines.append("\t".join(head if position else head[:1] + head[2:]))
    for stage, clock, event, duration in rows:
        lines.append(
            "\t".join([stage, "Supine"] * position + [stage] * (not position) + [clock, event, duration, "ROC-LOC"])
        )
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def write_rml(path: Path, stages: list[tuple[str, float]], start: datetime, duration: float,
              staging: str = "UserStaging", rk_stages: list[tuple[str, float]] = ()) -> Path:  # fmt: skip
    """A Philips Respironics RML scoring: the session's start and length, and ``stages`` ((type, start s) pairs) in
    ``staging`` (``UserStaging`` or ``MachineStaging``), as Sleepware writes it (with its default namespace); with
    ``rk_stages`` an R&K staging before the AASM one."""
    blocks = "".join(
        f"<{tag}>" + "".join(f'<Stage Type="{kind}" Start="{onset:g}" />' for kind, onset in items) + f"</{tag}>"
        for tag, items in (("NeuroRKStaging", rk_stages), ("NeuroAdultAASMStaging", stages))
        if items
    )
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<PatientStudy xmlns="http://www.respironics.com/PatientStudy.xsd" '
        f'Version="1.0"><Acquisition><Sessions><Session><RecordingStart>{start.isoformat()}</RecordingStart>'
        f"<Duration>{duration:g}</Duration></Session></Sessions></Acquisition><ScoringData><Events />"
        f"<StagingData><{staging}>{blocks}</{staging}></StagingData>"
        "</ScoringData></PatientStudy>\n",
        encoding="utf-8",
    )
    return path


def _rml(folder: Path) -> Path:
    stages = [("Wake", 0), ("NonREM1", 90), ("NonREM2", 150), ("NonREM3", 270), ("REM", 330), ("NotScored", 390)]
    return write_rml(folder / "seed.rml", stages, START, 420)


def _cap_txt(folder: Path) -> Path:
    """A CAP scoring: stages with dotted clock times across midnight, S4 and MT, and a CAP A phase among them."""
    rows = [("W", "23.59.00", "SLEEP-S0", "30"), ("W", "23.59.30", "SLEEP-S0", "30"),
            ("S1", "00.00.00", "SLEEP-S1", "30"), ("S2", "00.00.30", "SLEEP-S2", "30"),
            ("S2", "00.00.41", "MCAP-A1", "4"), ("S4", "00.01.00", "SLEEP-S4", "30"),
            ("R", "00.01.30", "SLEEP-REM", "30"), ("MT", "00.02.00", "SLEEP-MT", "30")]  # fmt: skip
    return write_cap_scoring(folder / "seed.txt", rows)


def _ucd_stages(folder: Path) -> Path:
    """A UCD database stage file: one code per 30-s epoch (0 wake, 1 REM, 2-5 stages 1-4, 6-7 unscored)."""
    (folder / "seed_stage.txt").write_text("0\n0\n2\n3\n3\n4\n5\n1\n1\n6\n7\n3\n")
    return folder / "seed_stage.txt"


def _dreams_txt(folder: Path) -> Path:
    """A DREAMS hypnogram: its header line, then one code per 5-s epoch (5 wake ... 0 stage 4, -1 to -3 unscored)."""
    codes = [5] * 6 + [3] * 6 + [2] * 12 + [1] * 6 + [0] * 6 + [4] * 6 + [-1, -2, -3, 5, 5, 5]
    path = folder / "HypnogramAASM_seed.txt"
    path.write_text("[HypnogramAASM]\n" + "".join(f"{c}\n" for c in codes))
    return path


def _fitbit_json(folder: Path) -> Path:
    """A Fitbit sleep log as Google Takeout writes it: a list of logs, one of them staged (runs of levels)."""
    runs = [("2020-02-20T23:21:30.000", "wake", 630), ("2020-02-20T23:32:00.000", "light", 1800),
            ("2020-02-21T00:02:00.000", "deep", 1200), ("2020-02-21T00:22:00.000", "rem", 1770)]  # fmt: skip
    data = [{"dateTime": t, "level": level, "seconds": s} for t, level, s in runs]
    log = {"dateOfSleep": "2020-02-21", "type": "stages", "startTime": runs[0][0], "levels": {"data": data}}
    (folder / "sleep-2020-02-21.json").write_text(json.dumps([log, {"type": "classic", "levels": {}}]))
    return folder / "sleep-2020-02-21.json"


def _edf_rec(folder: Path) -> Path:
    """An EDF named ``.rec``, as the UCD and ISRUC databases name their PSGs."""
    _edf(folder).rename(folder / "seed.rec")
    return folder / "seed.rec"


def _edf_hypnogram(folder: Path) -> Path:
    """A Sleep-EDF-style hypnogram: EDF+ annotations only (record duration 0), stages and one other event."""
    import edfio

    events = [(0, 90, "Sleep stage W"), (90, 60, "Sleep stage 1"), (120, None, "Lights off"),
              (150, 120, "Sleep stage 2"), (270, 30, "Sleep stage 4"), (300, None, "Sleep stage R"),
              (330, 30, "Movement time"), (360, 60, "Sleep stage ?")]  # fmt: skip
    edfio.Edf([], starttime=START.time(), recording=edfio.Recording(startdate=START.date()),
              annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in events]).write(folder / "seed-Hypnogram.edf")  # fmt: skip
    return folder / "seed-Hypnogram.edf"


def _hypnogram_events_csv(folder: Path) -> Path:
    """Stages as events with clock onsets, as MNE writes annotations to CSV (a non-stage event among them)."""
    (folder / "seed.csv").write_text(
        "onset,duration,description\n2021-03-04 22:15:30.000000,90.0,Sleep stage W\n"
        "2021-03-04 22:16:10.000000,12.5,Arousal\n2021-03-04 22:17:00.000000,60.0,Sleep stage 2\n"
        "2021-03-04 22:18:00.000000,,Sleep stage R\n"
    )
    return folder / "seed.csv"


def _csv(folder: Path) -> Path:
    t = np.arange(0, 60, 1 / 16)
    rows = ["time,ECG,THX"] + [f"{a:.4f},{np.sin(a):.4f},{np.cos(a):.4f}" for a in t]
    (folder / "seed.csv").write_text("\n".join(rows) + "\n")
    return folder / "seed.csv"


def _clocked_ecg_csv(folder: Path, time_name: str, stamp: Callable[[float], str]) -> Path:
    """A minute of a 16-Hz ECG whose time column ``time_name`` gives each sample's clock time as ``stamp(s)``."""
    t = np.arange(0, 60, 1 / 16)
    rows = [f"{time_name},ECG"] + [f"{stamp(float(a))},{np.sin(a):.4f}" for a in t]
    (folder / "seed.csv").write_text("\n".join(rows) + "\n")
    return folder / "seed.csv"


def _csv_clock(folder: Path) -> Path:
    """A device's export: dates as 03/04/2021 (month first, as its crossing of midnight shows) and a time."""
    before_midnight = START.replace(hour=23, minute=59, second=30)
    return _clocked_ecg_csv(folder, "time", lambda a: (before_midnight + timedelta(seconds=a)).strftime(
        "%m/%d/%Y %H:%M:%S.%f")[:-3])  # fmt: skip


def _csv_date_index(folder: Path) -> Path:
    """A CSV as pandas writes a DatetimeIndex named ``Date`` (the original wav2sleep's input: first column the time)."""
    return _clocked_ecg_csv(folder, "Date", lambda a: str(START + timedelta(seconds=a)))


def _csv_beats(folder: Path) -> Path:
    """A beat list as a heart-rate strap exports it: one row per beat, its clock time and its interval in ms."""
    rr = 0.9 + 0.05 * np.sin(np.arange(400) / 20)
    times = np.cumsum(rr)
    rows = ["timestamp,RR (ms)"] + [f"2024-05-01T23:{int(t // 60):02d}:{t % 60:06.3f},{1000 * r:.0f}"
                                    for t, r in zip(times, rr, strict=True)]  # fmt: skip
    (folder / "seed.csv").write_text("\n".join(rows) + "\n")
    return folder / "seed.csv"


def _empatica_bvp(folder: Path) -> Path:
    """An Empatica E4 BVP.csv: the session start and the rate on the first two lines, then the samples."""
    bvp = np.sin(np.arange(0, 60, 1 / 16) * 7) * 40
    (folder / "BVP.csv").write_text("1614896130.000000\n16.000000\n" + "\n".join(f"{v:.2f}" for v in bvp) + "\n")
    return folder / "BVP.csv"


def _empatica_ibi(folder: Path) -> Path:
    """An Empatica E4 IBI.csv: the session start, then each clean beat's time from the start and its interval."""
    rr = 0.9 + 0.05 * np.sin(np.arange(200) / 20)
    rows = [f"{t:.6f},{r:.6f}" for t, r in zip(5 + np.cumsum(rr), rr, strict=True)]
    (folder / "IBI.csv").write_text("1614896130.000000, IBI\n" + "\n".join(rows) + "\n")
    return folder / "IBI.csv"


def _dreamt(folder: Path) -> Path:
    """A DREAMT-style table: a wristband's signals and the scorer's stage on every row."""
    t = np.arange(0, 120, 1 / 16)
    stages = np.repeat(["P", "W", "N2", "R"], t.size // 4)
    rows = ["TIMESTAMP,BVP,IBI,Sleep_Stage"]
    rows += [f"{a:.4f},{np.sin(7 * a):.3f},,{s}" for a, s in zip(t, stages, strict=True)]
    (folder / "seed_whole_df.csv").write_text("\n".join(rows) + "\n")
    return folder / "seed_whole_df.csv"


def _parquet(folder: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = np.arange(0, 60, 1 / 16)
    pq.write_table(pa.table({"seconds": t, "ECG": np.sin(t), "THX": np.cos(t)}), folder / "seed.parquet")
    return folder / "seed.parquet"


def _original_parquet(folder: Path) -> Path:
    """Two epochs in the original wav2sleep's preprocessed layout: THX on k * 30 / 256 s within the union index of
    the ECG grid, k * 30 / 1024 s, and Stage at each epoch's right edge."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = np.arange(1, 2 * 1024 + 1) * 30 / 1024
    on_thx, on_stage = np.arange(t.size) % 4 == 3, np.arange(t.size) % 1024 == 1023
    table = {"ECG": np.sin(t), "THX": np.where(on_thx, np.cos(t), np.nan), "Stage": np.where(on_stage, 2.0, np.nan),
             "__index_level_0__": t}  # fmt: skip
    pq.write_table(pa.table(table), folder / "seed.parquet")
    return folder / "seed.parquet"


def _npz(folder: Path) -> Path:
    np.savez(folder / "seed.npz", ECG=np.sin(np.arange(960) / 16), fs=16.0)
    return folder / "seed.npz"


def _npy(folder: Path) -> Path:
    np.save(folder / "seed.npy", np.sin(np.arange(960) / 16).astype(np.float32))
    (folder / "seed.json").write_text(json.dumps({"fs": 16.0, "label": "ECG", "start": START.isoformat()}))
    return folder / "seed.npy"


def _npy_sidecar(folder: Path) -> Path:
    _npy(folder)
    return folder / "seed.json"


def _read_recording(path: Path):
    from wav2sleep.io import read_recording

    return read_recording(path)


def _read_npy_beside(sidecar: Path):
    return _read_recording(sidecar.with_suffix(".npy"))


def _read_annotation(path: Path):
    from wav2sleep.io.annotations import read_annotation

    return read_annotation(path)


READER_CASES: dict[str, ReaderCase] = {
    c.name: c
    for c in (
        ReaderCase("edf", _edf, _read_recording),
        ReaderCase("edf+d", _edf_plus_d, _read_recording),
        ReaderCase("wfdb-header", _wfdb, _read_recording),
        ReaderCase("wfdb-multisegment", _wfdb_multisegment, _read_recording),
        ReaderCase("slpdb-rr", _rr, _read_recording),
        ReaderCase("csv", _csv, _read_recording),
        ReaderCase("csv-clock", _csv_clock, _read_recording),
        ReaderCase("csv-date-index", _csv_date_index, _read_recording),
        ReaderCase("csv-beats", _csv_beats, _read_recording),
        ReaderCase("parquet", _parquet, _read_recording),
        ReaderCase("original-parquet", _original_parquet, _read_recording),
        ReaderCase("empatica-bvp", _empatica_bvp, _read_recording),
        ReaderCase("empatica-ibi", _empatica_ibi, _read_recording),
        ReaderCase("dreamt-stages", _dreamt, _read_annotation),
        ReaderCase("npz", _npz, _read_recording),
        ReaderCase("npy", _npy, _read_recording),
        ReaderCase("npy-sidecar", _npy_sidecar, _read_npy_beside),
        ReaderCase("nsrr-xml", _xml, _read_annotation),
        ReaderCase("wsc-stg", _stg, _read_annotation),
        ReaderCase("wsc-allscore", _allscore, _read_annotation),
        ReaderCase("hypnogram-csv", _hypnogram_csv, _read_annotation),
        ReaderCase("hypnogram-csv-events", _hypnogram_events_csv, _read_annotation),
        ReaderCase("original-preds", _original_preds, _read_annotation),
        ReaderCase("luna-eannot", _luna_eannot, _read_annotation),
        ReaderCase("slpdb-an", _an, _read_annotation),
        ReaderCase("edf-annotations", _edf_hypnogram, _read_annotation),
        ReaderCase("profusion-xml", _profusion_xml, _read_annotation),
        ReaderCase("wfdb-stages", _wfdb_stages, _read_annotation),
        ReaderCase("cap-txt", _cap_txt, _read_annotation),
        ReaderCase("rml", _rml, _read_annotation),
        ReaderCase("ucd-stage", _ucd_stages, _read_annotation),
        ReaderCase("dreams-txt", _dreams_txt, _read_annotation),
        ReaderCase("edf-rec", _edf_rec, _read_recording),
        ReaderCase("fitbit-json", _fitbit_json, _read_annotation),
    )
}
