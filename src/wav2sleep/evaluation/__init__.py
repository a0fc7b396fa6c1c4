"""Metrics, results tables and confusion-matrix plots; ``evaluate`` over a store."""
