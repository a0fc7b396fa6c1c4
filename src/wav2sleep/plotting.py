"""Matplotlib without a display, and figures saved atomically (shared by evaluation plots and staging reports)."""

from __future__ import annotations

from pathlib import Path

from wav2sleep.store import atomic_path

__all__ = ["pyplot", "save_figure"]


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (imported only when a figure is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path, dpi: int = 100) -> Path:
    """Lay out, write as PNG (temporary file + rename), and close ``fig``."""
    fig.tight_layout()
    # Laid out now: without this, savefig draws the figure twice (a dry run for tight_layout's placeholder engine).
    fig.set_layout_engine(None)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    pyplot().close(fig)
    return path
