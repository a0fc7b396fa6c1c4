"""``train(cfg)``: build model, data and trainer from a composed config, fit, restore the best checkpoint, save the
model in both formats, optionally evaluate on the test partition, and log everything to MLflow."""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from wav2sleep.contract import contract_for_store, store_resampling
from wav2sleep.data.masking import ModalityMasker
from wav2sleep.errors import ConfigError, Wav2SleepError
from wav2sleep.models import create_model, model_spec, save_model, save_published
from wav2sleep.models.registry import set_contract
from wav2sleep.store.atomic import write_text_atomic
from wav2sleep.training.data import StoreDataModule
from wav2sleep.training.module import StagingModule
from wav2sleep.training.settings import check_settings

__all__ = ["train", "compose_config", "trainer_settings"]

RUN_ID_FILE = "mlflow_run_id"

log = logging.getLogger(__name__)


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """The packaged Hydra config with command-line style ``key=value`` overrides applied."""
    from hydra import compose, initialize_config_module

    with initialize_config_module("wav2sleep.configs", version_base="1.3"):
        return compose("train", overrides=list(overrides or []))


def trainer_settings(cfg: DictConfig) -> dict[str, Any]:
    """Accelerator, devices, strategy and precision: GPUs (DDP when >1) if CUDA is there, else CPU processes.

    DDP must allow unused parameters: an encoder whose signal is masked out of a whole batch gets no gradient.
    """
    cuda = torch.cuda.is_available()
    gpus = (1 if cuda else 0) if str(cfg.num_gpus) == "auto" else int(cfg.num_gpus)
    if gpus > 0 and not cuda:
        message = (f"num_gpus={gpus} but no CUDA device is visible (PyTorch {torch.__version__}); training on the "
                   f"CPU ({cfg.cpu_processes} process(es))")  # fmt: skip
        if cfg.get("strict"):
            raise ConfigError(message + "; strict=true refuses this")
        warnings.warn(message, stacklevel=2)
    if cuda and gpus > 0:
        devices, accelerator = gpus, "gpu"
        precision = "16-mixed" if cfg.training.precision == "auto" else cfg.training.precision
        strategy = "ddp_find_unused_parameters_true" if devices > 1 or cfg.num_nodes > 1 else "auto"
    else:
        devices, accelerator = int(cfg.cpu_processes), "cpu"
        precision = "32-true" if cfg.training.precision in ("auto", "16-mixed") else cfg.training.precision
        # ddp_spawn works from any entry point (CLI, notebooks, pytest); gloo is the CPU backend.
        strategy = "ddp_spawn_find_unused_parameters_true" if devices > 1 else "auto"
    return {"accelerator": accelerator, "devices": devices, "strategy": strategy, "precision": precision,
            "num_nodes": int(cfg.num_nodes)}  # fmt: skip


def _accumulation(target: int, batch: int, world: int) -> int:
    per_step = batch * world
    return target // per_step if target >= per_step and target % per_step == 0 else 1


def _checked_store_resampling(cfg: DictConfig) -> str:
    """Check the store and split before anything is created (no MLflow database for a bad store), and return the
    one resampling mode of its usable nights: it becomes part of the trained model's contract."""
    from wav2sleep.data.splits import read_split
    from wav2sleep.store import read_manifest
    from wav2sleep.store.manifest import require_store

    root = Path(str(cfg.data_root))
    require_store(root, f"data_root={root}")
    rows = read_manifest(root, statuses=("ok", "flagged"))
    split = read_split(root, str(cfg.split_scheme))
    train_rows = [r for r in rows if r["dataset"] in set(cfg.datasets.train)
                  and split.get((r["dataset"], r["session"])) == "train"]  # fmt: skip
    if not train_rows:
        raise ConfigError(f"{root}: no usable night of {', '.join(cfg.datasets.train)} in the train partition of "
                          f"split {cfg.split_scheme} ({len(rows)} usable nights in the store)")  # fmt: skip
    modes = store_resampling(rows)
    if len(modes) > 1:
        raise ConfigError(f"{cfg.data_root}: nights resampled with different modes ({', '.join(sorted(modes))}); "
                          "a model is trained on one: re-ingest with one --resample")  # fmt: skip
    return modes.pop()  # a train partition with nights implies at least one mode


