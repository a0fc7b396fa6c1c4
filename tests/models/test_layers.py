"""Layers with a faster inference path give the values of the plain PyTorch ones."""

import pytest
import torch
import torch.nn.functional as F

from wav2sleep.models.encoders import ResidualBlock, SignalEncoder
from wav2sleep.models.layers import CHUNK, OFFSET_LIMIT, instance_norm_
from wav2sleep.models.sequence_mixer import SequenceMixer


@pytest.mark.parametrize(
    ("shape", "offset", "spread"),
    [
        ((1, 16, 40 * CHUNK), 0.3, 0.7),  # whole chunks, as a 10-h night's first blocks
        ((1, 16, 40 * CHUNK), 1.0, 0.75),  # an offset just inside OFFSET_LIMIT: uncentred squares
        ((2, 3, 5 * CHUNK + 123), 30.0, 0.7),  # a large offset (centred before squaring) and a partial chunk
        ((3, 4, 100), 1.0, 0.01),  # shorter than a chunk; spread well under eps
        ((1, 2, 300_000), -5.0, 3.0),
    ],
)
def test_in_place_instance_norm_is_as_accurate_as_pytorchs(shape, offset, spread):
    torch.manual_seed(0)
    x = torch.randn(shape) * spread + offset
    exact = F.instance_norm(x.double(), eps=1e-2)
    theirs = F.instance_norm(x, eps=1e-2).double()
    ours = instance_norm_(x.transpose(1, 2).contiguous(), 1e-2).transpose(1, 2).double()  # on [B, T, C] memory
    assert (ours - exact).abs().max() <= 2 * (theirs - exact).abs().max() + 1e-6


def test_the_offset_limit_sits_between_the_cases_above():
    assert 0.3**2 / 0.7**2 < 1.0**2 / 0.75**2 < OFFSET_LIMIT < 30.0**2 / 0.7**2


@pytest.mark.parametrize("norm", ["instance", "batch", "layer"])
def test_a_block_gives_the_same_values_with_and_without_autograd(norm):
    """Without autograd, a block adds its shortcut and activates in place; with it, PyTorch's modules as they are."""
    torch.manual_seed(1)
    block = ResidualBlock(4, 8, norm=norm).eval()
    x = torch.randn(2, 4, 3 * CHUNK + 7) * 4 + 2
    with_grad = block(x.requires_grad_())
    with_grad.sum().backward()  # the plain modules: differentiable
    with torch.inference_mode():
        inferred = block(x.detach())
    with torch.no_grad():
        assert torch.equal(block(x), inferred)
    torch.testing.assert_close(inferred, with_grad.detach())  # float32 rounding apart
    kept = x.detach().clone()
    with torch.inference_mode():
        block(x.detach())
    assert torch.equal(x.detach(), kept)  # in place on its own outputs, never on the input


@pytest.mark.parametrize("length", [4096, 4097])
def test_a_one_channel_shortcut_equals_the_strided_convolution(length):
    torch.manual_seed(2)
    block = ResidualBlock(1, 16)
    x = torch.randn(3, 1, length)
    expected = F.conv1d(x, block.downsample.weight, stride=2)
    assert torch.equal(block._shortcut(x), expected)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"block": "maxpool"},
        {"causal": True},
        {"chunk_causal": True},
        {"residual": False},
        {"norm": "layer"},
        {"norm": "none"},
        {"act": "relu"},
    ],  # fmt: skip
)
def test_an_encoder_infers_in_channels_last_memory_with_the_values_of_its_plain_forward(variant):
    """Inference on CPU runs the blocks in [B, T, C] memory (``forward_channels_last``); with autograd, PyTorch's
    modules in [B, C, T]. Same values, float32 rounding apart."""
    torch.manual_seed(3)
    encoder = SignalEncoder(64, 32, **variant).eval()
    x = torch.randn(2, 64 * 70) * 2 + 1
    kept = x.clone()
    with torch.inference_mode():
        assert encoder._infers_channels_last(x)
        inferred = encoder(x)
    assert torch.equal(x, kept)  # in place on its own activations only
    plain = encoder(x.requires_grad_()).detach()
    torch.testing.assert_close(inferred, plain, rtol=1e-4, atol=1e-5)


def test_batch_norm_encoders_keep_their_plain_inference():
    encoder = SignalEncoder(64, 32, norm="batch").eval()
    with torch.inference_mode():
        assert not encoder._infers_channels_last(torch.zeros(1, 64))


@pytest.mark.parametrize("causal", [False, True])
def test_the_sequence_mixer_infers_in_its_input_layout_with_the_values_of_its_plain_forward(causal):
    torch.manual_seed(4)
    mixer = SequenceMixer(32, kernel_size=7, num_dilations=3, causal=causal).eval()
    x = torch.randn(2, 90, 32)
    with torch.inference_mode():
        assert mixer._infers_channels_last(x)
        inferred = mixer(x)
    torch.testing.assert_close(inferred, mixer(x.requires_grad_()).detach(), rtol=1e-4, atol=1e-5)
