import numpy as np
import pytest

from wav2sleep.errors import ConfigError
from wav2sleep.stages import RK_TO_AASM, UNSCORED, class_labels, labels_to_codes, map_stages, to_num_classes


def test_rk_codes_merge_s3_s4_and_drop_movement():
    rk = np.array([0, 1, 2, 3, 4, 5, 6, 7, 9])
    assert map_stages(rk, RK_TO_AASM).tolist() == [0, 1, 2, 3, 3, 4, -1, -1, -1]


def test_unknown_rk_code_is_an_error():
    with pytest.raises(ValueError, match=r"unknown stage codes \[8\]"):
        map_stages(np.array([0, 8]), RK_TO_AASM)


def test_four_class_merges_n1_n2_and_keeps_unscored():
    aasm = np.array([0, 1, 2, 3, 4, UNSCORED], dtype=np.int8)
    assert to_num_classes(aasm, 4).tolist() == [0, 1, 1, 2, 3, -1]
    assert to_num_classes(aasm, 5).tolist() == aasm.tolist()
    with pytest.raises(ConfigError):
        to_num_classes(aasm, 3)


def test_labels_to_codes_accepts_aasm_rk_and_movement():
    assert labels_to_codes(["W", "n1", "S2", "4", "R", "MT", "?"]).tolist() == [0, 1, 2, 3, 4, -1, -1]
    with pytest.raises(ValueError, match="unknown stage label 'N5'"):
        labels_to_codes(["N5"])


def test_class_labels():
    assert class_labels(5) == ("W", "N1", "N2", "N3", "REM")
    assert class_labels(4) == ("W", "Light", "Deep", "REM")
