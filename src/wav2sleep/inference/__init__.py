"""Staging your own recordings: ``stage(path) -> Hypnogram``, reports and exports."""
