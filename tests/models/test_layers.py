"""Layers with a faster inference path give the values of the plain PyTorch ones."""

import pytest
import torch
import torch.nn.functional as F

from wav2sleep.models.encoders import ResidualBlock
from wav2sleep.models.layers import CHUNK, InstanceNorm1d, instance_norm_in_place


@pytest.mark.parametrize(
    ("shape", "offset", "spread"),
    [
        ((1, 16, 40 * CHUNK), 0.3, 0.7),  # whole chunks, as a 10-h night's first blocks
        ((2, 3, 5 * CHUNK + 123), 30.0, 0.7),  # a large offset (centred before squaring) and a partial chunk
        ((3, 4, 100), 1.0, 0.01),  # shorter than a chunk; spread well under eps
        ((1, 2, 300_000), -5.0, 3.0),
    ],
)
def test_in_place_instance_norm_is_as_accurate_as_pytorchs(shape, offset, spread):
    torch.manual_seed(0)
    x = torch.randn(shape) * spread + offset
    exact = F.instance_norm(x.double(), eps=1e-2)
    ours = instance_norm_in_place(x, 1e-2).double()
    theirs = F.instance_norm(x, eps=1e-2).double()
    assert (ours - exact).abs().max() <= 2 * (theirs - exact).abs().max() + 1e-6


def test_the_module_takes_the_in_place_path_only_without_autograd():
    torch.manual_seed(1)
    norm, x = InstanceNorm1d(8, eps=1e-2), torch.randn(2, 8, 3 * CHUNK + 7) * 4 + 2
    with_grad = norm(x.requires_grad_())
    with_grad.sum().backward()  # the plain kernel: differentiable
    with torch.inference_mode():
        inferred = norm(x.detach())
    with torch.no_grad():
        assert torch.equal(norm(x), inferred)
    torch.testing.assert_close(inferred, with_grad.detach(), atol=1e-6, rtol=0)
    assert torch.equal(norm(x[0]).detach(), F.instance_norm(x[0][None], eps=1e-2)[0].detach())  # unbatched [C, T]


@pytest.mark.parametrize("length", [4096, 4097])
def test_a_one_channel_shortcut_equals_the_strided_convolution(length):
    torch.manual_seed(2)
    block = ResidualBlock(1, 16)
    x = torch.randn(3, 1, length)
    expected = F.conv1d(x, block.downsample.weight, stride=2)
    assert torch.equal(block._shortcut(x), expected)
