import pytest
import torch

from wav2sleep.errors import ConfigError
from wav2sleep.models import Wav2Sleep, create_model, list_models

EPOCHS = 12


def _inputs(signals, batch=3, epochs=EPOCHS, seed=0):
    g = torch.Generator().manual_seed(seed)
    rate = {"ECG": 1024, "PPG": 1024, "ABD": 256, "THX": 256, "EOG-L": 4096, "EOG-R": 4096}
    out = {s: torch.randn(batch, epochs * rate[s], generator=g) for s in signals if s != "IBI"}
    if "IBI" in signals:  # beat intervals in seconds
        out["IBI"] = 0.8 + 0.2 * torch.rand(batch, epochs * 256, generator=g)
    return out


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return create_model("wav2sleep-cardio").eval()


def test_shapes_any_length(model):
    for epochs in (1, 7, 40):
        out = model(_inputs(["ECG", "THX"], batch=2, epochs=epochs))
        assert out.shape == (2, epochs, 4)


@pytest.mark.parametrize(
    ("name", "params"),
    [("wav2sleep", 2_948_740), ("wav2sleep-cardio", 2_391_172), ("wav2sleep-eog", 2_788_229),
     ("wav2sleep-paper", 3_578_500), ("sleepppgnet", 2_266_372)],
)  # fmt: skip
def test_parameter_counts(name, params):
    assert sum(p.numel() for p in create_model(name).parameters()) == params


def test_elements_are_independent_of_each_other(model):
    x = _inputs(["ECG", "PPG", "ABD", "THX"])
    with torch.no_grad():
        full = model(x)
        other = {k: v.clone() for k, v in x.items()}
        for v in other.values():
            v[1:] = torch.randn_like(v[1:])
        assert torch.allclose(model(other)[0], full[0], atol=1e-5)
        assert torch.allclose(model({k: v[:1] for k, v in x.items()})[0], full[0], atol=1e-5)


def test_absent_signal_values_do_not_matter(model):
    x = _inputs(["ECG", "PPG", "THX"])
    present = {"PPG": torch.tensor([True, False, True])}
    with torch.no_grad():
        a = model(x, present=present)
        x["PPG"][1] = 1e6 * torch.randn_like(x["PPG"][1])
        assert torch.equal(model(x, present=present), a)


def test_signal_order_does_not_matter(model):
    x = _inputs(["THX", "ECG", "PPG"])
    reordered = {k: x[k] for k in ("PPG", "ECG", "THX")}
    with torch.no_grad():
        assert torch.equal(model(x), model(reordered))


def test_eval_is_deterministic(model):
    x = _inputs(["ECG", "ABD"])
    with torch.no_grad():
        assert torch.equal(model(x), model(x))


def test_skipping_absent_encoders_equals_encoding_zeros(model):
    """Running an encoder only on elements that have the signal gives what computing it on zeros and masking gives."""
    x = _inputs(["ECG", "PPG", "ABD", "THX"])
    present = {"ABD": torch.tensor([False, True, True]), "PPG": torch.tensor([True, False, False])}
    with torch.no_grad():
        skipped = model(x, present=present)
        names = sorted(x)
        feats = torch.stack([model.signal_encoders(n, torch.where(present.get(n, torch.ones(3, dtype=bool))[:, None],
                                                                     x[n], 0.0)) for n in names], dim=2)  # fmt: skip
        missing = torch.stack([~present.get(n, torch.ones(3, dtype=bool)) for n in names], dim=1)
        dense = model.classifier(model.sequence_mixer(model.epoch_mixer(feats, missing)))
    assert torch.allclose(skipped, dense, atol=1e-5)


def test_errors_name_the_problem(model):
    with pytest.raises(ConfigError, match="model signals are ABD, ECG, PPG, THX; got EOG-L"):
        model(_inputs(["EOG-L"]))
    with pytest.raises(ConfigError, match=r"batch elements \[1\] have no signal"):
        model(_inputs(["ECG"]), present={"ECG": torch.tensor([True, False, True])})
    with pytest.raises(ConfigError, match="ECG: expected"):
        model({"ECG": torch.randn(2, 1000)})
    with pytest.raises(ConfigError, match="disagree"):
        model({"ECG": torch.randn(2, 2048), "THX": torch.randn(2, 256)})
    with pytest.raises(ConfigError, match="unknown model"):
        create_model("wav2slep")
    with pytest.raises(ConfigError, match="num_classes"):
        Wav2Sleep({"ECG": "ECG"}, num_classes=3)


@pytest.mark.parametrize("name", list_models())
def test_forward_backward_reaches_every_parameter(name):
    torch.manual_seed(0)
    model = create_model(name).train()
    signals = model.signals
    out = model(_inputs(signals, batch=2, epochs=4))
    (out * torch.arange(1.0, out.shape[-1] + 1)).mean().backward()  # weights: log-probabilities' logsumexp is 0
    for pname, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, pname


def test_causal_variant_ignores_the_future():
    torch.manual_seed(0)
    model = create_model("wav2sleep", causal=True, signals=("ECG", "THX")).eval()
    x = _inputs(["ECG", "THX"], batch=1, epochs=20)
    changed = {k: v.clone() for k, v in x.items()}
    t = 11
    changed["ECG"][:, (t + 1) * 1024 :] = torch.randn_like(changed["ECG"][:, (t + 1) * 1024 :])
    changed["THX"][:, (t + 1) * 256 :] = 0.0
    with torch.no_grad():
        a, b = model(x), model(changed)
    assert torch.allclose(a[:, : t + 1], b[:, : t + 1], atol=1e-5)
    assert not torch.allclose(a[:, t + 1 :], b[:, t + 1 :], atol=1e-3)


def test_non_causal_model_does_look_ahead(model):
    x = _inputs(["ECG"], batch=1, epochs=20)
    changed = {"ECG": x["ECG"].clone()}
    changed["ECG"][:, 15 * 1024 :] = 0.0
    with torch.no_grad():
        assert not torch.allclose(model(x)[:, :15], model(changed)[:, :15], atol=1e-4)


@pytest.mark.parametrize("chunk_causal", [False, True])
def test_checkpointing_changes_memory_not_results(chunk_causal):
    """Checkpointed encoders run one night at a time (its chunks, when chunk-causal): same outputs and gradients."""
    torch.manual_seed(0)
    plain = create_model("wav2sleep-cardio", signals=("ECG",), encoder={"chunk_causal": chunk_causal}).train()
    torch.manual_seed(0)
    ckpt = create_model("wav2sleep-cardio", signals=("ECG",),
                        encoder={"checkpointing": True, "chunk_causal": chunk_causal}).train()  # fmt: skip
    ckpt.load_state_dict(plain.state_dict())
    x = _inputs(["ECG"], batch=2, epochs=4)
    torch.manual_seed(1)
    a = plain(x)
    a.sum().backward()
    torch.manual_seed(1)
    b = ckpt(x)
    b.sum().backward()
    assert torch.allclose(a, b, atol=1e-5)
    for (n, p), q in zip(plain.named_parameters(), ckpt.parameters(), strict=True):
        # Summed per night, then over nights: float rounding, relative to the gradient's scale (5e-6 seen).
        assert (p.grad - q.grad).abs().max() <= 1e-4 * p.grad.abs().max(), n
