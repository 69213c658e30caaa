"""Cut the small ESCO / O*NET / crosswalk sample the test suite bundles from the full files.

Why: the skills import and search tests, the example micro-credential and the demo must be
checked against real ESCO and O*NET rows, but the full releases are ~20 MB and cannot live
in the repository. This script keeps the rows those tests and the later careers work need,
each copied byte for byte (multi-line ESCO cells included) into a file with the publisher's
own name, columns and encoding, so the real importer reads the sample unchanged:

- ESCO ``skills_en``, ``occupations_en``, ``occupationSkillRelations``: the first
  ``FIRST_ESCO_ROWS`` rows of each (the tests import with ``--limit``), plus the careers
  occupations below with every relation row of theirs and every skill those rows name,
  plus the skills the demo catalogue and ``examples/micro-credential.yaml`` align to.
- ESCO ``broaderRelationsOccPillar`` / ``broaderRelationsSkillPillar``: the chains from the
  careers occupations and the kept skills up to the top of each hierarchy.
- O*NET ``occupation_data``: the first ``FIRST_ONET_OCCUPATION_ROWS`` rows and the
  occupations below; ``skills`` / ``knowledge`` / ``technology_skills`` for the first rated
  occupations, the O*NET occupations the careers occupations map to and those the example
  names; ``content_model_reference`` for the elements kept and their ancestors.
- Crosswalks: the Nesta ESCO→O*NET rows of the careers occupations and the BLS SOC 2010→2018
  rows that carry their O*NET-SOC 2010 codes to O*NET 29.3's 2019 codes.

Output is deterministic (row order as in the source, gzip without name or time stamp), and
``SOURCES.md`` is rewritten with the provenance, licences, row counts and SHA-256 of every
file. Run with the project's interpreter (it reads the demo catalogue)::

    .venv/bin/python scripts/make_skills_fixtures.py [--data DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "tests" / "fixtures" / "skills"
EXAMPLE = REPO_ROOT / "examples" / "micro-credential.yaml"

#: the import tests read the first rows of each file (``limit=300`` is the most they assert on)
FIRST_ESCO_ROWS = 300
#: ... and of O*NET's occupation list (``limit=400``)
FIRST_ONET_OCCUPATION_ROWS = 400
#: O*NET occupations with Skills/Knowledge ratings taken from the top of those files
FIRST_RATED_ONET_OCCUPATIONS = 2
_ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
#: ESCO occupations kept whole (all their skills and links): one per demo theme, plus the
#: technical director, whose links the import tests check
CAREERS_OCCUPATIONS = {
    _ESCO_OCCUPATION + "00030d09-2b3a-4efd-87cc-c4ea39d27c34": "technical director",
    _ESCO_OCCUPATION + "d3edb8f8-3a06-47a0-8fb9-9b212c006aa2": "data analyst",
    _ESCO_OCCUPATION + "7754d570-9519-48c2-b1c9-8e165f8bca0f": "ICT security manager",
    _ESCO_OCCUPATION + "bea99fea-0383-4c63-b944-70d4799de2c5": "project manager",
    _ESCO_OCCUPATION + "eeac6251-1974-42f5-91ed-513c6c883755": "forklift operator",
    _ESCO_OCCUPATION + "cbde1a3a-406d-4d17-b30b-03981925035d": "energy analyst",
    _ESCO_OCCUPATION + "96e20037-0a25-4bf6-a25e-808d1605d890": "user interface designer",
}
ONET_SOC = "O*NET-SOC Code"

# ESCO multi-value cells hold one label per line and can be long
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Record:
    """One data row: its parsed cells and its exact text in the source file."""

    row: dict[str, str]
    raw: str


@dataclass
class Table:
    """A whole CSV/TSV file as its header text and its records, in file order."""

    path: Path
    header: str
    records: list[Record]

    def column(self, name: str) -> Iterator[str]:
        return (record.row[name] for record in self.records)


class _RecordingLines:
    """Line iterator that remembers the lines the csv reader consumed for the last record."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._lines: list[str] = []

    def __iter__(self) -> _RecordingLines:
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self._lines.append(line)
        return line

    def take(self) -> str:
        text = "".join(self._lines)
        self._lines.clear()
        return text


