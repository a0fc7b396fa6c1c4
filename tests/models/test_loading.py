import shutil
from pathlib import Path

import pytest
import torch
import yaml

from wav2sleep.errors import ModelLoadError
from wav2sleep.models import create_model, load_model, save_model, save_published

CARDIO = Path(__file__).resolve().parents[3] / "shared" / "reference" / "checkpoints" / "wav2sleep-cardio"


def _x():
    g = torch.Generator().manual_seed(3)
    return {"ECG": torch.randn(2, 5 * 1024, generator=g), "THX": torch.randn(2, 5 * 256, generator=g)}


def test_our_format_round_trip_with_model_card(tmp_path):
    torch.manual_seed(0)
    model = create_model("wav2sleep", signals=("ECG", "THX"), num_classes=5, feature_dim=32,
                         epoch_mixer={"nhead": 4, "dim_ff": 64}).eval()  # fmt: skip
    folder = save_model(model, tmp_path / "m", training_data="synthetic demo corpus")
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.yaml", "model.safetensors"]
    card = (folder / "README.md").read_text()
    assert "ECG, THX" in card and "W, N1, N2, N3, REM" in card and "synthetic demo corpus" in card
    back = load_model(folder)
    with torch.no_grad():
        assert torch.equal(back(_x()), model(_x()))
    assert yaml.safe_load((folder / "config.yaml").read_text())["signals"] == ["ECG", "THX"]


def test_published_format_round_trip(tmp_path):
    model = load_model(CARDIO)
    folder = save_published(model, tmp_path / "pub")
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["_target_"] == "wav2sleep.models.wav2sleep.Wav2Sleep"
    with torch.no_grad():
        assert torch.equal(load_model(folder)(_x()), model(_x()))


@pytest.mark.parametrize(
    "wrap",
    [lambda sd: {f"_orig_mod.{k}": v for k, v in sd.items()},  # saved from a torch.compile'd model
     lambda sd: {f"module._orig_mod.{k}": v for k, v in sd.items()},  # compiled inside DDP
     lambda sd: {"state_dict": {f"model.{k}": v for k, v in sd.items()}, "epoch": 3}],  # a LightningModule's
)  # fmt: skip
def test_published_weights_saved_through_a_wrapper_load_as_the_plain_ones(tmp_path, wrap):
    folder = tmp_path / "wrapped"
    shutil.copytree(CARDIO, folder, ignore=shutil.ignore_patterns("vectors.safetensors"))
    torch.save(wrap(torch.load(CARDIO / "state_dict.pth", weights_only=True)), folder / "state_dict.pth")
    with torch.no_grad():
        assert torch.equal(load_model(folder)(_x()), load_model(CARDIO)(_x()))


def test_hub_path_uses_the_huggingface_cache_offline(tmp_path):
    """hf://user/repo resolves through huggingface_hub; here from a local cache, with no network."""
    snapshot = tmp_path / "cache" / "models--someone--wav2sleep" / "snapshots" / ("a" * 40)
    shutil.copytree(CARDIO, snapshot, ignore=shutil.ignore_patterns("vectors.safetensors"))
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("a" * 40)
    model = load_model("hf://someone/wav2sleep", cache_dir=tmp_path / "cache", local_files_only=True)
    with torch.no_grad():
        assert torch.equal(model(_x()), load_model(CARDIO)(_x()))


def test_bad_folders_are_named(tmp_path):
    with pytest.raises(ModelLoadError, match="model folder not found"):
        load_model(tmp_path / "nope")
    with pytest.raises(ModelLoadError, match="no config.yaml"):
        load_model(tmp_path)
    (tmp_path / "config.yaml").write_text("_target_: something.Else\n")
    with pytest.raises(ModelLoadError, match="unsupported _target_"):
        load_model(tmp_path)
    shutil.copy(CARDIO / "config.yaml", tmp_path / "config.yaml")
    with pytest.raises(ModelLoadError, match="state_dict.pth missing"):
        load_model(tmp_path)
    (tmp_path / "state_dict.pth").write_bytes(b"garbage")
    with pytest.raises(ModelLoadError, match=r"state_dict\.pth: cannot read weights \(7 bytes; \w+"):
        load_model(tmp_path)
    (tmp_path / "state_dict.pth").write_bytes((CARDIO / "state_dict.pth").read_bytes()[:100_000])  # cut short
    with pytest.raises(ModelLoadError, match=r"cannot read weights \(100000 bytes; RuntimeError: [^\n]{10,220}\)$"):
        load_model(tmp_path)
    with pytest.raises(ModelLoadError, match="hf://user/repo"):
        load_model("hf://just-a-name")
    with pytest.raises(ModelLoadError, match=r"^hf://someone/absent: not in the local Hugging Face cache and not "
                                             r"fetched from the Hub \(\w+"):  # fmt: skip
        load_model("hf://someone/absent", cache_dir=tmp_path / "cache", local_files_only=True)


