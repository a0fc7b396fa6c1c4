"""Entry point of the ``wav2sleep`` command.

Every module in this package except this one is a subcommand: it defines ``HELP`` (one line), ``add_parser(p)``
(fills an ``argparse`` parser) and ``run(args) -> int``. Subcommand modules import only ``argparse`` at module
level; heavy libraries are imported inside ``run`` so that ``wav2sleep stage`` starts fast.
Exit codes: 0 success, 1 finished with failures (e.g. some nights failed), 2 bad usage, bad input or an
environment problem. No traceback reaches the user unless asked for (``-v``): every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import logging
import pkgutil
import sys
import traceback

import wav2sleep
from wav2sleep.errors import Wav2SleepError, in_one_line

__all__ = ["main", "build_parser", "describe_error"]


# The optional extra that provides each library a command may need (pyproject.toml).
EXTRA_OF_MODULE = {"lightning": "train", "torchmetrics": "train", "hydra": "train", "omegaconf": "train",
                   "mlflow": "train", "ray": "cluster", "submitit": "launchers", "optuna": "launchers",
                   "hydra_plugins": "launchers", "huggingface_hub": "hub", "onnx": "onnx", "onnxruntime": "onnx",
                   "onnxscript": "onnx"}  # fmt: skip


def describe_error(exc: BaseException) -> str:
    """One line for any exception: our errors as written (they name the file and field), OS errors with the path
    and reason, a library of an optional extra that is not installed with the extra to install, anything else with
    its type (first line of its message)."""
    if isinstance(exc, Wav2SleepError):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in EXTRA_OF_MODULE:
        extra = EXTRA_OF_MODULE[exc.name.split(".")[0]]
        return f"this needs the '{extra}' extra ({exc.name} is not installed): pip install 'wav2sleep[{extra}]'"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return in_one_line(exc)


def _subcommands() -> list[str]:
    pkg = importlib.import_module("wav2sleep.cli")
    return sorted(
        m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name not in {"main"} and not m.name.startswith("_")
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wav2sleep",
        description="Sleep staging from any subset of ECG, PPG, respiratory effort, EOG and beat times.",
    )
    parser.add_argument("--version", action="version", version=f"wav2sleep {wav2sleep.__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _subcommands():
        module = importlib.import_module(f"wav2sleep.cli.{name}")
        hydra_app = getattr(module, "HYDRA_APP", False)  # its --help and flags belong to Hydra
        p = sub.add_parser(name.replace("_", "-"), help=module.HELP, description=module.HELP, add_help=not hydra_app,
                           allow_abbrev=not hydra_app)  # fmt: skip
        module.add_parser(p)
        # -v also after the subcommand (SUPPRESS: does not reset a -v given before it)
        p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="tracebacks and more log output (-vv for debug)")  # fmt: skip
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    """Run the command line ``argv``; ``own_process``: this process is the command's own (``console``), so its
    main module can be started again in helper processes (``inference.prefetch``) without side effects."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    # Hydra-style overrides (key=value) pass through to `train` untouched.
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args._module, "ACCEPTS_OVERRIDES", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.overrides = extra
    args.own_process = own_process
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that set their own loggers' levels still pass this one
        handler.setLevel(level)
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        print(f"wav2sleep {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place every error becomes a line for the user
        if args.verbose:
            traceback.print_exc()
        message = describe_error(exc)
        plain = isinstance(exc, Wav2SleepError) or args.verbose or message.startswith("this needs the")
        print(f"wav2sleep {args.command}: error: {message}{'' if plain else ' (run with -v for the traceback)'}",
              file=sys.stderr)  # fmt: skip
        return 2


def console() -> int:
    """The ``wav2sleep`` command (and ``python -m wav2sleep``): ``main``, then the process ends. Its objects are
    frozen first, so that ending it skips a last garbage collection over all of PyTorch's (0.5-0.8 s here, as much
    as reading and preparing a 10-h night)."""
    code = main(own_process=True)
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(console())
