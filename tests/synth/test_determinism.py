import hashlib

from wav2sleep.synth import write_corpus


def _digest(root):
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    kwargs = {"datasets": ["shhs", "wsc"], "nights": 2, "hours": 0.3, "workers": 1}
    write_corpus(tmp_path / "a", seed=5, **kwargs)
    write_corpus(tmp_path / "b", seed=5, workers=None, **{k: v for k, v in kwargs.items() if k != "workers"})
    write_corpus(tmp_path / "c", seed=6, **kwargs)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
