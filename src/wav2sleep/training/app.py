"""``wav2sleep train`` as a Hydra application: the package's config groups are the primary config path, and every
Hydra command-line convention works (``--cfg job|hydra|all``, ``--info``, ``--help``, ``-m/--multirun`` sweeps,
``hydra.run.dir``/``hydra.sweep.dir``, ``--config-dir DIR`` for a lab's own ``experiment/*.yaml``, launchers).

Each job trains into Hydra's output folder for it (``outputs/NAME`` for a single run, ``outputs/NAME/multirun/N``
for job N of a sweep), which also holds Hydra's record of its config (``.hydra/``), unless ``output_dir=`` is given.
A job's error is collected rather than raised, so that one failed job never ends a sweep and the command line can
report it in one line (``JOB_ERRORS``); the returned value (the best validation loss) is what sweepers optimise.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig, open_dict

__all__ = ["hydra_main", "JOB_ERRORS", "JOB_SUMMARIES"]

JOB_ERRORS: list[tuple[str, BaseException]] = []
JOB_SUMMARIES: list[dict] = []


@hydra.main(config_path="pkg://wav2sleep.configs", config_name="train", version_base="1.3")
def hydra_main(cfg: DictConfig) -> float:
    from hydra.core.hydra_config import HydraConfig

    from wav2sleep.training.train import train

    runtime = HydraConfig.get()
    with open_dict(cfg):
        if not any(o.split("=", 1)[0].lstrip("+~") == "output_dir" for o in runtime.overrides.task):
            cfg.output_dir = runtime.runtime.output_dir
        if str(runtime.mode) == "RunMode.MULTIRUN":  # the jobs of a sweep share an MLflow tag
            cfg.sweep = {"dir": runtime.sweep.dir, "job": runtime.job.num}
    try:
        summary = train(cfg)
    except Exception as exc:  # noqa: BLE001 - reported by the command line, one line per job
        JOB_ERRORS.append((" ".join(runtime.overrides.task) or "(no overrides)", exc))
        return float("nan")
    JOB_SUMMARIES.append(summary)
    return float("nan") if summary["best_val_loss"] is None else float(summary["best_val_loss"])
