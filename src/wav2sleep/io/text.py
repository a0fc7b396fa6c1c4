"""Lines of the small text files the readers parse (beat tables, stage annotations, hypnograms, scoring logs).

Bytes that are not UTF-8 (a Latin-1 comment, a corrupted byte) become U+FFFD, so a stray byte fails only the row
it is in, where the reader can name the line, instead of the whole file with a codec error. A NUL byte means the
file is not text at all (a binary WFDB annotation file under a text name, a truncated copy): refused as such.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from wav2sleep.errors import InputFileError

__all__ = ["text_lines", "field_separator", "size_within", "header_names", "table_head", "TableHead"]


def size_within(path: Path, limit: int, what: str, problem: str) -> int:
    """The size of ``path`` in bytes, refused with ``problem`` above ``limit`` before anything reads it; ``what``
    names the content in errors."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what} ({exc.strerror or exc})") from exc
    if size > limit:
        raise InputFileError(path, problem, field="size", expected=f"at most {limit} bytes", found=f"{size} bytes")
    return size


def text_lines(path: Path, what: str, encoding: str = "utf-8-sig") -> list[str]:
    """The lines of ``path`` (UTF-8 by default, a leading byte-order mark dropped); ``what`` names the content in
    errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what} ({exc.strerror or exc})") from exc
    nul = data.find(b"\0")
    if nul >= 0:
        raise InputFileError(path, "not a text file", expected=what, found=f"a NUL byte at offset {nul}")
    return data.decode(encoding, errors="replace").splitlines()


_SEP_HINT = re.compile(r'"?sep=(.)"?[,;\t]*')  # Excel's hint, which Shimmer's Consensys and others write first
PREAMBLE_LINES = 100  # at most this many lines before the header are skipped


@dataclass(frozen=True)
class TableHead:
    """Where a text table's header is: the lines before its first row (comments starting with ``#`` or ``%``, blank
    lines, an Excel ``sep=`` hint, as devices write them), the header, and its field separator. The header is the
    first other line, or the last comment when that line is already values (numbers, clock times) and the comment
    names as many columns (NumPy's ``savetxt(..., header=...)`` writes ``# time,ECG``): then ``named_in_comment``."""

    skipped: int
    header: str
    separator: str
    named_in_comment: bool = False

    @property
    def names(self) -> list[str]:
        """The column names the header gives (quotes allowed)."""
        return _fields(self.header, self.separator)


def _fields(text: str, separator: str) -> list[str]:
    return next(csv.reader([text], delimiter=separator), [])


_CLOCK_TEXT = re.compile(r"[\d\s:./+\-TZ]*\d[\d\s:./+\-TZ]*")  # dates and times: digits and their punctuation


def _is_value(text: str) -> bool:
    """A number or a clock time: what a data row holds, not a column name."""
    try:
        float(text)
    except ValueError:
        return bool(_CLOCK_TEXT.fullmatch(text.strip()))
    return True


def _values(fields: list[str], separator: str) -> bool:
    """Whether every field is a value (with a decimal comma where the separator is not a comma)."""
    return bool(fields) and all(_is_value(f.replace(",", ".") if separator != "," else f) for f in fields)


def table_head(path: str | Path) -> TableHead:
    """The head of a text table; only the lines up to its header are read."""
    skipped, hint, line, comment = 0, None, "", None
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for line in iter(lambda: fh.readline(65536), ""):
                text = line.strip()
                sep = _SEP_HINT.fullmatch(text)
                if sep:
                    hint = sep.group(1)
                elif text and not text.startswith(("#", "%")) or skipped >= PREAMBLE_LINES:
                    break
                elif text:
                    comment = text.lstrip("#% ")
                skipped += 1
            else:
                line = ""
    except OSError:
        line = ""
    header = line.rstrip("\r\n")
    plain = TableHead(skipped, header, hint or field_separator(header))
    row = plain.names
    if comment and skipped and _values(row, plain.separator):
        commented = TableHead(skipped, comment, plain.separator, named_in_comment=True)
        if len(commented.names) == len(row) and not _values(commented.names, plain.separator):
            return commented
    return plain


def header_names(path: str | Path) -> list[str]:
    """The column names on the header line of a text table (comma, semicolon or tab separated, quotes allowed; after
    any comment lines, ``table_head``); [] for a file that cannot be read."""
    return table_head(path).names


def field_separator(header: str) -> str:
    """The field separator of a table whose header line is ``header``: ``,`` unless the line has semicolons or tabs
    and no comma (spreadsheet exports in much of Europe)."""
    if "," not in header:
        for candidate in (";", "\t"):
            if candidate in header:
                return candidate
    return ","
