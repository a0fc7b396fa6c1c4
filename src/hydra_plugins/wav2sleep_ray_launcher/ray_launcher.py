"""``hydra/launcher=ray``: each job of a multirun is a Ray task, on a local Ray instance (started for the sweep and
stopped after it) or on a running cluster (``hydra.launcher.address=auto`` on a cluster node, or
``ray://HEAD:10001``). Each task asks Ray for ``cpus_per_job`` CPUs and ``gpus_per_job`` GPUs, so Ray runs as many
jobs at once as the cluster has room for. Jobs write into the sweep folder as with any launcher, so that folder must
be shared by the machines (as on any cluster file system).

We ship our own because the ``hydra-ray-launcher`` plugin pins an old cloudpickle that breaks joblib (scikit-learn).
"""

# No ``from __future__ import annotations``: Hydra imports plugins in a way that dataclasses with string
# annotations cannot resolve, and OmegaConf reads the config's field types.
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)


@dataclass
class RayLauncherConf:
    _target_: str = "hydra_plugins.wav2sleep_ray_launcher.ray_launcher.RayLauncher"
    address: str | None = None  # None: a local instance for this sweep; "auto" or "ray://HOST:PORT": a cluster
    num_cpus: int | None = None  # CPUs of a local instance (default: all)
    cpus_per_job: float = 1
    gpus_per_job: float = 0


ConfigStore.instance().store(group="hydra/launcher", name="ray", node=RayLauncherConf, provider="wav2sleep")


def _run_job(hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig, state: Any) -> JobReturn:
    """One job, in a Ray worker: Hydra's global state as in the launching process, then Hydra's own job runner."""
    setup_globals()
    Singleton.set_state(state)
    return run_job(hydra_context=hydra_context, task_function=task_function, config=config,
                   job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")  # fmt: skip


class RayLauncher(Launcher):
    def __init__(self, address: str | None = None, num_cpus: int | None = None, cpus_per_job: float = 1,
                 gpus_per_job: float = 0) -> None:  # fmt: skip
        self.address, self.num_cpus = address, num_cpus
        self.cpus_per_job, self.gpus_per_job = cpus_per_job, gpus_per_job
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        import ray

        assert self.config is not None and self.hydra_context is not None and self.task_function is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        started = not ray.is_initialized()
        if started:
            ray.init(address=self.address, num_cpus=self.num_cpus if self.address is None else None,
                     include_dashboard=False, log_to_driver=True)  # fmt: skip
        log.info(f"Ray launcher: {len(job_overrides)} jobs on {ray.cluster_resources().get('CPU', 0):g} CPUs")
        task = ray.remote(_run_job).options(num_cpus=self.cpus_per_job, num_gpus=self.gpus_per_job)
        pending = []
        for offset, overrides in enumerate(job_overrides):
            idx = initial_job_idx + offset
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            sweep_config = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
            with open_dict(sweep_config):
                sweep_config.hydra.job.id = f"ray_{idx}"
                sweep_config.hydra.job.num = idx
            pending.append(task.remote(self.hydra_context, self.task_function, sweep_config, Singleton.get_state()))
        try:
            return ray.get(pending)
        finally:
            if started:
                ray.shutdown()
