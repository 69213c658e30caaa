"""The micro-credential form: every definition field as an HTML control, and back.

Control names are the definition's own field paths (``grading.result_type``), so a
problem the core reports for a path lands next to the control of that path, and the
form and ``docs/micro-credentials.md`` speak the same language. EU vocabulary fields are
selects whose values are concept URIs (what the definition stores); lists are one item
per line (or comma-separated for short words). Skills are kept as
``framework|id|label`` values of checkboxes (see the skill picker). Empty controls are
left out, so an untouched optional group does not appear in the definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from credstack.core.achievement_parts import OB_ACHIEVEMENT_TYPES, OB_RESULT_TYPES, QF_EHEA_CYCLES
from credstack.core.eu_vocabularies import vocabulary


@dataclass(frozen=True)
class Control:
    """One form control: its path, label, kind and help; ``options`` for choices."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, lines, words, number, url, select, multi, yes_no, check
    hint: str = ""
    options: Sequence[tuple[str, str]] = field(default_factory=tuple)
    required: bool = False


@dataclass(frozen=True)
class Section:
    """A fieldset of the form, with a legend a screen reader announces."""

    legend: str
    controls: Sequence[Control]


def _concepts(name: str) -> list[tuple[str, str]]:
    return [(concept.uri, concept.label) for concept in vocabulary(name).concepts]


def sections() -> list[Section]:
    """The whole form, in the order of docs/micro-credentials.md."""
    types = sorted({*OB_ACHIEVEMENT_TYPES, "MicroCredential"})
    cycles = [(cycle, f"{cycle} cycle (EQF {level})") for cycle, level in QF_EHEA_CYCLES.items()]
    return [
        Section(
            "What it is",
            [
                Control("name", "Title", required=True),
                Control("description", "Description", "textarea", required=True),
                Control(
                    "achievement_type",
                    "Type",
                    "select",
                    "Open Badges 3.0 achievement type.",
                    [(t, t) for t in types],
                ),
                Control(
                    "eu_micro_credential",
                    "This is an EU micro-credential (Council Recommendation 2022/C 243/02)",
                    "check",
                    "Publishing then requires every Annex I mandatory element.",
                ),
                Control("learning_outcomes", "Learning outcomes", "lines", "One per line."),
                Control("criteria", "Criteria for earning it", "textarea"),
                Control("criteria_url", "Criteria page", "url"),
            ],
        ),
        Section(
            "Workload and level",
            [
                Control("ects_credits", "ECTS credits", "number"),
                Control("workload_hours", "Notional workload in hours", "number"),
                Control("eqf_level", "EQF level", "select", options=_concepts("eqf_level")),
                Control("qf_ehea_cycle", "QF-EHEA cycle", "select", options=cycles),
                Control("duration", "Duration", hint="ISO 8601, for example P6W (six weeks)."),
                Control(
                    "validity",
                    "Valid for",
                    hint="ISO 8601 from the date of issue, for example P3Y; empty = no expiry.",
                ),
            ],
        ),
        Section(
            "Assessment and participation",
            [
                Control(
                    "assessment",
                    "Type of assessment",
                    "multi",
                    options=_concepts("assessment_type"),
                ),
                Control(
                    "participation",
                    "Form of participation",
                    "select",
                    options=_concepts("mode_of_learning"),
                ),
                Control(
                    "supervision",
                    "Supervision and identity verification",
                    "select",
                    options=_concepts("supervision"),
                ),
                Control(
                    "learning_setting",
                    "Learning setting",
                    "select",
                    options=_concepts("learning_setting"),
                ),
                Control("schedule", "Schedule", "select", options=_concepts("learning_schedule")),
                Control(
                    "learning_activities",
                    "Learning activities",
                    "multi",
                    options=_concepts("learning_activity"),
                ),
                Control(
                    "learning_opportunity",
                    "Kind of learning opportunity",
                    "select",
                    options=_concepts("learning_opportunity"),
                ),
                Control("prerequisites", "Prerequisites", "textarea"),
                Control(
                    "languages",
                    "Languages",
                    "words",
                    "Language tags separated by commas, for example en, nl.",
                ),
            ],
        ),
        Section(
            "Quality assurance",
            [
                Control(
                    "quality_assurance.type",
                    "Type of quality assurance",
                    "select",
                    options=_concepts("quality_assurance"),
                ),
                Control("quality_assurance.body", "Quality assurance body"),
                Control("quality_assurance.description", "How quality is assured", "textarea"),
                Control("quality_assurance.url", "Quality assurance report", "url"),
            ],
        ),
        Section(
            "Grading",
            [
                Control("grading.name", "Name of the result", hint="For example Final grade."),
                Control(
                    "grading.result_type",
                    "Result type",
                    "select",
                    options=[(t, t) for t in sorted(OB_RESULT_TYPES)],
                ),
                Control("grading.description", "Grading description", "textarea"),
                Control(
                    "grading.allowed_values",
                    "Allowed values",
                    "lines",
                    "One per line, lowest first.",
                ),
                Control("grading.required_value", "Lowest passing value"),
                Control("grading.value_min", "Lowest possible value"),
                Control("grading.value_max", "Highest possible value"),
            ],
        ),
        Section(
            "Stackability and price",
            [
                Control("stackability.standalone", "Can be earned on its own", "yes_no"),
                Control("stackability.description", "Stackability", "textarea"),
                Control(
                    "stackability.stackable_towards",
                    "Counts towards",
                    "lines",
                    "One per line: the credential's URL, then ' | ', then its name.",
                ),
                Control("price.amount", "Price", "number"),
                Control("price.currency", "Currency", hint="ISO 4217 code, for example EUR."),
            ],
        ),
        Section(
            "Catalogue",
            [
                Control("further_information", "Further information", "url"),
                Control("version", "Version label", hint="Your own label, for example 2025.1."),
                Control("field_of_study", "Field of study"),
                Control("tags", "Tags", "words", "Separated by commas."),
            ],
        ),
    ]


