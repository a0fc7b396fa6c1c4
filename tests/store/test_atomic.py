import pytest

from wav2sleep.store import atomic_path, write_text_atomic


def test_success_replaces_target(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_error_midway_keeps_old_content_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        assert tmp.name.startswith(".out.txt.") and tmp.suffix == ".tmp"
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_interrupt_is_cleaned_up_too(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_the_usual_permissions_even_when_the_writer_replaces_the_file(tmp_path):
    """mkstemp makes 0600 files and safetensors writes a file of its own: a saved model must be readable by the lab
    (umask 022: 0644), as any file the user writes."""
    import os
    import stat

    from wav2sleep.models import create_model, save_model

    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
        folder = save_model(create_model("hrv-sequence", members=1), tmp_path / "model")
    finally:
        os.umask(old)
    for path in (tmp_path / "a.txt", folder / "model.safetensors", folder / "config.yaml", folder / "README.md"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
