"""Large buffers stay in the glibc heap inside ``large_buffers_kept`` and during a CPU fit, and are mmapped again
after (seen in glibc's own accounting of mmapped bytes).

Each check runs in a fresh Python process (this file run as a script): the probe allocates more than the heap's free
space, and after earlier tests that space can exceed the 1-GiB threshold the context sets, which would mmap the probe
whatever the setting."""

import ctypes
import platform
import subprocess
import sys

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from wav2sleep.models import create_model
from wav2sleep.models.allocator import large_buffers_kept
from wav2sleep.training.module import StagingModule

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or not hasattr(ctypes.CDLL(None), "mallinfo2"),
    reason="the mallopt tuning applies to glibc only; mallinfo2 (glibc >= 2.33) reports its effect",
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]  # fmt: skip


def _mmapped_by_a_large_tensor() -> int:
    """Bytes glibc holds in mmapped chunks while a tensor 64 MB larger than the heap's free space is alive, minus
    before it (64 MB is above glibc's largest adaptive mmap threshold, 32 MB; the heap's free space is reused first)."""
    info = ctypes.CDLL(None).mallinfo2
    info.restype = _MallInfo2
    before = info()
    tensor = torch.empty((before.fordblks + (64 << 20)) // 4)
    during = info().hblkhd
    del tensor
    return during - before.hblkhd


def _in_a_fresh_process(check: str) -> None:
    done = subprocess.run([sys.executable, __file__, check], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_large_buffers_kept_only_inside_the_context():
    _in_a_fresh_process("check_the_context")


def test_a_cpu_fit_keeps_large_buffers_in_the_heap_until_it_ends():
    _in_a_fresh_process("check_a_cpu_fit")


def test_a_cpu_fit_that_raises_leaves_the_setting():
    _in_a_fresh_process("check_a_failed_cpu_fit")


def check_the_context() -> None:
    assert _mmapped_by_a_large_tensor() > 64 << 20
    with large_buffers_kept() as kept:
        assert kept is True
        assert _mmapped_by_a_large_tensor() == 0
    assert _mmapped_by_a_large_tensor() > 64 << 20


class _Probe(L.Callback):
    def __init__(self) -> None:
        self.mmapped: list[int] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.mmapped.append(_mmapped_by_a_large_tensor())


class _Failure(L.Callback):
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        raise RuntimeError("a step failed")


def _fit(*callbacks: L.Callback) -> None:
    torch.manual_seed(0)
    model = create_model("wav2sleep", signals=("ECG",), feature_dim=16, epoch_mixer={"nhead": 2, "dim_ff": 32},
                         sequence_mixer={"kernel_size": 3, "num_dilations": 2})  # fmt: skip
    batch = {"signals": {"ECG": torch.randn(2, 4 * 1024)}, "labels": torch.randint(0, 4, (2, 4)),
             "present": {"ECG": torch.tensor([True, True])}}  # fmt: skip
    trainer = L.Trainer(accelerator="cpu", max_steps=2, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=list(callbacks))  # fmt: skip
    trainer.fit(StagingModule(model), DataLoader([batch, batch], batch_size=None))


def check_a_cpu_fit() -> None:
    probe = _Probe()
    _fit(probe)
    assert probe.mmapped == [0, 0]
    assert _mmapped_by_a_large_tensor() > 64 << 20


def check_a_failed_cpu_fit() -> None:
    probe = _Probe()
    try:
        _fit(probe, _Failure())
    except RuntimeError as error:
        assert str(error) == "a step failed"
    else:
        raise AssertionError("the fit did not raise")
    assert probe.mmapped == [0]  # the setting held during the fit
    assert _mmapped_by_a_large_tensor() > 64 << 20


if __name__ == "__main__":
    checks = {"check_the_context": check_the_context, "check_a_cpu_fit": check_a_cpu_fit,
              "check_a_failed_cpu_fit": check_a_failed_cpu_fit}  # fmt: skip
    checks[sys.argv[1]]()
