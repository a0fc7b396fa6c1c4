"""Paths given as files that are not regular files are refused by what they are, before any reader opens them: a
named pipe would block a reader until something writes to it, and a device would feed it without end."""

import os
import threading
from pathlib import Path

import pytest

from wav2sleep.errors import InputFileError
from wav2sleep.io import channel_labels, read_recording
from wav2sleep.io.annotations import read_annotation
from wav2sleep.io.paths import not_a_file


def _returns_in_time(call, path: Path, seconds: float = 10.0) -> BaseException | None:
    """Run ``call(path)`` in a thread; fail the test if it blocks (then unblock it by opening the pipe's write end)."""
    outcome: list[BaseException | None] = []

    def target():
        try:
            call(path)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(path, os.O_WRONLY))  # the blocked reader now sees end of file
        thread.join(seconds)
        pytest.fail(f"{call.__name__} blocked on {path.name}")
    return outcome[0]


@pytest.mark.parametrize("name", ["night.edf", "night.csv", "ecg.txt", "night.hea", "night.parquet"])
@pytest.mark.parametrize("call", [read_recording, channel_labels, read_annotation])
def test_a_named_pipe_is_refused_without_blocking(tmp_path, name, call):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    exc = _returns_in_time(call, pipe)
    assert isinstance(exc, InputFileError) and str(exc) == f"{pipe}: a named pipe (FIFO), not a file"


def test_what_a_path_is_instead_of_a_file(tmp_path):
    (tmp_path / "regular.edf").write_bytes(b"0")
    (tmp_path / "device.edf").symlink_to("/dev/null")
    (tmp_path / "dangling.edf").symlink_to(tmp_path / "absent.edf")
    (tmp_path / "loop.edf").symlink_to(tmp_path / "loop.edf")
    (tmp_path / "folder.edf").mkdir()
    assert not_a_file(tmp_path / "regular.edf") is None
    assert not_a_file(tmp_path / "device.edf") == "a character device, not a file"
    assert not_a_file(tmp_path / "dangling.edf") == "dangling link (its target is missing)"
    assert not_a_file(tmp_path / "loop.edf") == "link that loops"
    assert not_a_file(tmp_path / "folder.edf") == "a folder, not a file"
    assert not_a_file(tmp_path / "absent.edf") == "file not found"
    with pytest.raises(InputFileError, match="device.edf: a character device, not a file"):
        read_recording(tmp_path / "device.edf")
