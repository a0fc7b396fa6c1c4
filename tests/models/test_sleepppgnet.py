import pytest
import torch

from wav2sleep.errors import ConfigError
from wav2sleep.models import create_model


def test_any_length_and_single_signal():
    model = create_model("sleepppgnet", signals="ECG").eval()
    assert model.signals == ("ECG",)
    for epochs in (3, 17):
        assert model({"ECG": torch.randn(2, epochs * 1024)}).shape == (2, epochs, 4)


def test_refuses_other_or_missing_signals():
    model = create_model("sleepppgnet").eval()
    with pytest.raises(ConfigError, match="exactly one signal, PPG"):
        model({"ECG": torch.randn(1, 1024)})
    x = torch.randn(2, 1024)
    x[1] = float("-inf")
    with pytest.raises(ConfigError, match="every batch element"):
        model({"PPG": x})
    with pytest.raises(ConfigError, match="one signal"):
        create_model("sleepppgnet", signals="ECG,PPG")
