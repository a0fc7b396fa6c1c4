"""``wav2sleep stage`` batches never die of one input, say what happened on stderr, and never overwrite outputs."""

import json
import logging
import shutil
from datetime import datetime

import numpy as np
import pytest

from wav2sleep.cli.main import main
from wav2sleep.synth import simulate_night, write_edf


@pytest.fixture(scope="module")
def model(small_model_folder):
    return small_model_folder


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    night = simulate_night(2, 0.25, eog=False, has_ppg=False, rates={"ECG": 128, "ABD": 16, "THX": 16})
    channels = [({"ECG": "EKG", "THX": "Thor", "ABD": "Abdo"}[s], x, r, "mV" if s == "ECG" else "")
                for s, (x, r) in night.waveforms.items()]  # fmt: skip
    return write_edf(tmp_path_factory.mktemp("rec") / "night.edf", channels, datetime(2022, 2, 2, 23, 0))


def _run(capsys, *args):
    code = main(["stage", *map(str, args)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err or "-v" in map(str, args)
    return code, captured.out, captured.err


def test_bad_tables_and_sidecars_fail_alone_and_the_batch_goes_on(tmp_path, capsys, model, recording):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("time,ECG\n0,1\n0.1,abc\n0.2,\x00\x01\n")
    bad_npy = tmp_path / "bad.npy"
    np.save(bad_npy, np.zeros(100, dtype=np.float32))
    (tmp_path / "bad.json").write_text("{not json")
    zero_rate = tmp_path / "zero.npy"
    np.save(zero_rate, np.zeros(100, dtype=np.float32))
    (tmp_path / "zero.json").write_text('{"fs": 0, "label": "ECG"}')
    out = tmp_path / "out"
    code, stdout, stderr = _run(capsys, bad_csv, recording, bad_npy, zero_rate, "--model", model, "--out", out,
                                "--formats", "json")  # fmt: skip
    assert code == 1
    assert "1 staged, 3 failed" in stdout
    assert (out / recording.parent.name / "night.hypnogram.json").is_file()  # mirrors the inputs' tree
    lines = [line for line in stderr.splitlines() if line.startswith("wav2sleep stage: failed")]
    assert len(lines) == 3
    assert any(f"{bad_npy}" in line and "bad.json: sidecar not readable as JSON" in line for line in lines)
    assert any(f"{zero_rate}" in line and "[fs]: sampling rate missing or impossible" in line for line in lines)
    assert any(f"{bad_csv}" in line for line in lines)


def test_verbose_shows_the_traceback(tmp_path, capsys, model):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros(10, dtype=np.float32))
    assert main(["stage", str(bad), "--model", str(model), "--out", str(tmp_path / "o"), "-v"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_same_names_in_different_folders_never_overwrite_each_other(tmp_path, capsys, model, recording):
    for sub in ("site1", "site2/a"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        shutil.copy(recording, tmp_path / "in" / sub / "night.edf")
    shutil.copy(recording, tmp_path / "in" / "site1" / "night.bdf.edf")
    out = tmp_path / "out"
    code, stdout, _ = _run(capsys, tmp_path / "in", "--model", model, "--out", out, "--formats", "json")
    assert code == 0 and "3 staged, 0 failed" in stdout
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.json")) == [
        "site1/night.bdf.hypnogram.json", "site1/night.hypnogram.json", "site2/a/night.hypnogram.json"]  # fmt: skip


def test_folders_are_searched_and_wfdb_companions_are_not_inputs(tmp_path, capsys, model, shared_data, recording):
    src = tmp_path / "in"
    shutil.copytree(shared_data / "wfdb_excerpts", src / "wfdb")
    shutil.copy(recording, src / "night.edf")
    (src / "night.hypnogram.csv").write_text("stage\nW\n")  # our own output format: not a recording
    (src / "night-scoring.csv").write_text("Epoch;Sleep Stage\n1;W\n")  # a scorer's: not a recording either
    (src / "night-events.csv").write_text("onset,duration,description\n0,30,Sleep stage W\n")  # MNE's annotations
    code, stdout, stderr = _run(capsys, src, "--model", model, "--out", tmp_path / "out", "--formats", "json",
                                "--signals", "ECG")  # fmt: skip
    staged = {line.split(":")[0] for line in stdout.splitlines() if " epochs, TST" in line}
    assert {p.rsplit("/", 1)[-1] for p in staged} == {"night.edf", "100.hea", "03700181.hea", "a103l.hea"}
    assert code == 0 and "4 staged, 0 failed" in stdout and stderr.count("failed") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "cuda"], "--device cuda: no CUDA device is visible"),
        (["--device", "tpu9"], "is not a device torch knows"),
        (["--formats", "csv,pdf"], "unknown output formats pdf"),
        (["--contract", "speed=fast"], "--contract takes FIELD=VALUE"),
        (["--contract", "resample=cubic"], "resample must be one of soxr, linear"),
        (["--formats", ""], "no output format asked for; give one or more of csv, json"),
        (["--formats", ","], "no output format asked for"),
        # a window no recording fills would only allocate padding (this one: 93 GB)
        (["--contract", "window_epochs=99999999999"], "window_epochs must be 1 to 20160 (a week) or null"),
    ],
)
def test_environment_and_option_problems_are_one_line_errors(tmp_path, capsys, model, recording, args, message):
    code, _, stderr = _run(capsys, recording, "--model", model, "--out", tmp_path / "out", *args)
    assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1


