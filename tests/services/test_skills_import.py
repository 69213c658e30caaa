"""Skills import: the real ESCO export and O*NET release, streamed, upserted, re-runnable.

Reads ``shared/data`` (skips without it); most tests take the first rows of each file to
stay fast. Runs on SQLite and (with ``CREDSTACK_TEST_DATABASE_URL``) PostgreSQL.
"""

from __future__ import annotations

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

TECHNICAL_DIRECTOR = "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"


@pytest.fixture
def esco_dir(shared_dir: Path) -> Path:
    folder = shared_dir / "data" / "esco"
    if not (folder / "skills_en.csv.gz").is_file():
        pytest.skip(f"the ESCO export is missing from {folder}")
    return folder


@pytest.fixture
def onet_dir(shared_dir: Path) -> Path:
    folder = shared_dir / "data" / "onet"
    if not (folder / "occupation_data.tsv").is_file():
        pytest.skip(f"the O*NET release is missing from {folder}")
    return folder


def _count(db: Session, model: type[Skill] | type[Occupation], framework: Framework) -> int:
    return int(db.scalar(select(func.count()).where(model.framework == framework)) or 0)


def test_esco_subset_imports_labels_kinds_and_links(db: Session, esco_dir: Path) -> None:
    stages: list[tuple[str, float]] = []
    result = import_esco(db, esco_dir, limit=300, progress=lambda s, f: stages.append((s, f)))

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


def test_reimport_adds_nothing_and_updates_labels(db: Session, esco_dir: Path) -> None:
    import_esco(db, esco_dir, limit=50)
    changed = db.scalars(select(Skill).where(Skill.framework == Framework.ESCO).limit(1)).one()
    changed.label = "stale label"
    db.flush()

    again = import_esco(db, esco_dir, limit=50)

    assert again.skills == 50 and again.added_skills == 0
    assert again.added_occupations == 0 and again.added_relations == 0
    db.refresh(changed)
    assert changed.label != "stale label"
    assert _count(db, Skill, Framework.ESCO) == 50


def test_esco_relations_link_the_known_concepts(db: Session, esco_dir: Path) -> None:
    """Every relation row of the technical director whose skill is imported becomes a link."""
    result = import_esco(db, esco_dir, limit=2000)
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


def test_full_esco_skills_file_is_quick(db: Session, esco_dir: Path, tmp_path: Path) -> None:
    """All 13,896 skills of the official file, measured (the CLI budget for one file)."""
    folder = tmp_path / "esco"
    folder.mkdir()
    shutil.copy(esco_dir / "skills_en.csv.gz", folder)
    _write_gz(folder / "occupations_en.csv.gz", esco_dir / "occupations_en.csv.gz", lines=2)
    _write_gz(
        folder / "occupationSkillRelations.csv.gz",
        esco_dir / "occupationSkillRelations.csv.gz",
        lines=1,
    )
    started = time.perf_counter()
    result = import_esco(db, folder)
    elapsed = time.perf_counter() - started

    assert result.skills == 13_896
    assert _count(db, Skill, Framework.ESCO) == 13_896
    assert elapsed < 30, f"importing the ESCO skills took {elapsed:.1f} s"


def _write_gz(target: Path, source: Path, lines: int) -> None:
    with gzip.open(source, "rt", encoding="utf-8", newline="") as reader:
        head = "".join(reader.readline() for _ in range(lines))
    with gzip.open(target, "wt", encoding="utf-8", newline="") as writer:
        writer.write(head)


def test_onet_imports_occupations_elements_and_importance(db: Session, onet_dir: Path) -> None:
    result = import_onet(db, onet_dir, limit=400)

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


def test_official_onet_file_names_are_accepted(db: Session, onet_dir: Path, tmp_path: Path) -> None:
    """The text release's own names (``Occupation Data.txt``, ``Skills.txt``)."""
    folder = tmp_path / "onet"
    folder.mkdir()
    shutil.copy(onet_dir / "occupation_data.tsv", folder / "Occupation Data.txt")
    with gzip.open(onet_dir / "skills.tsv.gz", "rt", encoding="utf-8") as reader:
        head = "".join(reader.readline() for _ in range(11))
    (folder / "Skills.txt").write_text(head, encoding="utf-8")

    result = import_onet(db, folder)

    assert result.occupations == 1016
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
