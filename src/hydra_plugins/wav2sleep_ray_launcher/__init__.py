"""A Hydra launcher that runs a sweep's jobs as Ray tasks: ``hydra/launcher=ray`` (wav2sleep's ``cluster`` extra)."""
