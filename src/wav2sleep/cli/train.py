"""``wav2sleep train``: Hydra-configured training (key=value overrides, as the reference's command takes them)."""

from __future__ import annotations

import argparse

HELP = "train a model on a store (Hydra overrides: model=... inputs=... datasets=... data_root=... test=True)"
ACCEPTS_OVERRIDES = True


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--show-config", action="store_true", help="print the composed config and exit")
    p.epilog = ("example: wav2sleep train model=wav2sleep num_gpus=1 tune_batch_size=True target_batch_size=16 "
                "name=NAME inputs=all datasets=all test=True data_root=STORE")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from omegaconf import OmegaConf

    from wav2sleep.training.train import compose_config, train

    cfg = compose_config(args.overrides)
    if args.show_config:
        print(OmegaConf.to_yaml(cfg))
        return 0
    summary = train(cfg)
    print(f"model: {summary['model_dir']} (best checkpoint {summary['best_checkpoint']}, "
          f"val_loss {summary['best_val_loss']})")  # fmt: skip
    print(f"MLflow run {summary['mlflow_run_id']}: mlflow ui --backend-store-uri {summary['tracking_uri']}")
    return 0
