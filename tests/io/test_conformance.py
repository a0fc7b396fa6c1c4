"""Reader conformance: every reader (through its public entry point) reads its seed, and for an empty file, a
truncated one, random bytes or a file with one field destroyed raises only ``InputFileError`` naming the file; a
bounded fuzz run (hypothesis, byte-level edits of the seed) finds no other exception type and no hang."""

import shutil
import time
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wav2sleep.errors import InputFileError
from wav2sleep.synth.reader_seeds import OPERATIONS, READER_CASES, apply_mutations

CASES = sorted(READER_CASES)
FUZZ_EXAMPLES = 2000  # per reader in the normal suite; benchmarks/fuzz.py runs 100,000 per reader


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    out = {}
    for name in CASES:
        folder = tmp_path_factory.mktemp(name.replace("+", "_"))
        out[name] = READER_CASES[name].write(folder)
    return out


def _attempt(name, path):
    """Read ``path``: fine, or InputFileError naming the file; anything else fails the test."""
    try:
        READER_CASES[name].read(path)
    except InputFileError as exc:
        assert exc.file is not None and path.name.split(".")[0] in exc.file, f"error does not name the file: {exc}"


@pytest.mark.parametrize("name", CASES)
def test_the_seed_reads(seeds, name):
    READER_CASES[name].read(seeds[name])


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("damage", ["empty", "truncated", "random", "field"])
def test_damaged_files_raise_only_input_file_errors(seeds, tmp_path, name, damage):
    seed = seeds[name]
    work = tmp_path / "work"
    shutil.copytree(seed.parent, work)
    target = work / seed.name
    data = seed.read_bytes()
    rng = np.random.default_rng(zlib.crc32(f"{name}:{damage}".encode()))  # the same bytes in every run
    if damage == "empty":
        data = b""
    elif damage == "truncated":
        data = data[: len(data) // 3]
    elif damage == "random":
        data = rng.bytes(len(data))
    else:  # a number field destroyed: the first run of digits replaced by letters
        text = bytearray(data)
        digits = [i for i, b in enumerate(text) if 48 <= b <= 57]
        if digits:
            text[digits[len(digits) // 2]] = ord("x")
        data = bytes(text)
    target.write_bytes(data)
    if damage in ("empty", "random"):
        with pytest.raises(InputFileError):
            READER_CASES[name].read(target)
    else:
        _attempt(name, target)


@pytest.mark.parametrize("name", CASES)
def test_fuzzed_inputs_raise_only_input_file_errors(seeds, tmp_path_factory, name):
    seed = seeds[name]
    work = tmp_path_factory.mktemp("fuzz")
    for companion in seed.parent.iterdir():
        shutil.copy(companion, work)
    target = work / seed.name
    original = seed.read_bytes()
    mutation = st.tuples(st.sampled_from(OPERATIONS), st.floats(0, 1), st.integers(0, 1 << 16))

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.lists(mutation, min_size=1, max_size=4))
    def run(mutations):
        target.write_bytes(apply_mutations(original, mutations))
        began = time.perf_counter()
        _attempt(name, target)
        assert time.perf_counter() - began < 10, "a reader took over 10 s on a small input"

    run()