def read_table(path: Path, delimiter: str) -> Table:
    """Parse ``path`` (plain or ``.gz``) keeping each record's original text."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    with io.StringIO(text, newline="") as handle:
        lines = _RecordingLines(handle)
        reader = csv.reader(lines, delimiter=delimiter)
        names = next(reader)
        header = lines.take()
        records = [Record(dict(zip(names, values, strict=True)), lines.take()) for values in reader]
    return Table(path, header, records)


@dataclass
class Output:
    """One written sample file and what it was cut from (for SOURCES.md)."""

    relative: str
    source: Path
    kept: int
    total: int
    sha256: str
    source_sha256: str


@dataclass
class Sample:
    """Everything the run wrote, in writing order."""

    data: Path
    out: Path
    outputs: list[Output] = field(default_factory=list)

    def write(self, relative: str, table: Table, keep: Callable[[Record], bool]) -> Table:
        """Write the records of ``table`` that ``keep`` accepts to ``out/relative``."""
        kept = [record for record in table.records if keep(record)]
        target = self.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (table.header + "".join(record.raw for record in kept)).encode("utf-8")
        if target.suffix == ".gz":
            with (
                target.open("wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
            ):
                gz.write(data)
        else:
            target.write_bytes(data)
        self.outputs.append(
            Output(
                relative,
                table.path,
                len(kept),
                len(table.records),
                _sha256(target),
                _sha256(table.path),
            )
        )
        return Table(target, table.header, kept)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _referenced_skills() -> tuple[set[str], set[str]]:
    """ESCO skill URIs and O*NET codes the demo catalogue and the example micro-credential use."""
    from credstack.services.demo_catalogue import ISSUERS

    esco = {
        skill["esco"]
        for issuer in ISSUERS
        for definition in issuer.definitions
        for skill in definition.get("skills", ())
        if "esco" in skill
    }
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    onet: set[str] = set()
    for skill in example.get("skills", ()):
        if "esco" in skill:
            esco.add(skill["esco"])
        if "onet" in skill:
            onet.add(skill["onet"])
    return esco, onet


def _ancestors(start: Iterable[str], broader: Table) -> set[str]:
    """``start`` and every concept above it in a ``broaderRelations*`` file."""
    parents: dict[str, set[str]] = {}
    for record in broader.records:
        parents.setdefault(record.row["conceptUri"], set()).add(record.row["broaderUri"])
    found: set[str] = set()
    pending = list(start)
    while pending:
        concept = pending.pop()
        if concept not in found:
            found.add(concept)
            pending.extend(parents.get(concept, ()))
    return found


def _first(table: Table, count: int) -> set[int]:
    return {id(record) for record in table.records[:count]}


def cut_esco(sample: Sample, esco_skill_uris: set[str]) -> set[str]:
    """Write the ESCO sample; return the careers occupations' URIs found in the export."""
    source = sample.data / "esco"
    relations = read_table(source / "occupationSkillRelations.csv.gz", ",")
    first_relations = _first(relations, FIRST_ESCO_ROWS)
    careers = set(CAREERS_OCCUPATIONS)
    kept_relations = sample.write(
        "esco/occupationSkillRelations.csv.gz",
        relations,
        lambda r: id(r) in first_relations or r.row["occupationUri"] in careers,
    )
    career_skills = {
        r.row["skillUri"] for r in kept_relations.records if r.row["occupationUri"] in careers
    }
    wanted_skills = career_skills | esco_skill_uris

    skills = read_table(source / "skills_en.csv.gz", ",")
    first_skills = _first(skills, FIRST_ESCO_ROWS)
    kept_skills = sample.write(
        "esco/skills_en.csv.gz",
        skills,
        lambda r: id(r) in first_skills or r.row["conceptUri"] in wanted_skills,
    )
    missing = esco_skill_uris - set(kept_skills.column("conceptUri"))
    if missing:
        raise SystemExit(f"ESCO skills named by the demo or the example are not in ESCO: {missing}")

    occupations = read_table(source / "occupations_en.csv.gz", ",")
    first_occupations = _first(occupations, FIRST_ESCO_ROWS)
    sample.write(
        "esco/occupations_en.csv.gz",
        occupations,
        lambda r: id(r) in first_occupations or r.row["conceptUri"] in careers,
    )

    occupation_tree = read_table(source / "broaderRelationsOccPillar.csv", ",")
    above_careers = _ancestors(careers, occupation_tree)
    sample.write(
        "esco/broaderRelationsOccPillar.csv",
        occupation_tree,
        lambda r: r.row["conceptUri"] in above_careers,
    )
    skill_tree = read_table(source / "broaderRelationsSkillPillar.csv.gz", ",")
    above_skills = _ancestors(set(kept_skills.column("conceptUri")) & wanted_skills, skill_tree)
    sample.write(
        "esco/broaderRelationsSkillPillar.csv.gz",
        skill_tree,
        lambda r: r.row["conceptUri"] in above_skills,
    )
    return careers & set(occupations.column("conceptUri"))