def test_an_output_folder_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys, model, recording):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, stderr = _run(capsys, recording, "--model", model, "--out", blocker / "out")
    assert code == 2 and "folder not writable" in stderr


def test_missing_inputs_are_failures_not_the_end_of_the_batch(tmp_path, capsys, model, recording):
    (tmp_path / "dangling.edf").symlink_to(tmp_path / "nowhere.edf")
    code, stdout, stderr = _run(capsys, tmp_path / "absent.edf", tmp_path / "dangling.edf", recording, "--model",
                                model, "--out", tmp_path / "out", "--formats", "json")  # fmt: skip
    assert code == 1 and "1 staged, 2 failed" in stdout
    assert "absent.edf: file not found" in stderr and "dangling.edf: dangling link" in stderr
    saved = json.loads((tmp_path / "out" / "night.hypnogram.json").read_text())
    assert saved["metadata"]["contract"]["resample"] == "soxr"


def test_channel_overrides_are_checked(tmp_path, capsys, model, recording):
    code, _, stderr = _run(capsys, recording, "--model", model, "--out", tmp_path / "o", "--channel", "FOO=X")
    assert code == 2 and "unknown signal 'FOO'; known signals: ECG" in stderr
    code, _, stderr = _run(capsys, recording, "--model", model, "--out", tmp_path / "o", "--channel", "PPG=EKG")
    assert code == 1 and "a channel is given for PPG, which this staging does not use" in stderr


def test_a_channel_named_like_another_signal_is_used_as_asked_with_a_warning(model, recording):
    from wav2sleep.inference.stage import stage

    hyp = stage(recording, model, channels={"THX": "EKG"})
    assert hyp.metadata["channels"]["THX"]["channel"] == "EKG"
    assert any("channel 'EKG' given for THX is named like ECG" in w for w in hyp.metadata["warnings"])