def train(cfg: DictConfig) -> dict[str, Any]:
    """Train as ``cfg`` says; returns the output folder, model folder, best checkpoint, metrics and test results."""
    if OmegaConf.is_missing(cfg, "data_root"):
        raise ConfigError("data_root is required: wav2sleep train data_root=STORE_ROOT ...")
    check_settings(cfg)
    out = Path(cfg.output_dir).absolute()
    out.mkdir(parents=True, exist_ok=True)
    L.seed_everything(cfg.seed, workers=True)
    if model_spec(cfg.model.name)["architecture"] == "HRVSequence":  # NumPy features of whole nights, not crops
        raise ConfigError(f"model {cfg.model.name} is trained with python -m wav2sleep.training.hrv_sequence")
    signals = list(cfg.inputs.signals)
    params = OmegaConf.to_container(cfg.model.params, resolve=True) or {}
    if cfg.training.get("activation_checkpointing") and cfg.model.name != "sleepppgnet":
        params["encoder"] = {**params.get("encoder", {}), "checkpointing": True}
    model = create_model(cfg.model.name, signals=signals, num_classes=int(cfg.inputs.num_classes), **params)
    set_contract(model, contract_for_store(_checked_store_resampling(cfg), str(cfg.training.normalisation)))
    if cfg.get("init_from"):
        _initialise(model, str(cfg.init_from))
    masking = cfg.inputs.get("masking")
    masker = ModalityMasker(dict(masking.drop), list(masking.backups or [])) if masking else None
    t = cfg.training
    module = StagingModule(model, t.lr, t.weight_decay, t.warmup_steps, t.decay_tau, masker, t.flip_p, int(cfg.seed),
                           list(cfg.datasets.train), list(cfg.inputs.get("val_subsets") or []),
                           float(t.get("epoch_dropout", 0.0)))  # fmt: skip
    data = StoreDataModule(cfg.data_root, list(cfg.datasets.train), signals, int(cfg.inputs.num_classes),
                           cfg.split_scheme, int(t.batch_size), t.crop_epochs, int(t.num_workers), int(cfg.seed),
                           bool(t.include_flagged), model.contract.normalisation)  # fmt: skip
    settings = trainer_settings(cfg)
    world = settings["devices"] * settings["num_nodes"]
    from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
    from lightning.pytorch.loggers import MLFlowLogger

    resume = _resume_checkpoint(cfg, out)  # checked before any MLflow run exists
    run_id_file = out / RUN_ID_FILE
    run_id = run_id_file.read_text().strip() if resume and run_id_file.is_file() else None
    sweep = cfg.get("sweep")  # the jobs of a sweep share one MLflow store: one table in `mlflow ui`
    store_dir = Path(str(sweep.dir)).absolute() if sweep else out
    tracking_uri = cfg.mlflow.tracking_uri or f"sqlite:///{store_dir / 'mlflow.db'}"
    # The jobs of a sweep may start together in separate processes (launchers): one at a time creates (or migrates)
    # the shared database, its experiment and its run.
    from filelock import FileLock

    store_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(store_dir / ".mlflow.lock"):
        logger = MLFlowLogger(experiment_name=cfg.mlflow.experiment, run_name=_run_name(cfg),
                              tracking_uri=tracking_uri, artifact_location=str(out / "mlartifacts"), run_id=run_id,
                              tags=_run_tags(cfg))  # fmt: skip
        write_text_atomic(run_id_file, logger.run_id)  # a resumed run continues this MLflow run
    checkpoints = ModelCheckpoint(dirpath=out / "checkpoints", monitor="val_loss", mode="min", save_top_k=1,
                                  save_last=True, filename="best-{epoch:03d}")  # fmt: skip
    trainer = L.Trainer(
        **settings, max_epochs=int(t.max_epochs), gradient_clip_val=t.grad_clip, logger=logger,
        accumulate_grad_batches=_accumulation(int(cfg.target_batch_size), int(t.batch_size), world),
        callbacks=[checkpoints, EarlyStopping("val_loss", patience=int(t.patience), mode="min"),
                   LearningRateMonitor("step"), EpochLine(cfg.inputs.get("val_subsets") or [])],
        limit_train_batches=cfg.debug.limit_train_batches, limit_val_batches=cfg.debug.limit_val_batches,
        num_sanity_val_steps=0, deterministic=True,
        enable_progress_bar=False, log_every_n_steps=1, default_root_dir=str(out),
    )  # fmt: skip
    if run_id is None:
        logger.log_hyperparams(_flat(OmegaConf.to_container(cfg, resolve=True)))
        logger.experiment.log_text(logger.run_id, OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")
    if cfg.tune_batch_size:
        if world > 1:
            raise ConfigError("tune_batch_size works on a single device; set num_gpus=1 / cpu_processes=1")
        from lightning.pytorch.tuner import Tuner

        Tuner(trainer).scale_batch_size(module, datamodule=data, mode="power", batch_arg_name="batch_size")
        trainer.accumulate_grad_batches = _accumulation(int(cfg.target_batch_size), data.batch_size, world)
    try:
        trainer.fit(module, datamodule=data, ckpt_path=resume)
    except SystemExit as exc:  # Lightning ends a fit stopped by SIGTERM (SIGTERMException) or Ctrl+C with SystemExit
        logger.experiment.set_terminated(logger.run_id, "KILLED")
        raise _stopped(exc, module, out, cfg) from None
    except BaseException:
        logger.experiment.set_terminated(logger.run_id, "FAILED")  # never left RUNNING
        raise
    if trainer.interrupted:
        logger.experiment.set_terminated(logger.run_id, "KILLED")
        raise Wav2SleepError(f"training interrupted; resume it with resume=last (checkpoints in {out / 'checkpoints'})")
    model, model_dir, best, best_score = _save_best(module, out, cfg)
    artifacts = {"model": model_dir}
    if type(model).__name__ == "Wav2Sleep" and model.config["encoder"].get("block", "strided") == "strided":
        artifacts["model_published"] = save_published(model, out / "model_published")
    results = []
    if cfg.test:
        from wav2sleep.evaluation.evaluate import evaluate
        from wav2sleep.evaluation.tables import results_markdown

        results = evaluate(model, cfg.data_root, scheme=cfg.split_scheme, partition="test",
                           datasets=list(cfg.datasets.test), subsets=list(cfg.subsets), out_dir=out / "results")  # fmt: skip
        for r in results:
            key = f"test_{r['subset'].replace('+', '_')}_{r['dataset']}"
            logger.log_metrics({f"{key}_kappa": r["kappa"], f"{key}_acc": r["accuracy"]})
        if results:
            artifacts["results"] = out / "results"
            print(results_markdown(results))
    for name, path in artifacts.items():
        logger.experiment.log_artifacts(logger.run_id, str(path), name)
    logger.finalize("success")
    summary = {"output_dir": str(out), "model_dir": str(model_dir), "best_checkpoint": best,
               "best_val_loss": best_score, "epochs": trainer.current_epoch, "batch_size": data.batch_size,
               "accumulate_grad_batches": trainer.accumulate_grad_batches,
               "mlflow_run_id": logger.run_id, "tracking_uri": tracking_uri, "results": results}  # fmt: skip
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    return summary


def _save_best(module: torch.nn.Module, out: Path, cfg: DictConfig) -> tuple[torch.nn.Module, Path, str, float | None]:
    """Load the run's best checkpoint into ``module`` and save its model as ``out/model``: (model, folder, best
    checkpoint, its val_loss). The best checkpoint really is what we keep and test (the reference kept the last)."""
    best, best_score = _best_checkpoint(_newest_last(out / "checkpoints") or out / "checkpoints" / "last.ckpt")
    module.load_state_dict(torch.load(best, map_location="cpu", weights_only=False)["state_dict"])
    model = module.model.cpu().eval()
    model_dir = save_model(model, out / "model", training_data=f"{', '.join(cfg.datasets.train)} ({cfg.data_root})",
                           extra={"best_checkpoint": best, "val_loss": best_score})  # fmt: skip
    return model, model_dir, best, best_score


def _stopped(exc: SystemExit, module: torch.nn.Module, out: Path, cfg: DictConfig) -> Wav2SleepError:
    """The error for a fit that a signal stopped, once the best model so far is saved (when an epoch was validated)."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    why = "SIGTERM" if isinstance(exc, SIGTERMException) else "an interrupt"
    if _newest_last(out / "checkpoints") is None:
        return Wav2SleepError(f"training stopped by {why} before its first validation: no model to save "
                              f"(output folder {out})")  # fmt: skip
    _, model_dir, _, score = _save_best(module, out, cfg)
    loss = "unknown" if score is None else f"{score:.4g}"
    return Wav2SleepError(f"training stopped by {why}; the best model so far (val_loss {loss}) is saved in "
                          f"{model_dir}; resume=last continues the run")  # fmt: skip


def _initialise(model: torch.nn.Module, source: str) -> None:
    """Start from the weights of the model folder ``source`` (fine-tuning); it must have the same shapes."""
    from wav2sleep.models import load_model

    try:
        model.load_state_dict(load_model(source).state_dict())
    except RuntimeError as exc:
        raise ConfigError(f"init_from={source}: its weights do not fit this model ({str(exc)[:300]})") from exc


def _run_name(cfg: DictConfig) -> str:
    """A readable MLflow run name: NAME-INPUTS-DATASETS (e.g. ``wav2sleep-ECG+THX-shhs,mesa``)."""
    return f"{cfg.name}-{'+'.join(cfg.inputs.signals)}-{','.join(cfg.datasets.train)}"


def _run_tags(cfg: DictConfig) -> dict[str, str]:
    """Tags that say what a run was: package version, git commit (when run from a checkout), the store's manifest
    digest, and for a sweep job the sweep folder and job number (``mlflow ui`` groups a sweep by ``sweep``)."""
    import hashlib
    import subprocess

    import wav2sleep
    from wav2sleep.store.manifest import MANIFEST_FILE

    tags = {"wav2sleep_version": wav2sleep.__version__, "name": str(cfg.name)}
    manifest = Path(str(cfg.data_root)) / MANIFEST_FILE
    if manifest.is_file():
        tags["store_manifest_sha256"] = hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]
    try:
        commit = subprocess.run(["git", "-C", str(Path(__file__).parent), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5)  # fmt: skip
        if commit.returncode == 0:
            tags["git_commit"] = commit.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    sweep = cfg.get("sweep")
    if sweep:
        tags.update({"sweep": str(sweep.get("dir")), "sweep_job": str(sweep.get("job"))})
    return tags


class EpochLine(L.Callback):
    """One concise line per epoch on stderr, terminal or not: losses, pooled kappa, each validation subset's pooled
    kappa (per-dataset figures stay in MLflow), time."""

    def __init__(self, subsets) -> None:
        self.subsets = [str(s) for s in subsets]

    def on_train_epoch_start(self, trainer, module) -> None:
        self.began = time.perf_counter()

    def on_train_epoch_end(self, trainer, module) -> None:
        if trainer.global_rank != 0 or trainer.sanity_checking:
            return
        m = {k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1}
        parts = [f"epoch {trainer.current_epoch}"]
        for key, name in (("train_loss_epoch", "train_loss"), ("val_loss", "val_loss"), ("val_kappa", "val_kappa")):
            if key in m:
                parts.append(f"{name} {m[key]:.4f}")
        kappas = [(s, m.get(f"val_{s.replace('+', '_')}_kappa")) for s in self.subsets]
        if any(k is not None for _, k in kappas):
            parts.append("kappa " + ", ".join(f"{s} {k:.3f}" for s, k in kappas if k is not None))
        parts.append(f"{time.perf_counter() - getattr(self, 'began', time.perf_counter()):.1f} s")
        print(" | ".join(parts), file=sys.stderr, flush=True)


def _newest_last(folder: Path) -> Path | None:
    """The newest ``last*.ckpt`` (Lightning writes ``last-v1.ckpt`` beside a ``last.ckpt`` it did not write)."""
    candidates = [p for p in folder.glob("last*.ckpt") if p.is_file()]
    return max(candidates, key=lambda p: p.stat().st_mtime_ns) if candidates else None


def _resume_checkpoint(cfg: DictConfig, out: Path) -> str | None:
    """The checkpoint ``resume=`` names (``last``: the newest ``last*.ckpt`` of this output folder), checked to be a
    complete checkpoint: a missing or truncated one is a one-line error naming the file."""
    if not cfg.resume:
        return None
    folder = out / "checkpoints"
    path = _newest_last(folder) if cfg.resume == "last" else Path(str(cfg.resume))
    if path is None:
        raise ConfigError(f"resume=last: no checkpoint in {folder} (nothing to resume; leave resume out to start)")
    if not path.is_file():
        raise ConfigError(f"resume={cfg.resume}: checkpoint {path} not found")
    import zipfile

    try:  # torch checkpoints are zip archives: a truncated or foreign file fails here, before any training state
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConfigError(f"{path}: not a complete checkpoint ({exc}); resume from another one") from None
    if damaged:
        raise ConfigError(f"{path}: damaged checkpoint ({damaged} fails its checksum); resume from another one")
    return str(path)


def _best_checkpoint(last: Path) -> tuple[str, float | None]:
    """Best checkpoint path and val_loss, as the checkpoint callback recorded them in ``last.ckpt``.

    Read from disk because with spawned DDP workers the callback object in this process never saw the run.
    """
    state = torch.load(last, map_location="cpu", weights_only=False)
    for key, value in state.get("callbacks", {}).items():
        if key.startswith("ModelCheckpoint") and value.get("best_model_path"):
            score = value.get("best_model_score")
            best = Path(value["best_model_path"])
            if not best.is_file():  # a run moved or copied to another folder: the file beside ``last``
                best = last.parent / best.name
            return str(best if best.is_file() else last), None if score is None else float(score)
    return str(last), None


def _flat(d: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        out.update(_flat(v, key + ".") if isinstance(v, dict) else {key: v})
    return out
