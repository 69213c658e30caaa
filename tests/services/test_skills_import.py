"""Skills import: the real ESCO export and O*NET release, streamed, upserted, re-runnable.

Reads the real ESCO / O*NET rows bundled in ``tests/fixtures/skills`` (cut from the full
files by ``scripts/make_skills_fixtures.py``); most tests take the first rows of each file,
as ``--limit`` does. Runs on SQLite and (with ``CREDSTACK_TEST_DATABASE_URL``) PostgreSQL.
"""

from __future__ import annotations

import csv
import gzip
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.errors import InputError
from credstack.services.skills.importing import import_esco, import_onet
from credstack.store.models import Framework, Occupation, OccupationSkill, Skill, SkillRelation
from fixture_paths import ESCO, ONET

TECHNICAL_DIRECTOR = "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"
#: rows of the official ESCO v1.1.1 ``skills_en.csv``
OFFICIAL_ESCO_SKILLS = 13_896
#: rows of the bundled ``occupation_data.tsv`` (the first 400 of O*NET's and one more; see
#: tests/fixtures/skills/SOURCES.md)
BUNDLED_ONET_OCCUPATIONS = 401


def _count(db: Session, model: type[Skill] | type[Occupation], framework: Framework) -> int:
    return int(db.scalar(select(func.count()).where(model.framework == framework)) or 0)


def test_esco_subset_imports_labels_kinds_and_links(db: Session) -> None:
    stages: list[tuple[str, float]] = []
    result = import_esco(db, ESCO, limit=300, progress=lambda s, f: stages.append((s, f)))

    assert result.skills == 300 and result.added_skills == 300
    assert result.occupations == 300 and result.added_occupations == 300
    assert _count(db, Skill, Framework.ESCO) == 300
    skill = db.scalars(
        select(Skill).where(
            Skill.code == "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
        )
    ).one()
    assert skill.label == "manage musical staff"
    assert skill.kind == "skill/competence"
    assert skill.description == (
        "Assign and manage staff tasks in areas such as scoring, arranging, copying music "
        "and vocal coaching."
    )
    director = db.scalars(select(Occupation).where(Occupation.code == TECHNICAL_DIRECTOR)).one()
    assert director.label == "technical director"
    # 300 relation rows read: those naming a skill outside the first 300 are skipped
    assert result.relations + result.skipped_relations == 300
    assert result.relations == result.added_relations
    links = db.scalar(select(func.count()).select_from(OccupationSkill))
    assert links == result.relations
    # the progress callback saw every file finish
    finished = {stage for stage, fraction in stages if fraction == 1.0}
    assert finished == {"ESCO skills", "ESCO occupations", "ESCO occupation-skill relations"}


def test_reimport_adds_nothing_and_updates_labels(db: Session) -> None:
    import_esco(db, ESCO, limit=50)
    changed = db.scalars(select(Skill).where(Skill.framework == Framework.ESCO).limit(1)).one()
    changed.label = "stale label"
    db.flush()

    again = import_esco(db, ESCO, limit=50)

    assert again.skills == 50 and again.added_skills == 0
    assert again.added_occupations == 0 and again.added_relations == 0
    db.refresh(changed)
    assert changed.label != "stale label"
    assert _count(db, Skill, Framework.ESCO) == 50


def test_esco_relations_link_the_known_concepts(db: Session) -> None:
    """Every relation row of the technical director whose skill is imported becomes a link."""
    result = import_esco(db, ESCO, limit=2000)
    director = db.scalars(select(Occupation).where(Occupation.code == TECHNICAL_DIRECTOR)).one()
    essential = db.scalar(
        select(func.count())
        .select_from(OccupationSkill)
        .where(
            OccupationSkill.occupation_id == director.id,
            OccupationSkill.relation == SkillRelation.ESSENTIAL,
        )
    )
    assert result.relations > 0
    assert (essential or 0) >= 1