def test_a_batch_writes_a_cohort_table_and_warnings_go_to_stderr(tmp_path, capsys, model, recording):
    import csv

    flat = tmp_path / "flat.edf"
    write_edf(flat, [("EKG", np.zeros(128 * 600), 128, "mV"), ("Thor", np.sin(np.arange(16 * 600) / 16), 16, "")],
              datetime(2022, 2, 2, 23, 0))  # fmt: skip
    out = tmp_path / "out"
    code, stdout, stderr = _run(capsys, recording, flat, tmp_path / "absent.edf", "--model", model, "--out", out,
                                "--formats", "json")  # fmt: skip
    assert code == 1 and "cohort table:" in stdout
    rows = list(csv.DictReader((out / "cohort.csv").open()))
    assert [r["status"].split(":")[0] for r in rows] == ["failed", "staged", "staged"]
    staged = {r["recording"].rsplit("/", 1)[-1]: r for r in rows if r["status"] == "staged"}
    assert float(staged["night.edf"]["TIB"]) == 15.0 and staged["night.edf"]["epochs"] == "30"
    assert f"{flat}: ECG (EKG): QC flat" in stderr  # the flat ECG is named on the terminal
    lines = stdout.splitlines()
    table = lines[lines.index(next(x for x in lines if x.startswith("recording "))) :]  # the summary at the end
    assert table[0].split() == ["recording", "epochs", "TST", "SE", "kappa", "warnings", "status"]
    assert "failed: file not found" in table[1]
    assert table[2].split()[1:3] == ["30", staged["night.edf"]["TST"]] and table[2].rstrip().endswith("staged")
    assert "night.edf" in (out / "index.html").read_text() and "2 staged, 1 failed" in (out / "index.html").read_text()
    assert f"{flat}: ECG (EKG): unusable in 20 of 20 epochs" in stderr


def test_stage_help_lists_every_input_type_and_output_format():
    from wav2sleep.cli.stage import EPILOG
    from wav2sleep.inference.report import FORMATS
    from wav2sleep.io.recording import READERS

    assert all(ext in EPILOG for ext in READERS) and all(f"  {fmt}  " in EPILOG for fmt in FORMATS)


def test_verbose_logs_the_time_of_each_phase(tmp_path, caplog, model, recording):
    caplog.set_level(logging.INFO, logger="wav2sleep.timings")  # what -v shows on stderr
    code = main(["-v", "stage", str(recording), "--model", str(model), "--out", str(tmp_path), "--formats", "json,png"])
    assert code == 0
    lines = [
        json.loads(r.getMessage().split("timings ", 1)[1]) for r in caplog.records if r.name == "wav2sleep.timings"
    ]
    assert [line["of"] for line in lines] == [str(model), str(recording)]
    assert set(lines[0]["seconds"]) == {"load_model"}
    phases = lines[1]["seconds"]
    assert set(phases) == {"read", "resample_qc", "model", "statistics", "exports", "report"}
    assert all(v >= 0 for v in phases.values()) and phases["model"] > 0


def test_a_pipe_and_a_device_among_the_inputs_fail_alone(tmp_path, capsys, model, recording):
    import os

    os.mkfifo(tmp_path / "pipe.edf")
    (tmp_path / "zeros.edf").symlink_to("/dev/zero")  # read without end if opened
    code, stdout, stderr = _run(capsys, tmp_path / "pipe.edf", tmp_path / "zeros.edf", recording, "--model", model,
                                "--out", tmp_path / "out", "--formats", "json")  # fmt: skip
    assert code == 1 and "1 staged, 2 failed" in stdout
    assert (
        "pipe.edf: a named pipe (FIFO), not a file" in stderr and "zeros.edf: a character device, not a file" in stderr
    )


def test_file_names_that_are_not_utf8_or_hold_a_newline_stage_and_the_batch_pages_are_written(tmp_path, capsys,
                                                                                              model, recording):  # fmt: skip
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    odd = [folder / os.fsdecode(b"nuit\xff\xfe.edf"), folder / "new\nline.edf", folder / "été.edf"]
    for path in odd:
        shutil.copy(recording, path)
    out = tmp_path / "out"
    code, stdout, stderr = _run(capsys, folder, "--model", model, "--out", out, "--formats", "json,csv,png,html")
    assert code == 0 and "3 staged, 0 failed" in stdout  # matplotlib refused the title, the index page its encoding
    assert (out / os.fsdecode(b"nuit\xff\xfe.report.html")).is_file()
    table = (out / "cohort.csv").read_bytes().decode("utf-8")  # UTF-8 throughout: the odd bytes written as \\xff
    assert "nuit\\xff\\xfe.edf" in table and "été.edf" in table
    assert "nuit\\xff\\xfe.edf" in (out / os.fsdecode(b"nuit\xff\xfe.report.html")).read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")  # links percent-encode the name's bytes: they open it
    assert 'href="nuit%FF%FE.report.html"' in index and 'href="new%0Aline.report.html"' in index
