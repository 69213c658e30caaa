"""Load ESCO and O*NET skills, occupations and occupation-skill links into the store.

Issuers align micro-credentials to real skills (architecture §2, Skills); the skill picker of
the dashboard searches what this module imported. Files are streamed (see
:mod:`credstack.services.skills.sources`) and written with batched upserts keyed on
``(framework, code)``, so re-importing the same release, or a newer one, updates labels
in place and never duplicates a row. ``checkpoint`` (the CLI passes ``session.commit``)
runs after every batch: an interrupted import keeps what it wrote and a re-run finishes it.

How O*NET maps onto the model: its Skills / Knowledge / Abilities elements become
``Skill`` rows (``code`` = element id such as ``2.A.1.a``); each occupation's *Importance*
rating (scale ``IM``, 1-5) becomes the link's ``importance``, and a rating of 3
("Important" on O*NET's anchor scale) or more counts as ``essential``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from credstack.core.errors import InputError
from credstack.services.skills.sources import SourceFile, locate, read_rows, require
from credstack.store.models import Framework, Occupation, OccupationSkill, Skill, SkillRelation

#: ``progress(stage, fraction)``: the file being read and how much of it is done (0-1)
Progress = Callable[[str, float], None]

DEFAULT_BATCH_SIZE = 500
#: O*NET importance at or above which a link counts as essential (anchor "Important")
ONET_ESSENTIAL_IMPORTANCE = 3.0
_LABEL_LENGTH = 500
_RELATIONS = frozenset(member.value for member in SkillRelation)

_ESCO_SKILLS = ("skills_en.csv",)
_ESCO_OCCUPATIONS = ("occupations_en.csv",)
_ESCO_RELATIONS = ("occupationSkillRelations.csv", "occupationSkillRelations_en.csv")
_ONET_OCCUPATIONS = ("Occupation Data.txt", "occupation_data.tsv")
_ONET_REFERENCE = ("Content Model Reference.txt", "content_model_reference.tsv")
#: element files and the ``kind`` their elements get
_ONET_ELEMENTS = (
    (("Skills.txt", "skills.tsv"), "skill"),
    (("Knowledge.txt", "knowledge.tsv"), "knowledge"),
    (("Abilities.txt", "abilities.tsv"), "ability"),
)
_ONET_SOC = "O*NET-SOC Code"


@dataclass
class FrameworkImport:
    """What one framework's import read and changed (``added_*`` = rows new to the store)."""

    framework: str
    skills: int = 0
    occupations: int = 0
    relations: int = 0
    #: links naming an occupation or skill the files do not define, or a suppressed rating
    skipped_relations: int = 0
    added_skills: int = 0
    added_occupations: int = 0
    added_relations: int = 0
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` shape (plain values only)."""
        return asdict(self)


class _Upserter:
    """Collects rows by key and writes them as one INSERT … ON CONFLICT per batch.

    Keys are de-duplicated inside a batch because PostgreSQL refuses to update the same
    row twice in one statement.
    """

    def __init__(
        self,
        session: Session,
        table: Table,
        keys: tuple[str, ...],
        batch_size: int,
        checkpoint: Callable[[], None] | None,
    ) -> None:
        self._session = session
        self._table = table
        self._keys = keys
        self._batch_size = batch_size
        self._checkpoint = checkpoint
        self._pending: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        self._pending[tuple(row[key] for key in self._keys)] = row
        if len(self._pending) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows = list(self._pending.values())
        self._pending.clear()
        if self._session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(self._table).values(rows)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(self._table).values(rows)
        updates = {
            column: statement.excluded[column] for column in rows[0] if column not in self._keys
        }
        self._session.execute(
            statement.on_conflict_do_update(index_elements=list(self._keys), set_=updates)
        )
        self.written += len(rows)
        if self._checkpoint is not None:
            self._checkpoint()


def _tracked(
    rows: Iterator[tuple[dict[str, str], float]], stage: str, progress: Progress | None
) -> Iterator[dict[str, str]]:
    """The rows, reporting progress at most every 1 % so the bar costs nothing."""
    last = -1.0
    for row, fraction in rows:
        if progress is not None and fraction - last >= 0.01:
            progress(stage, fraction)
            last = fraction
        yield row
    if progress is not None:
        progress(stage, 1.0)


def _text(value: str, limit: int | None = None) -> str | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    return cleaned[:limit] if limit else cleaned


def _counts(session: Session, framework: Framework) -> tuple[int, int, int]:
    skills = session.scalar(select(func.count()).where(Skill.framework == framework))
    occupations = session.scalar(select(func.count()).where(Occupation.framework == framework))
    relations = session.scalar(
        select(func.count())
        .select_from(OccupationSkill)
        .join(Occupation, Occupation.id == OccupationSkill.occupation_id)
        .where(Occupation.framework == framework)
    )
    return int(skills or 0), int(occupations or 0), int(relations or 0)


def _ids(
    session: Session, model: type[Skill] | type[Occupation], framework: Framework
) -> dict[str, int]:
    rows = session.execute(select(model.code, model.id).where(model.framework == framework))
    return {code: row_id for code, row_id in rows}


def _upserter(
    session: Session,
    model: type[Any],
    keys: tuple[str, ...],
    batch: int,
    checkpoint: Callable[[], None] | None,
) -> _Upserter:
    return _Upserter(session, model.__table__, keys, batch, checkpoint)


def _upsert_concepts(
    session: Session,
    model: type[Skill] | type[Occupation],
    framework: Framework,
    rows: Iterable[dict[str, Any]],
    batch_size: int,
    checkpoint: Callable[[], None] | None,
) -> int:
    writer = _upserter(session, model, ("framework", "code"), batch_size, checkpoint)
    for row in rows:
        writer.add({"framework": framework, **row})
    writer.flush()
    return writer.written


def import_esco(
    session: Session,
    folder: Path,
    *,
    limit: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> FrameworkImport:
    """Import ``skills_en``, ``occupations_en`` and ``occupationSkillRelations`` from ``folder``.

    ``limit`` reads only the first rows of each file (links to concepts outside those
    rows are then counted as skipped).
    """
    skills_file = require(folder, _ESCO_SKILLS, ",", "ESCO skills")
    occupations_file = require(folder, _ESCO_OCCUPATIONS, ",", "ESCO occupations")
    relations_file = require(folder, _ESCO_RELATIONS, ",", "ESCO occupation-skill relations")
    result = FrameworkImport(
        "esco", files=[str(f.path) for f in (skills_file, occupations_file, relations_file)]
    )
    before = _counts(session, Framework.ESCO)

    def skills() -> Iterator[dict[str, Any]]:
        columns = ("conceptUri", "preferredLabel", "skillType", "description", "definition")
        for row in _tracked(read_rows(skills_file, columns, limit), "ESCO skills", progress):
            code = row["conceptUri"].strip()
            label = _text(row["preferredLabel"], _LABEL_LENGTH)
            if code and label:
                yield {
                    "code": code,
                    "label": label,
                    "description": _text(row["description"]) or _text(row["definition"]),
                    "kind": _text(row["skillType"], 64),
                }

    def occupations() -> Iterator[dict[str, Any]]:
        columns = ("conceptUri", "preferredLabel", "description", "definition")
        rows = read_rows(occupations_file, columns, limit)
        for row in _tracked(rows, "ESCO occupations", progress):
            code = row["conceptUri"].strip()
            label = _text(row["preferredLabel"], _LABEL_LENGTH)
            if code and label:
                yield {
                    "code": code,
                    "label": label,
                    "description": _text(row["description"]) or _text(row["definition"]),
                }

    result.skills = _upsert_concepts(
        session, Skill, Framework.ESCO, skills(), batch_size, checkpoint
    )
    result.occupations = _upsert_concepts(
        session, Occupation, Framework.ESCO, occupations(), batch_size, checkpoint
    )
    skill_ids = _ids(session, Skill, Framework.ESCO)
    occupation_ids = _ids(session, Occupation, Framework.ESCO)
    links = _upserter(
        session, OccupationSkill, ("occupation_id", "skill_id"), batch_size, checkpoint
    )
    columns = ("occupationUri", "relationType", "skillUri")
    rows = read_rows(relations_file, columns, limit)
    for row in _tracked(rows, "ESCO occupation-skill relations", progress):
        occupation_id = occupation_ids.get(row["occupationUri"].strip())
        skill_id = skill_ids.get(row["skillUri"].strip())
        relation = row["relationType"].strip().lower()
        if occupation_id is None or skill_id is None or relation not in _RELATIONS:
            result.skipped_relations += 1
            continue
        links.add(
            {
                "occupation_id": occupation_id,
                "skill_id": skill_id,
                "relation": SkillRelation(relation),
                "importance": None,
            }
        )
    links.flush()
    result.relations = links.written
    _record_added(session, Framework.ESCO, before, result)
    return result


def _record_added(
    session: Session, framework: Framework, before: tuple[int, int, int], result: FrameworkImport
) -> None:
    after = _counts(session, framework)
    result.added_skills = after[0] - before[0]
    result.added_occupations = after[1] - before[1]
    result.added_relations = after[2] - before[2]


def import_onet(
    session: Session,
    folder: Path,
    *,
    limit: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> FrameworkImport:
    """Import O*NET occupations, Skills/Knowledge/Abilities elements and importance links.

    ``Occupation Data`` and at least one element file are required; ``Content Model
    Reference`` (element descriptions) is used when present.
    """
    occupations_file = require(folder, _ONET_OCCUPATIONS, "\t", "O*NET occupations")
    element_files = [
        (found, kind)
        for names, kind in _ONET_ELEMENTS
        if (found := locate(folder, names, "\t")) is not None
    ]
    if not element_files:
        raise InputError(
            f"O*NET: no 'Skills.txt', 'Knowledge.txt' or 'Abilities.txt' (or their .tsv copies) "
            f"in {folder}; point --onet at the unpacked text release"
        )
    reference_file = locate(folder, _ONET_REFERENCE, "\t")
    used: list[SourceFile] = [occupations_file, *(f for f, _ in element_files)]
    if reference_file is not None:
        used.append(reference_file)
    result = FrameworkImport("onet", files=[str(f.path) for f in used])
    before = _counts(session, Framework.ONET)

    def occupations() -> Iterator[dict[str, Any]]:
        rows = read_rows(occupations_file, (_ONET_SOC, "Title", "Description"), limit)
        for row in _tracked(rows, "O*NET occupations", progress):
            code, label = row[_ONET_SOC].strip(), _text(row["Title"], _LABEL_LENGTH)
            if code and label:
                yield {"code": code, "label": label, "description": _text(row["Description"])}

    result.occupations = _upsert_concepts(
        session, Occupation, Framework.ONET, occupations(), batch_size, checkpoint
    )
    descriptions: dict[str, str] = {}
    if reference_file is not None:
        for row, _ in read_rows(reference_file, ("Element ID", "Description")):
            descriptions[row["Element ID"].strip()] = row["Description"].strip()
    elements: dict[str, dict[str, Any]] = {}
    element_columns = ("Element ID", "Element Name", "Scale ID", "Data Value", _ONET_SOC)
    for source, kind in element_files:
        rows = read_rows(source, element_columns, limit)
        for row in _tracked(rows, f"O*NET {kind} elements", progress):
            code, label = row["Element ID"].strip(), _text(row["Element Name"], _LABEL_LENGTH)
            if code and label and code not in elements:
                elements[code] = {
                    "code": code,
                    "label": label,
                    "kind": kind,
                    "description": descriptions.get(code),
                }
    result.skills = _upsert_concepts(
        session, Skill, Framework.ONET, elements.values(), batch_size, checkpoint
    )
    skill_ids = _ids(session, Skill, Framework.ONET)
    occupation_ids = _ids(session, Occupation, Framework.ONET)
    links = _upserter(
        session, OccupationSkill, ("occupation_id", "skill_id"), batch_size, checkpoint
    )
    for source, kind in element_files:
        rows = read_rows(source, element_columns, limit)
        for row in _tracked(rows, f"O*NET {kind} importance", progress):
            if row["Scale ID"].strip() != "IM":
                continue  # level ratings (LV) describe proficiency, not need
            occupation_id = occupation_ids.get(row[_ONET_SOC].strip())
            skill_id = skill_ids.get(row["Element ID"].strip())
            importance = _number(row["Data Value"])
            suppressed = row.get("Recommend Suppress", "").strip().upper() == "Y"
            if occupation_id is None or skill_id is None or importance is None or suppressed:
                result.skipped_relations += 1
                continue
            essential = importance >= ONET_ESSENTIAL_IMPORTANCE
            links.add(
                {
                    "occupation_id": occupation_id,
                    "skill_id": skill_id,
                    "relation": SkillRelation.ESSENTIAL if essential else SkillRelation.OPTIONAL,
                    "importance": importance,
                }
            )
    links.flush()
    result.relations = links.written
    _record_added(session, Framework.ONET, before, result)
    return result


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None