def control_names() -> set[str]:
    return {control.name for section in sections() for control in section.controls}


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        _set(target.setdefault(head, {}), rest, value)
    else:
        target[head] = value


def mapping_from_form(form: Mapping[str, Any], skills: Sequence[str]) -> dict[str, Any]:
    """The definition mapping of a submitted form (``form.getlist`` values for multis)."""
    data: dict[str, Any] = {}
    for section in sections():
        for control in section.controls:
            raw = form.get(control.name)
            value = _read(control, raw)
            if value is not None:
                _set(data, control.name, value)
    picked = [_skill(value) for value in skills if value.count("|") >= 2]
    if picked:
        data["skills"] = picked
    return data


def _read(control: Control, raw: Any) -> Any:
    if control.kind == "check":
        return True if raw else None
    if control.kind == "multi":
        values = [v for v in (raw or []) if v]
        return values or None
    text = (raw or "").strip() if isinstance(raw, str) else ""
    if not text:
        return None
    if control.kind == "lines":
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if control.name == "stackability.stackable_towards":
            return [_related(line) for line in lines]
        return lines
    if control.kind == "words":
        return [word.strip() for word in text.split(",") if word.strip()]
    if control.kind == "yes_no":
        return text == "yes"
    return text


def _related(line: str) -> dict[str, str]:
    url, _, name = line.partition(" | ")
    return {"id": url.strip(), "name": name.strip() or url.strip()}


def _skill(value: str) -> dict[str, str]:
    framework, ident, label = value.split("|", 2)
    return {"framework": framework, "id": ident, "label": label}


def skill_value(skill: Mapping[str, Any]) -> str:
    """The checkbox value of a skill of the definition (``framework|id|label``)."""
    return f"{skill['framework']}|{skill['id']}|{skill['label']}"


def form_values(definition: Mapping[str, Any]) -> dict[str, Any]:
    """Control values for a stored definition (the edit form starts from these)."""
    values: dict[str, Any] = {}
    for section in sections():
        for control in section.controls:
            value: Any = definition
            for part in control.name.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                continue
            values[control.name] = _write(control, value)
    return values


def _write(control: Control, value: Any) -> Any:
    if control.kind == "multi":
        return list(value)
    if control.kind == "lines":
        if control.name == "stackability.stackable_towards":
            return "\n".join(f"{item['id']} | {item['name']}" for item in value)
        return "\n".join(str(item) for item in value)
    if control.kind == "words":
        return ", ".join(str(item) for item in value)
    if control.kind == "yes_no":
        return "yes" if value else "no"
    if control.kind == "check":
        return bool(value)
    return str(value)


def errors_by_control(problems: Sequence[str]) -> dict[str, list[str]]:
    """Core problems (``grading.result_type: …``) under the control they are about.

    Paths into lists (``assessment.1``, ``stackability.stackable_towards.0.id``) go to
    the control that edits the list; anything else is shown above the form.
    """
    names = control_names() | {"skills"}
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        path, separator, message = problem.partition(": ")
        target = ""
        if separator:
            # a group's own check names its field first: "grading: result_type 'X' is not…"
            parts = [*path.split("."), message.split(" ", 1)[0]]
            for end in range(len(parts), 0, -1):
                candidate = ".".join(parts[:end])
                if candidate in names:
                    target = candidate
                    break
        grouped.setdefault(target, []).append(message if target else problem)
    return grouped
