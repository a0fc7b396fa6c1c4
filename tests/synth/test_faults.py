import json
import xml.etree.ElementTree as ET

import edfio
import pytest

from wav2sleep.corpora import get_corpus
from wav2sleep.synth.faults import FAULT_CASES, MANIFEST_FILE

EXPECTATIONS = {"ok", "repaired", "flagged", "failed"}


@pytest.fixture(scope="module")
def faults(synth_corpus):
    root, _ = synth_corpus
    broken = root / "broken"
    return broken, {e["case"]: e for e in json.loads((broken / MANIFEST_FILE).read_text())}


def _header(path):
    return path.read_bytes()[:256].decode("ascii", "replace")


def test_manifest_names_every_case_once_and_discovery_finds_them(faults):
    broken, manifest = faults
    assert list(manifest) == [c.name for c in FAULT_CASES]
    assert {e["expect"] for e in manifest.values()} <= EXPECTATIONS
    nights = get_corpus("shhs").discover(broken / "shhs")
    assert {n.session for n in nights} == {e["session"] for e in manifest.values()}
    for e in manifest.values():
        assert all((broken / f).exists() for f in e["files"]), e["case"]
        assert (e["stages"] is None) == (e["expect"] == "failed")


def test_edf_damage_is_what_the_case_says(faults):
    broken, m = faults
    edf = {case: broken / e["files"][0] for case, e in m.items()}
    assert edf["empty_edf"].stat().st_size == 0
    assert edf["truncated_header"].stat().st_size < 256
    assert not edf["not_an_edf"].read_bytes().startswith(b"0       ")
    header_bytes = int(_header(edf["wrong_header_size"])[184:192])
    ns = int(_header(edf["wrong_header_size"])[252:256])
    assert header_bytes != 256 * (ns + 1)
    with pytest.warns(UserWarning, match="data records"):
        edfio.read_edf(edf["truncated_data"])
    phys = {s.label: s for s in edfio.read_edf(edf["inverted_physical_range"]).signals}
    assert phys["ABDO RES"].physical_min > phys["ABDO RES"].physical_max
    assert edfio.read_edf(edf["physical_max_zero"]).signals[0].physical_max == 0
    assert edfio.read_edf(edf["unknown_units"]).signals[0].physical_dimension == "furlong"
    assert [s.label for s in edfio.read_edf(edf["missing_channels"]).signals] == ["EEG", "SaO2"]


def test_annotation_damage_is_what_the_case_says(faults):
    broken, m = faults
    xml = {case: broken / e["files"][1] for case, e in m.items()}
    with pytest.raises(ET.ParseError):
        ET.parse(xml["malformed_xml"])
    assert xml["empty_xml"].stat().st_size == 0
    types = [e.findtext("EventType") for e in ET.parse(xml["no_stage_events"]).getroot().iter("ScoredEvent")]
    assert "Stages|Stages" not in types
    durations = [float(e.findtext("Duration")) for e in ET.parse(xml["non_30s_duration"]).getroot().iter("ScoredEvent")
                 if e.findtext("EventType") == "Stages|Stages"]  # fmt: skip
    assert durations[0] == 50.0
    assert m["annotation_starts_late"]["stages"][:10] == [-1] * 10
    assert m["annotation_gap"]["stages"][20:40] == [-1] * 20