def cut_crosswalks(sample: Sample, careers: set[str]) -> set[str]:
    """Write the crosswalk rows of the careers occupations; return their SOC 2018 codes."""
    source = sample.data / "crosswalks"
    esco_onet = sample.write(
        "crosswalks/esco_onet_crosswalk_Nov2020.csv",
        read_table(source / "esco_onet_crosswalk_Nov2020.csv", ","),
        lambda r: r.row["concept_uri"] in careers,
    )
    soc2010 = {code[:7] for code in esco_onet.column("onet_code")}
    soc = sample.write(
        "crosswalks/soc2010_to_soc2018_crosswalk.csv",
        read_table(source / "soc2010_to_soc2018_crosswalk.csv", ","),
        lambda r: r.row["SOCCode2010"] in soc2010,
    )
    return set(soc.column("SOCCode2018"))


def cut_onet(sample: Sample, soc2018: set[str], example_codes: set[str]) -> None:
    """Write the O*NET sample for the first rated, crosswalked and example occupations."""
    source = sample.data / "onet"
    occupations = read_table(source / "occupation_data.tsv", "\t")
    known = set(occupations.column(ONET_SOC))
    skills = read_table(source / "skills.tsv.gz", "\t")
    rated = list(dict.fromkeys(skills.column(ONET_SOC)))
    codes = set(rated[:FIRST_RATED_ONET_OCCUPATIONS]) | {c for c in known if c[:7] in soc2018}
    codes |= example_codes & known
    first = _first(occupations, FIRST_ONET_OCCUPATION_ROWS)
    sample.write(
        "onet/occupation_data.tsv",
        occupations,
        lambda r: id(r) in first or r.row[ONET_SOC] in codes,
    )

    def of_kept_occupation(record: Record) -> bool:
        return record.row[ONET_SOC] in codes

    elements: set[str] = set()
    for name in ("skills.tsv.gz", "knowledge.tsv.gz"):
        table = skills if name == "skills.tsv.gz" else read_table(source / name, "\t")
        kept = sample.write(f"onet/{name}", table, of_kept_occupation)
        elements.update(kept.column("Element ID"))
    sample.write(
        "onet/technology_skills.tsv.gz",
        read_table(source / "technology_skills.tsv.gz", "\t"),
        of_kept_occupation,
    )
    wanted = elements | (example_codes - known)
    sample.write(
        "onet/content_model_reference.tsv",
        read_table(source / "content_model_reference.tsv", "\t"),
        lambda r: any(
            e == r.row["Element ID"] or e.startswith(r.row["Element ID"] + ".") for e in wanted
        ),
    )


