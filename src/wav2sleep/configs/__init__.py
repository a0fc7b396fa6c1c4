"""Hydra configuration groups shipped with the package (composed by `wav2sleep train`)."""
