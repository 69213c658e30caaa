"""Read the ESCO CSV export and the O*NET text release as streams of plain rows.

Users download these files themselves (architecture §2, Skills), so the reader accepts the
names the publishers use (``skills_en.csv``, ``Occupation Data.txt``) as well as the
snake_case ``.tsv`` copies of ``shared/data/onet``, each optionally gzip-compressed.
Rows are yielded one at a time (the ESCO relations file has 124k rows) together with the
fraction of the file read so far, measured on the bytes on disk so a progress bar moves
evenly for compressed files too.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from credstack.core.errors import InputError

# ESCO cells hold multi-line alternative labels; the default 128 KiB limit is too small
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_COMPRESSED_SUFFIXES = ("", ".gz")


@dataclass(frozen=True)
class SourceFile:
    """One located input file and its delimiter (``,`` for ESCO, tab for O*NET)."""

    path: Path
    delimiter: str

    @property
    def size(self) -> int:
        """Bytes on disk (the progress denominator)."""
        return self.path.stat().st_size


def locate(folder: Path, names: Sequence[str], delimiter: str) -> SourceFile | None:
    """The first of ``names`` (with or without ``.gz``) present in ``folder``, or None.

    Matching ignores case, because the official downloads have been seen both as
    ``Skills.txt`` and ``skills.txt`` depending on how the archive was unpacked.
    """
    by_lower = {entry.name.lower(): entry for entry in folder.iterdir() if entry.is_file()}
    for name in names:
        for suffix in _COMPRESSED_SUFFIXES:
            found = by_lower.get(f"{name}{suffix}".lower())
            if found is not None:
                return SourceFile(found, delimiter)
    return None


def require(folder: Path, names: Sequence[str], delimiter: str, what: str) -> SourceFile:
    """Like :func:`locate`, but a missing file is an :class:`InputError` naming it."""
    found = locate(folder, names, delimiter)
    if found is None:
        expected = " or ".join(f"'{name}'" for name in names)
        raise InputError(
            f"{what}: no {expected} (optionally .gz) in {folder}; "
            "point the option at the folder you unpacked the download into"
        )
    return found


def read_rows(
    source: SourceFile, required: Sequence[str], limit: int | None = None
) -> Iterator[tuple[dict[str, str], float]]:
    """Yield ``(row, fraction_read)`` for each data row, checking the header first.

    ``required`` columns must be in the header (a wrong file fails at once with the
    missing names, not after reading a million rows); ``limit`` stops after that many
    rows, for previews and tests. Text is strict UTF-8 (a BOM is accepted).
    """
    total = max(source.size, 1)
    with source.path.open("rb") as raw:
        stream: BinaryIO = raw
        if source.path.name.lower().endswith(".gz"):
            stream = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text, delimiter=source.delimiter)
        header = reader.fieldnames or []
        missing = [column for column in required if column not in header]
        if missing:
            raise InputError(
                f"{source.path.name}: missing column(s) {', '.join(missing)}; "
                f"the header has {', '.join(header) or 'nothing'}"
            )
        try:
            for count, row in enumerate(reader, start=1):
                if limit is not None and count > limit:
                    return
                yield {key: (value or "") for key, value in row.items() if key}, raw.tell() / total
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source.path.name}: not UTF-8 near line {reader.line_num} ({exc.reason})"
            ) from exc
        except (EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{source.path.name}: the compressed file is damaged ({exc})") from exc
