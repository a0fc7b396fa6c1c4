"""Names of the original's repaired EDF copies (its 0_fix_edfs writes X_fixed.edf beside X.edf)."""

from pathlib import Path

import pytest

from wav2sleep.io.repaired import repaired_copy, repaired_from


@pytest.mark.parametrize(("name", "original"), [("x_fixed.edf", "x.edf"), ("chat-baseline-300001_fixed.EDF",
                                                 "chat-baseline-300001.EDF"), ("x_fixed.hea", None),
                                                ("_fixed.edf", None), ("x.edf", None), ("x_fixed_2.edf", None)])  # fmt: skip
def test_only_an_edf_named_x_fixed_is_a_repaired_copy_of_x(name, original):
    found = repaired_from(Path("night") / name)
    assert found == (None if original is None else Path("night") / original)
    if original is not None:
        assert repaired_copy(found).name.lower() == name.lower()
