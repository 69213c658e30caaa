"""The bundled fixtures are exactly what their SOURCES.md files say they are.

Every copied or generated file under ``tests/fixtures`` is listed, with its SHA-256, in
the SOURCES.md of its folder (or of a folder above it). A fixture edited by hand, added
without its provenance, or removed while still listed fails here, so the provenance the
licences ask for cannot drift from the files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from fixture_paths import FIXTURES

#: a table row whose first cell is a backticked path and which holds a backticked SHA-256
_LISTED_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|.*?`([0-9a-f]{64})`")
_NOT_DATA = {"SOURCES.md", "README.md"}


def _listed() -> dict[Path, str]:
    listed: dict[Path, str] = {}
    for sources in FIXTURES.rglob("SOURCES.md"):
        for line in sources.read_text(encoding="utf-8").splitlines():
            match = _LISTED_ROW.match(line)
            if match:
                listed[sources.parent / match.group(1)] = match.group(2)
    return listed


def _data_files() -> Iterator[Path]:
    for path in sorted(FIXTURES.rglob("*")):
        parts = path.relative_to(FIXTURES).parts
        if path.is_file() and path.name not in _NOT_DATA and "LICENSES" not in parts:
            yield path


def test_every_fixture_file_is_listed_with_its_sha256() -> None:
    listed = _listed()
    files = list(_data_files())
    assert len(files) > 100  # standards, EU vocabularies and the skills sample
    for path in files:
        name = path.relative_to(FIXTURES)
        assert path in listed, f"{name} is not listed in a SOURCES.md"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[path], f"{name} changed"


def test_every_listed_file_is_bundled() -> None:
    missing = [path.relative_to(FIXTURES) for path in _listed() if not path.is_file()]
    assert missing == []