def test_a_config_that_is_not_yaml_says_where_in_one_line(tmp_path):
    shutil.copy(CARDIO / "state_dict.pth", tmp_path)
    (tmp_path / "config.yaml").write_text("_target_: [wav2sleep\n")
    with pytest.raises(ModelLoadError, match=r"config\.yaml: not valid YAML \(expected ',' or '\]', but got "
                                             r"'<stream end>' at line 2, column 1\)$"):  # fmt: skip
        load_model(tmp_path)
    (tmp_path / "config.yaml").write_bytes(b"_target_: \xff\n")
    with pytest.raises(ModelLoadError, match=r"config\.yaml: not a text file \(byte 10 is not UTF-8\)"):
        load_model(tmp_path)


def test_weights_that_do_not_fit_are_refused(tmp_path):
    model = create_model("wav2sleep-cardio")
    save_model(model, tmp_path)
    config = yaml.safe_load((tmp_path / "config.yaml").read_text())
    config["params"]["feature_dim"] = 64
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(ModelLoadError):
        load_model(tmp_path)


@pytest.mark.parametrize(("source", "key", "size"), [("builtin:ibi-slpdb", "trees", 10**9),
                                                     ("builtin:ibi-slpdb", "dim", 10**6)])  # fmt: skip
def test_a_config_claiming_layers_far_larger_than_its_weights_is_refused_before_allocating(tmp_path, source, key,
                                                                                           size):  # fmt: skip
    """Tens of gigabytes to 10^13 bytes of tensors, as the config says: refused from the shapes alone, in one line
    naming the weights file (before, torch tried to allocate them: "can't allocate memory", or the memory went)."""
    import resource

    from wav2sleep.models.folder import resolve_model_folder

    folder = shutil.copytree(resolve_model_folder(source), tmp_path / "model")
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["params"][key] = size
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelLoadError, match=rf"model\.safetensors: weights do not fit config\.yaml: .*{size}"):
        load_model(folder)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KB: nothing large was allocated


def test_the_input_contract_travels_with_the_model(tmp_path):
    from wav2sleep.contract import PUBLISHED, InputContract

    model = create_model(
        "wav2sleep", signals=("PPG",), causal=True, feature_dim=32, epoch_mixer={"nhead": 4, "dim_ff": 64}
    )
    model.contract = InputContract(resample="linear", grid="end", normalisation="causal")
    assert load_model(save_model(model, tmp_path / "m")).contract == model.contract
    assert "linear resampling, grid end" in (tmp_path / "m" / "README.md").read_text()
    assert load_model(CARDIO).contract == PUBLISHED  # inferred: the original's preprocessing
    config = yaml.safe_load((tmp_path / "m" / "config.yaml").read_text())

    def variant(name, **changes):
        (tmp_path / name).mkdir()
        shutil.copy(tmp_path / "m" / "model.safetensors", tmp_path / name)
        (tmp_path / name / "config.yaml").write_text(yaml.safe_dump({**config, **changes}))
        return tmp_path / name

    bad = variant("bad", contract={**config["contract"], "normalisation": "minmax"})
    with pytest.raises(
        ModelLoadError, match="normalisation must be one of zscore, zscore-window, causal, none, got 'minmax'"
    ):
        load_model(bad)
    old = variant("old", contract=None, normalisation="causal")  # folders saved before contracts: ours + that
    assert load_model(old).contract == InputContract(normalisation="causal")
    with pytest.warns(UserWarning, match=r"overridden by load_model.*window_epochs: None -> 100"):
        assert load_model(old, contract={"window_epochs": 100}).contract.window_epochs == 100


@pytest.mark.parametrize(
    "edit, message",
    [(lambda c: c["epoch_mixer"].pop("layers"), r"epoch_mixer\.layers missing"),
     (lambda c: c.pop("sequence_mixer"), "sequence_mixer missing or not a mapping"),
     (lambda c: c["epoch_mixer"].update(layers="two"), r"epoch_mixer\.layers must be a whole number, got 'two'"),
     (lambda c: c["epoch_mixer"].update(dropout="0.1"), r"epoch_mixer\.dropout must be a number"),
     (lambda c: c["signal_encoders"].update(signal_map=["ECG"]), "signal_map must be a mapping"),
     (lambda c: c.update(num_classes="4"), "num_classes must be a whole number"),
     (lambda c: c["epoch_mixer"].update(nhead=7), "no model can be built from it .AssertionError"),
     (lambda c: c.update(num_classes=5), r"2 tensors of another shape, e\.g\. classifier\.weight \(file \[4, 128\], "
                                         r"config \[5, 128\]\)")],
)  # fmt: skip
def test_a_published_config_that_is_wrong_is_one_line_naming_the_field(tmp_path, edit, message):
    """A published folder whose config.yaml was edited by hand or written by another version of the original."""
    config = yaml.safe_load((CARDIO / "config.yaml").read_text())
    edit(config)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    shutil.copy(CARDIO / "state_dict.pth", tmp_path / "state_dict.pth")
    with pytest.raises(ModelLoadError, match=message) as caught:
        load_model(tmp_path)
    assert "\n" not in str(caught.value) and (
        "config.yaml" in str(caught.value) or "state_dict.pth" in str(caught.value)
    )
