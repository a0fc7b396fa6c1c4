"""The shipped beat-interval model (``builtin:ibi-slpdb``, an HRVSequence ensemble): loading by name, staging real
SLPDB beat intervals and a real ECG through detected beats, and the training recipe that builds it."""

import numpy as np
import pytest
import torch

from wav2sleep.errors import ConfigError, ModelLoadError
from wav2sleep.inference.stage import stage
from wav2sleep.models import create_model, load_model, save_model
from wav2sleep.models.folder import builtin_models, resolve_model_folder
from wav2sleep.models.hrv_sequence import HRVSequence, night_features
from wav2sleep.training.hrv_sequence import CONTRACT, fit_member, train_ensemble

BUILTIN = "builtin:ibi-slpdb"


def _night(seed: int, hours: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """An IBI grid (s) whose heart slows and steadies in 'deep' stretches, and its 4-class labels."""
    rng = np.random.default_rng(seed)
    epochs = int(hours * 120)
    # Blocks of 20 epochs in random order, each night with the same share of every stage, as real nights have
    # alike (the features are z-scored per night: a night of a third deep sleep would shift them).
    labels = np.repeat(rng.permutation(np.resize(np.arange(4), epochs // 20)), 20)
    rr = np.repeat(np.where(labels == 2, 1.1, 0.85), 256) + 0.02 * rng.standard_normal(labels.size * 256)
    return rr.astype(np.float32), labels


def test_the_builtin_model_loads_by_name():
    assert "ibi-slpdb" in builtin_models()
    net = load_model(BUILTIN)
    assert isinstance(net, HRVSequence) and net.signals == ("IBI",) and net.num_classes == 4
    assert net.contract.normalisation == "none" and len(net.members) == 3 and not net.training
    assert net.forest is not None and net.tree_weight == 0.5  # boosted trees blended in, half and half
    card = (resolve_model_folder(BUILTIN) / "README.md").read_text()
    for text in ("Training data", "Population", "Rechtschaffen & Kales", "Cross-validated", "Intended use", "Limits"):
        assert text in card, text
    with pytest.raises(ModelLoadError, match="builtin:ibi-slpdb"):  # the error lists what is built in
        load_model("builtin:nope")


def test_a_real_slpdb_night_is_staged_and_agrees_with_its_scorer(shared_data):
    # slp67x is one of the 13 training nights: this checks that the shipped weights and features work end to end,
    # not how well the model generalises (docs/model-cards/ibi-slpdb.md gives the cross-validated figures).
    hyp = stage(shared_data / "slpdb" / "slp67x.rr", BUILTIN, reference="auto")
    assert hyp.n_epochs == 154 and hyp.labels == ("W", "Light", "Deep", "REM")
    assert np.allclose(hyp.proba.to_numpy().sum(axis=1), 1.0, atol=1e-5)
    agreement = hyp.metadata["agreement"]
    assert agreement["reference"].endswith("slp67x.an") and agreement["kappa"] > 0.4
    assert hyp.metadata["channels"]["IBI"]["channel"] == "RR"


def test_an_ecg_is_staged_through_detected_beats(shared_data):
    hyp = stage(shared_data / "wfdb_excerpts" / "100.hea", BUILTIN)  # 30 min of MIT-BIH ECG, lead MLII
    assert hyp.n_epochs == 60 and np.isfinite(hyp.proba.to_numpy()).all()
    channel = hyp.metadata["channels"]["IBI"]
    assert channel["channel"] == "MLII" and channel["derived_from"] == "ECG"
    assert any("beats detected in the ECG" in w for w in hyp.metadata["warnings"])


def test_forward_is_the_mean_of_the_members_probabilities():
    torch.manual_seed(0)
    net = create_model("hrv-sequence").eval()
    ibi, _ = _night(0)
    with torch.no_grad():
        out = net({"IBI": torch.from_numpy(ibi)[None]})
        features = torch.from_numpy(night_features(ibi))[None]
        members = torch.stack([m(features).softmax(-1) for m in net.members]).mean(0)
    assert out.shape == (1, ibi.size // 256, 4)
    assert torch.allclose(out.softmax(-1), members, atol=1e-6)
    assert create_model("hrv-sequence").contract.normalisation == "none"
    with pytest.raises(ConfigError, match="IBI"):
        create_model("hrv-sequence", signals="ECG")
    with pytest.raises(ConfigError, match="IBI"):
        net({"ECG": torch.zeros(1, 1024 * 3)})


@pytest.mark.parametrize("tree_weight", [0.0, 0.5])
def test_a_trained_ensemble_learns_saves_and_loads(tmp_path, tree_weight):
    nights = [(night_features(x), y) for x, y in (_night(s) for s in range(4))]
    model = train_ensemble(nights, members=2, epochs=60, dim=16, tree_weight=tree_weight)
    assert model.contract == CONTRACT and (model.forest is not None) == (tree_weight > 0)
    first, second = (m.head.weight for m in model.members)
    assert not torch.equal(first, second)  # members have seeds of their own
    ibi, labels = _night(9)
    with torch.no_grad():
        out = model({"IBI": torch.from_numpy(ibi)[None]})[0]
    predicted = out.argmax(-1).numpy()
    deep = labels == 2
    assert (predicted[deep] == 2).mean() > 0.8 and (predicted[~deep] != 2).mean() > 0.8  # the slow steady heart
    if tree_weight:  # the output is the blend of the members' mean and the trees' probabilities
        features = torch.from_numpy(night_features(ibi))[None]
        with torch.no_grad():
            members = torch.stack([m(features).softmax(-1) for m in model.members]).mean(0)[0]
            trees = model.forest(features)[0]
        assert torch.allclose(out.softmax(-1), 0.5 * members + 0.5 * trees, atol=1e-6)
        assert not torch.allclose(trees, members, atol=0.05)
    folder = save_model(model, tmp_path / "m", card="## Model card\nmade in a test")
    loaded = load_model(folder)
    with torch.no_grad():
        again = loaded({"IBI": torch.from_numpy(ibi)[None]})[0]
    assert torch.equal(again, out) and "made in a test" in (folder / "README.md").read_text()


def test_boosted_trees_need_every_class_in_the_training_nights():
    x, y = _night(0)
    with pytest.raises(ConfigError, match=r"every one of the 4 classes.*found \[0, 1, 3\]"):
        train_ensemble([(night_features(x), np.where(y == 2, 1, y))], members=1, epochs=1, tree_weight=0.5)
    with pytest.raises(ConfigError, match="tree_weight"):
        create_model("hrv-sequence", trees=3, tree_nodes=5, tree_depth=2, tree_weight=1.5)


def test_a_member_can_start_from_given_weights():
    nights = [(night_features(x), y) for x, y in (_night(s) for s in range(2))]
    init = fit_member(nights, 4, seed=1, dim=16, epochs=1).state_dict()
    untouched = fit_member(nights, 4, seed=5, dim=16, epochs=0, init=init)
    assert all(torch.equal(untouched.state_dict()[k], v) for k, v in init.items())
    assert not torch.equal(fit_member(nights, 4, seed=5, dim=16, epochs=0).head.weight, init["head.weight"])
    trained = fit_member(nights, 4, seed=5, dim=16, epochs=1, init=init)
    assert not torch.equal(trained.head.weight, init["head.weight"])


def test_hrv_sequence_has_no_onnx_export_and_no_lightning_training(tmp_path):
    from wav2sleep.models.onnx import export_onnx
    from wav2sleep.training.train import compose_config, train

    with pytest.raises(ConfigError, match="Wav2Sleep"):
        export_onnx(load_model(BUILTIN), tmp_path / "unused.onnx")
    cfg = compose_config(["model.name=hrv-sequence", "inputs=ibi", f"data_root={tmp_path}", f"output_dir={tmp_path}"])
    with pytest.raises(ConfigError, match="wav2sleep.training.hrv_sequence"):
        train(cfg)


def test_the_command_stages_with_the_builtin_model_and_names_unknown_ones(tmp_path, capsys, shared_data):
    from wav2sleep.cli.main import main

    record = shared_data / "slpdb" / "slp67x.rr"
    assert main(["stage", str(record), "--model", BUILTIN, "--out", str(tmp_path), "--reference", "auto"]) == 0
    out = capsys.readouterr().out
    assert "154 epochs" in out and "channels IBI=RR" in out and "agreement with" in out
    assert (tmp_path / "slp67x.report.html").is_file()
    assert main(["stage", str(record), "--model", "builtin:nope", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "builtin:nope: no such built-in model" in err and "Traceback" not in err


def test_the_builder_command_trains_on_a_store_and_writes_the_card(tmp_path, shared_data):
    import shutil

    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.training.hrv_sequence import main

    records = tmp_path / "slpdb"
    records.mkdir()
    for name in ("slp67x", "slp01a"):
        for suffix in (".hea", ".rr", ".an"):
            shutil.copy(shared_data / "slpdb" / f"{name}{suffix}", records)
    ingest_folder(records, tmp_path / "store", signals="IBI", workers=1, progress=False)
    (tmp_path / "card.md").write_text("## Model card\nSLPDB test card")
    args = [str(tmp_path / "store"), str(tmp_path / "model"), "--members", "1", "--epochs", "1", "--name", "tiny"]
    assert main([*args, "--card", str(tmp_path / "card.md")]) == 0
    card = (tmp_path / "model" / "README.md").read_text()
    assert card.startswith("# wav2sleep model: tiny") and "SLPDB test card" in card and "2 nights" in card
    net = load_model(tmp_path / "model")
    assert isinstance(net, HRVSequence) and len(net.members) == 1 and net.forest is not None
    assert main([str(tmp_path / "model"), str(tmp_path / "m2")]) == 1  # a model folder is no store of nights


@pytest.mark.slow  # about a minute: ingests the 13 SLPDB records and trains the 3 members and the trees
def test_the_shipped_model_is_rebuilt_by_its_recipe(tmp_path, shared_data):
    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.training.hrv_sequence import store_nights

    ingest_folder(shared_data / "slpdb", tmp_path / "store", signals="IBI", workers=2, progress=False)
    nights = store_nights(tmp_path / "store")
    rebuilt = train_ensemble(list(nights.values()), tree_weight=0.5)
    a, b = (stage(shared_data / "slpdb" / "slp41.rr", model).codes for model in (rebuilt, BUILTIN))
    # Bit-identical on the machine that built it; elsewhere floating-point differences may move a few epochs.
    assert (a == b).mean() > 0.9


def test_an_rr_channel_in_ms_or_bpm_stages_as_in_seconds(tmp_path):
    from datetime import datetime

    from wav2sleep.synth import write_edf

    rng = np.random.default_rng(0)
    seconds = 0.8 + 0.05 * np.sin(np.arange(4 * 3600) / 200) + 0.01 * rng.standard_normal(4 * 3600)
    staged = {}
    for unit, values in (("s", seconds), ("ms", 1000 * seconds), ("", 1000 * seconds), ("bpm", 60 / seconds)):
        path = write_edf(tmp_path / f"rr-{unit or 'blank'}.edf", [("RR", values, 4, unit)], datetime(2020, 1, 1, 22))
        staged[unit] = stage(path, BUILTIN)
    for unit in ("ms", "", "bpm"):
        assert np.array_equal(staged[unit].codes, staged["s"].codes), unit
        # Each unit is quantised differently in the EDF; the trees are piecewise constant, so a feature moved by
        # that can cross a split and move a probability by one leaf's share (about 0.01), never the stages.
        assert np.allclose(staged[unit].proba.to_numpy(), staged["s"].proba.to_numpy(), atol=0.02), unit
    assert any("inferred ms" in w for w in staged[""].metadata["warnings"])