SOURCES_HEAD = """\
# tests/fixtures/skills — ESCO / O*NET / crosswalk sample (generated)

Generated by `scripts/make_skills_fixtures.py`; do not edit by hand. Regenerate with

    {command}

from the full files described in `shared/data/README.md` (each folder there has its own
SOURCES.md). Every data row of these files is a byte-for-byte copy of a row of its source
file, in source order, under the source's file name, header and encoding (UTF-8; `.gz` =
gzip of the same text); rows were only left out, never changed. What is kept and why: see
the script's docstring.

## ESCO (`esco/`)

ESCO classification **v1.1.1** (English CSV export, files dated 2022-09-13), European
Commission, DG EMPL — <https://esco.ec.europa.eu/en/use-esco/download>. Offline copy taken
from GitHub `tabiya-tech/tabiya-esco-datasets-and-tools` @ 1a8a32efb786c7f72052c893b144beb911fa7db1,
which re-hosts the two official download zips unchanged (`datasets/esco/v1.1.1/classification/`,
zip MD5 bb2f89a9efae25d2216748c86d1cb413; `datasets/esco/v1.1.1/relations/`, zip MD5
7b580b5cbf9efde2f8a904cff14c71c0).

Licence: reuse authorised, including commercial reuse, provided the source is acknowledged
(Commission Decision 2011/833/EU on the reuse of Commission documents,
<https://eur-lex.europa.eu/eli/dec/2011/833/oj>). Attribution:

> This service uses the ESCO classification of the European Commission.

Modified: this is a filtered subset (rows removed; no row changed).

## O*NET (`onet/`)

**O*NET 29.3 Database** (May 2025 release, O*NET-SOC 2019 taxonomy), National Center for
O*NET Development for USDOL/ETA — <https://www.onetcenter.org/database.html>. Offline copy
from GitHub `eugene-maina72/Phase_5_Capstone_Project-SmartPath`: text-release files @
e7515a8d5864bf83a34cb0434d8bf5c98d3129e0 (`occupation_data`, `content_model_reference`,
`technology_skills` are byte-identical copies of `Occupation Data.txt`, `Content Model
Reference.txt`, `Technology Skills.txt`); `skills` and `knowledge` were converted from the
Excel release @ 826ec4e0f0bc73ac117fcb7d38230ccb0b27519d to TSV by the data collectors
(values unchanged; numbers in shortest form, `n/a` cells empty).

Licence: Creative Commons Attribution 4.0 International,
<https://creativecommons.org/licenses/by/4.0/>. Attribution:

> This product includes information from the O*NET 29.3 Database by the U.S. Department of
> Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0
> license. O*NET® is a trademark of USDOL/ETA. USDOL/ETA has not approved, endorsed, or
> tested these modifications.

Modified: reformatted (see above) and filtered to a subset of occupations.

## Crosswalks (`crosswalks/`)

- `esco_onet_crosswalk_Nov2020.csv`: Nesta's ESCO→O*NET occupation crosswalk, GitHub
  `nestauk/mapping-career-causeways` @ cb8c57a2c4a0ab40a2bba4eca6664601bcc24cad,
  `supplementary_online_data/ONET_ESCO_crosswalk/esco_onet_crosswalk_Nov2020.csv`
  (<https://github.com/nestauk/mapping-career-causeways>). MIT License, Copyright (c) 2021
  Nesta — text in `LICENSES/MIT-Nesta.txt`. Please cite: Kanders K., Djumalieva J., Sleeman C.
  and Orlik J. (2020). *Mapping Career Causeways: Supporting workers at risk.* London: Nesta.
  Its `onet_code` is O*NET-SOC **2010**; map it through the SOC file below.
- `soc2010_to_soc2018_crosswalk.csv`: U.S. Bureau of Labor Statistics SOC 2010 → SOC 2018
  crosswalk (U.S. federal government work, public domain), as copied in GitHub
  `newjersey/d4ad` @ b64ec01fc32e28b708c6adc7c1fb1f89c766ffb1,
  `backend/data/soc2010_to_2018_crosswalk.csv` (<https://www.bls.gov/soc/2018/crosswalks_used_by_agencies.htm>).

## Files

`rows` = data rows kept / rows in the source (header excluded). SHA-256 of the file here and
of the source file as stored in `shared/data/` (the large sources are the collectors'
`gzip -n -9` copies of the published files).

| file | rows | SHA-256 | source (`shared/data/…`) | source SHA-256 |
|---|---:|---|---|---|
"""

MIT_NESTA = """\
MIT License

Copyright (c) 2021 Nesta

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def write_sources(sample: Sample, command: str) -> None:
    """SOURCES.md: provenance, licences, the regeneration command and one row per file."""
    rows = [
        f"| `{o.relative}` | {o.kept:,} / {o.total:,} | `{o.sha256}` | "
        f"`{o.source.relative_to(sample.data).as_posix()}` | `{o.source_sha256}` |"
        for o in sample.outputs
    ]
    text = SOURCES_HEAD.format(command=command) + "\n".join(rows) + "\n"
    (sample.out / "SOURCES.md").write_text(text, encoding="utf-8")
    licences = sample.out / "LICENSES"
    licences.mkdir(exist_ok=True)
    (licences / "MIT-Nesta.txt").write_text(MIT_NESTA, encoding="utf-8")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Cut the ESCO / O*NET / crosswalk sample bundled in tests/fixtures/skills from the "
            "full files (the layout of shared/data: esco/, onet/, crosswalks/)."
        )
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder holding esco/, onet/ and crosswalks/ (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    missing = [name for name in ("esco", "onet", "crosswalks") if not (args.data / name).is_dir()]
    if missing:
        print(
            f"{args.data} has no {', '.join(missing)} folder; pass --data with the folder that "
            "holds the full ESCO, O*NET and crosswalk files (see shared/data/README.md)",
            file=sys.stderr,
        )
        return 2
    sample = Sample(args.data.resolve(), args.out.resolve())
    esco_skills, onet_codes = _referenced_skills()
    careers = cut_esco(sample, esco_skills)
    soc2018 = cut_crosswalks(sample, careers)
    cut_onet(sample, soc2018, onet_codes)
    write_sources(sample, ".venv/bin/python scripts/make_skills_fixtures.py --data ../shared/data")
    total = sum((sample.out / o.relative).stat().st_size for o in sample.outputs)
    print(f"wrote {len(sample.outputs)} files ({total / 1024:.0f} KiB) to {sample.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
