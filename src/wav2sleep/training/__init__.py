"""Lightning training: the module (loss, metrics, optimiser), data loaders, and ``train(cfg)``."""
