"""Exception types. Input errors carry the file, the field, what was expected and what was found."""

from __future__ import annotations

from os import PathLike

__all__ = ["Wav2SleepError", "InputFileError", "ConfigError", "ModelLoadError", "in_one_line"]


class Wav2SleepError(Exception):
    """Base class of every error wav2sleep raises on purpose."""


class InputFileError(Wav2SleepError):
    """A file that cannot be used as given.

    The message names the file, the channel or field at fault, what was expected and what was found, so that a
    user can fix the file (or pick another channel) without reading our code.
    """

    def __init__(
        self,
        file: str | PathLike[str] | None,
        problem: str,
        *,
        field: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.problem = problem
        self.field = field
        self.expected = expected
        self.found = found
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.file or "<input>"
        if self.field:
            where += f" [{self.field}]"
        parts = [f"{where}: {self.problem}"]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {self.found}")
        return "; ".join(parts)

    def __reduce__(self):  # keeps the error picklable across process pools and Ray
        return (
            _rebuild_input_error,
            (self.file, self.problem, self.field, self.expected, self.found),
        )


def _rebuild_input_error(file, problem, field, expected, found) -> InputFileError:
    return InputFileError(file, problem, field=field, expected=expected, found=found)


class ConfigError(Wav2SleepError):
    """An invalid option or configuration value."""


class ModelLoadError(Wav2SleepError):
    """A model folder or checkpoint that cannot be loaded."""


def in_one_line(exc: BaseException, limit: int = 200) -> str:
    """A library's exception for a user: its type and the first line of its message, cut after a sentence when
    longer than ``limit`` characters (`` ...`` says more was left out)."""
    first, *rest = str(exc).strip().splitlines() or [""]
    if len(first) > limit:
        cut = first[:limit].rfind(". ")
        first, rest = first[: cut + 1 if cut > 0 else limit], [first]
    return f"{type(exc).__name__}{': ' + first if first else ''}{' ...' if rest else ''}"


def utf8_safe(text: str) -> str:
    """``text`` that UTF-8 can encode, for files, tables and plots: the bytes of a file name that are not UTF-8 (which
    Python holds as surrogates, ``os.fsdecode``) written as ``\\xff``, so the name stays unique and readable."""
    try:
        return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name's byte gives
        return text.encode("utf-8", errors="backslashreplace").decode("utf-8")
