"""Where the test suite's bundled data lives, for every test that reads it.

Everything a test reads that Credstack did not write itself (published standards
artefacts, the EU vocabularies, the ESCO / O*NET sample) is a copy in ``tests/fixtures``
with its provenance in a SOURCES.md beside it (see ``tests/fixtures/README.md``). Tests
take their paths from here, never from a folder outside the repository, so the suite runs
the same wherever the repository is cloned.
"""

from __future__ import annotations

import csv
import gzip
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"

STANDARDS = FIXTURES / "standards"
VECTORS = STANDARDS / "test-vectors"
EU_VOCABULARIES = FIXTURES / "eu-vocabularies"
ESCO = FIXTURES / "skills" / "esco"
ONET = FIXTURES / "skills" / "onet"


@cache
def esco_skill_labels() -> dict[str, str]:
    """Preferred label of every ESCO skill in the bundled export, by concept URI."""
    csv.field_size_limit(10**9)  # multi-line label cells
    with gzip.open(ESCO / "skills_en.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return {row["conceptUri"]: row["preferredLabel"] for row in csv.DictReader(handle)}
