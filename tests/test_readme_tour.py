"""The README's tour runs as written: every line of its tested block, in an empty folder, as a new user types it."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def tour_lines() -> list[str]:
    block = re.search(r"<!-- tour -->\s*```bash\n(.*?)```\s*<!-- /tour -->", README.read_text(), re.S)
    assert block, "README has no tested tour block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.timeout(900)
def test_the_readme_tour_runs_as_written(tmp_path):
    lines = tour_lines()
    assert [line.split()[1] for line in lines] == ["synth", "ingest", "split", "train", "evaluate", "stage"]
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "wav2sleep"
        done = subprocess.run([sys.executable, "-m", "wav2sleep", *argv[1:]], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, line
    assert (tmp_path / "results" / "results.md").is_file() and (tmp_path / "outputs" / "tour" / "model").is_dir()
    edfs = sorted(p.stem for p in (tmp_path / "corpus/shhs/polysomnography/edfs/shhs1").glob("*.edf"))
    reports = sorted(p.name.removesuffix(".report.html") for p in (tmp_path / "staged").rglob("*.report.html"))
    assert edfs and reports == edfs  # every night of the folder staged
