"""``--ray local`` runs the same tasks on a real local Ray instance and gives the same store."""

import numpy as np
import pytest

from wav2sleep.ingest.runner import ingest_folder
from wav2sleep.store import read_manifest, read_night

pytest.importorskip("ray")


def test_ray_local_equals_process_pool(synth_corpus, tmp_path):
    root, _ = synth_corpus
    pool, ray_store = tmp_path / "pool", tmp_path / "ray"
    ingest_folder(root / "chat", pool, workers=2, progress=False)
    summary = ingest_folder(root / "chat", ray_store, workers=2, ray="local", progress=False)
    assert summary.ok == 2
    a = {r["session"]: r for r in read_manifest(pool)}
    b = {r["session"]: r for r in read_manifest(ray_store)}
    assert a.keys() == b.keys()
    for session in a:
        x, y = read_night(pool / a[session]["path"]), read_night(ray_store / b[session]["path"])
        np.testing.assert_array_equal(x.stages, y.stages)
        for s in x.signals:
            np.testing.assert_array_equal(x.signals[s], y.signals[s])
