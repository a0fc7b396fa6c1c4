"""Baselines that our models are measured against (benchmarks), kept in the package so that they are tested."""