def test_esco_skills_file_of_the_official_size_is_quick(db: Session, tmp_path: Path) -> None:
    """13,896 skills, as many as the official file has, within the CLI budget for one file.

    The bundled real rows are repeated up to the official row count, each copy under its
    own concept URI, so the import writes as many distinct skills as the full export.
    """
    folder = tmp_path / "esco"
    folder.mkdir()
    _write_official_size_skills(folder / "skills_en.csv.gz", ESCO / "skills_en.csv.gz")
    _write_gz(folder / "occupations_en.csv.gz", ESCO / "occupations_en.csv.gz", lines=2)
    _write_gz(
        folder / "occupationSkillRelations.csv.gz",
        ESCO / "occupationSkillRelations.csv.gz",
        lines=1,
    )
    started = time.perf_counter()
    result = import_esco(db, folder)
    elapsed = time.perf_counter() - started

    assert result.skills == OFFICIAL_ESCO_SKILLS
    assert _count(db, Skill, Framework.ESCO) == OFFICIAL_ESCO_SKILLS
    assert elapsed < 30, f"importing the ESCO skills took {elapsed:.1f} s"


def _write_official_size_skills(target: Path, source: Path) -> None:
    csv.field_size_limit(10**9)
    with gzip.open(source, "rt", encoding="utf-8", newline="") as reader:
        rows = list(csv.DictReader(reader))
    with gzip.open(target, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for number in range(OFFICIAL_ESCO_SKILLS):
            copy, row = divmod(number, len(rows))
            uri = rows[row]["conceptUri"]
            writer.writerow({**rows[row], "conceptUri": f"{uri}-{copy}" if copy else uri})


def _write_gz(target: Path, source: Path, lines: int) -> None:
    with gzip.open(source, "rt", encoding="utf-8", newline="") as reader:
        head = "".join(reader.readline() for _ in range(lines))
    with gzip.open(target, "wt", encoding="utf-8", newline="") as writer:
        writer.write(head)


def test_onet_imports_occupations_elements_and_importance(db: Session) -> None:
    result = import_onet(db, ONET, limit=400)

    assert result.occupations == 400
    chief = db.scalars(
        select(Occupation).where(
            Occupation.framework == Framework.ONET, Occupation.code == "11-1011.00"
        )
    ).one()
    assert chief.label == "Chief Executives"
    reading = db.scalars(
        select(Skill).where(Skill.framework == Framework.ONET, Skill.code == "2.A.1.a")
    ).one()
    assert reading.label == "Reading Comprehension"
    assert reading.kind == "skill"
    assert reading.description  # from the content model reference
    link = db.scalars(
        select(OccupationSkill).where(
            OccupationSkill.occupation_id == chief.id, OccupationSkill.skill_id == reading.id
        )
    ).one()
    assert link.importance == pytest.approx(4.12)
    assert link.relation == SkillRelation.ESSENTIAL
    kinds = set(db.scalars(select(Skill.kind).where(Skill.framework == Framework.ONET)))
    assert kinds == {"skill", "knowledge"}
    assert result.relations == result.added_relations > 0


def test_official_onet_file_names_are_accepted(db: Session, tmp_path: Path) -> None:
    """The text release's own names (``Occupation Data.txt``, ``Skills.txt``)."""
    folder = tmp_path / "onet"
    folder.mkdir()
    shutil.copy(ONET / "occupation_data.tsv", folder / "Occupation Data.txt")
    with gzip.open(ONET / "skills.tsv.gz", "rt", encoding="utf-8") as reader:
        head = "".join(reader.readline() for _ in range(11))
    (folder / "Skills.txt").write_text(head, encoding="utf-8")

    result = import_onet(db, folder)

    assert result.occupations == BUNDLED_ONET_OCCUPATIONS
    assert result.skills == 5  # ten rows: five elements, each with IM and LV
    assert result.relations == 5


def test_missing_files_and_wrong_headers_name_the_problem(db: Session, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"skills_en\.csv"):
        import_esco(db, tmp_path)
    (tmp_path / "skills_en.csv").write_text("uri,label\nx,y\n", encoding="utf-8")
    (tmp_path / "occupations_en.csv").write_text("conceptUri\n", encoding="utf-8")
    (tmp_path / "occupationSkillRelations.csv").write_text("occupationUri\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column.*conceptUri"):
        import_esco(db, tmp_path)
    with pytest.raises(InputError, match=r"Occupation Data\.txt"):
        import_onet(db, tmp_path)
