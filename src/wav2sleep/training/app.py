"""``wav2sleep train`` as a Hydra application: the package's config groups are the primary config path, and every
Hydra command-line convention works (``--cfg job|hydra|all``, ``--info``, ``--help``, ``-m/--multirun`` sweeps,
``hydra.run.dir``/``hydra.sweep.dir``, ``--config-dir DIR`` for a lab's own ``experiment/*.yaml``, launchers).

Each job trains into Hydra's output folder for it (``outputs/NAME`` for a single run, ``outputs/NAME/multirun/N``
for job N of a sweep), which also holds Hydra's record of its config (``.hydra/``), unless ``output_dir=`` is given.
A job's error is collected rather than raised, so that one failed job never ends a sweep; the returned value (the
best validation loss) is what sweepers optimise. Each job also leaves its outcome in ``job.json`` in its folder
(``JOB_FILE``), which is how the command line learns what happened to jobs that a launcher ran in other processes
or on other machines (submitit, Ray): ``SweepFolder`` notes the sweep's folder in the launching process.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict

__all__ = ["hydra_main", "JobOutcome", "OUTCOMES", "SweepFolder", "JOB_FILE", "sweep_outcomes"]

JOB_FILE = "job.json"


@dataclass
class JobOutcome:
    overrides: str
    summary: dict | None = None  # training's summary when the job succeeded
    error: str = ""  # one line when it failed
    traceback: str = ""


OUTCOMES: list[JobOutcome] = []  # jobs run in this process
COMMAND_LINE = {"active": False}  # set by ``wav2sleep train``, which reports the outcomes itself
SWEEP: dict[str, Any] = {}  # the sweep folder, noted by SweepFolder in the launching process


class SweepFolder(Callback):
    """Notes where a multirun writes its jobs, so the command line can read each job's outcome afterwards."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        SWEEP["dir"] = Path(str(config.hydra.sweep.dir))


def sweep_outcomes(folder: Path) -> list[JobOutcome]:
    """The outcome of every job of a sweep in ``folder`` (job folders in job order)."""
    jobs = sorted((p for p in folder.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    outcomes = []
    for job in jobs:
        record = job / JOB_FILE
        if record.is_file():
            outcomes.append(JobOutcome(**json.loads(record.read_text())))
        else:
            outcomes.append(JobOutcome(job.name, error=f"job {job.name} left no outcome (killed, or never started?)"))
    return outcomes


@hydra.main(config_path="pkg://wav2sleep.configs", config_name="train", version_base="1.3")
def hydra_main(cfg: DictConfig) -> float:
    from hydra.core.hydra_config import HydraConfig

    from wav2sleep.cli.main import describe_error
    from wav2sleep.store.atomic import write_text_atomic

    runtime = HydraConfig.get()
    with open_dict(cfg):
        if not any(o.split("=", 1)[0].lstrip("+~") == "output_dir" for o in runtime.overrides.task):
            cfg.output_dir = runtime.runtime.output_dir
        if str(runtime.mode) == "RunMode.MULTIRUN":  # the jobs of a sweep share an MLflow tag
            cfg.sweep = {"dir": runtime.sweep.dir, "job": runtime.job.num}
    outcome = JobOutcome(" ".join(runtime.overrides.task) or "(no overrides)")
    try:
        from wav2sleep.training.train import train  # here, so that a missing library is this job's error

        outcome.summary = train(cfg)
    except Exception as exc:  # noqa: BLE001 - reported by the command line, one line per job
        outcome.error, outcome.traceback = describe_error(exc), traceback.format_exc()
        if not COMMAND_LINE["active"]:  # a job run by a launcher elsewhere: its own log says why
            print(f"wav2sleep train: error: {outcome.error}", file=sys.stderr)
    OUTCOMES.append(outcome)
    write_text_atomic(Path(str(cfg.output_dir)) / JOB_FILE, json.dumps(outcome.__dict__, default=str, indent=1))
    best = None if outcome.summary is None else outcome.summary["best_val_loss"]
    return float("nan") if best is None else float(best)
