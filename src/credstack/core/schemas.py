"""Offline JSON Schema validation of credentials against the bundled OB 3.0 / VC 2.0 schemas.

Why bundled and pinned: a schema decides whether a credential is accepted, so it must not
change under us or depend on the network. The normative files ship verbatim in
``data/schemas/`` with their SHA-256 in ``manifest.json``, checked on first load, and the
validator's registry holds only them: a remote ``$ref`` is unresolvable, never fetched.

Why normalise first: the 2024-07 OB 3.0 schema is the *strict* form (``type``, ``proof``,
``evidence``, ``alignment``, ``result``… MUST be arrays), while JSON-LD treats a single value
and a one-element array as the same thing, and real issuers (1EdTech's own signed vector
among them) emit single values. So before validating, every property the schema declares
as ``"type": "array"`` (found by walking the schema itself, through ``$ref`` and
``allOf``) is wrapped into a one-element array when it holds a single value. That rule is
derived from the schema, not from a hand-kept list, so it stays exact. The input is never
modified.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema
from jsonschema.exceptions import ValidationError as SchemaValidationError
from jsonschema.exceptions import best_match

from credstack.core.errors import ConfigurationError

_DATA_PACKAGE = "credstack.core.data.schemas"
ACHIEVEMENT_CREDENTIAL = "achievement-credential"
ENDORSEMENT_CREDENTIAL = "endorsement-credential"
PROFILE = "profile"
VERIFIABLE_CREDENTIAL = "verifiable-credential"
_ACHIEVEMENT_TYPES = frozenset({"AchievementCredential", "OpenBadgeCredential"})
_MAX_MESSAGE = 240
#: how much of an offending value a message quotes (the rest says what is wrong with it)
_MAX_PREVIEW = 60
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation: where (JSON path into the input), what, and which schema."""

    path: str
    message: str
    schema: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.schema} schema)"


@dataclass(frozen=True)
class BundledSchema:
    """A pinned schema: its manifest name, ``$id``, published URL and parsed body."""

    name: str
    id: str
    published_at: str
    document: Mapping[str, Any]


@cache
def _bundle() -> Mapping[str, BundledSchema]:
    files = resources.files(_DATA_PACKAGE)
    try:
        manifest = json.loads(files.joinpath("manifest.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"the bundled schema manifest cannot be read: {exc}") from exc
    bundle: dict[str, BundledSchema] = {}
    for entry in manifest["schemas"]:
        name, file = str(entry["name"]), str(entry["file"])
        try:
            raw = files.joinpath(file).read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"bundled schema {name} ({file}) is missing: {exc}") from exc
        actual = hashlib.sha256(raw).hexdigest()
        if actual != entry["sha256"]:
            raise ConfigurationError(
                f"bundled schema {name} ({file}) has SHA-256 {actual}, expected "
                f"{entry['sha256']}: the installation was modified; reinstall Credstack"
            )
        document = json.loads(raw)
        bundle[name] = BundledSchema(
            name=name,
            id=str(document["$id"]),
            published_at=str(entry["published_at"]),
            document=document,
        )
    return bundle


def bundled_schema(name: str) -> BundledSchema:
    """The pinned schema called ``name`` (``achievement-credential``, ``profile``, …)."""
    try:
        return _bundle()[name]
    except KeyError:
        known = ", ".join(sorted(_bundle()))
        raise ConfigurationError(f"no bundled schema named {name!r} (known: {known})") from None


@cache
def _registry() -> referencing.Registry[Any]:
    resources_ = [
        (
            schema.id,
            referencing.jsonschema.specification_with(
                str(schema.document["$schema"])
            ).create_resource(schema.document),
        )
        for schema in _bundle().values()
    ]
    # no ``retrieve`` function: any URI not bundled is unresolvable, never fetched
    registry: referencing.Registry[Any] = referencing.Registry()
    return registry.with_resources(resources_)


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # format only constrains strings
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    return checker


@cache
def _validator(name: str) -> Any:
    schema = bundled_schema(name).document
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=_registry(), format_checker=_format_checker())


# --- normalisation ------------------------------------------------------------------------


def _resolve(node: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local ``$ref`` pointers (``#/$defs/X``) to the schema node they name."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = str(node["$ref"])
        if not ref.startswith("#/") or seen > 32:
            break
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, Mapping) else None
        node, seen = target, seen + 1
    return node if isinstance(node, Mapping) else {}


def _branches(node: Any, root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The node and every ``allOf`` member (all must hold, so all of them apply)."""
    resolved = _resolve(node, root)
    branches = [resolved]
    for member in resolved.get("allOf", []):
        branches.extend(_branches(member, root))
    return branches


def _object_branches(node: Any, root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Branches that can describe an object, including object alternatives of ``oneOf``.

    ``issuer`` is ``oneOf: [IRI string, Profile]``; an object value can only match the
    object alternative, so its properties are normalised with that one.
    """
    branches: list[Mapping[str, Any]] = []
    for branch in _branches(node, root):
        branches.append(branch)
        for keyword in ("oneOf", "anyOf"):
            for member in branch.get(keyword, []):
                branches.extend(
                    sub for sub in _branches(member, root) if sub.get("type") in ("object", None)
                )
    return branches


def _wants_array(node: Any, root: Mapping[str, Any]) -> bool:
    return any(branch.get("type") == "array" for branch in _branches(node, root))


def _property_schema(node: Any, root: Mapping[str, Any], name: str) -> Any:
    for branch in _object_branches(node, root):
        properties = branch.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return properties[name]
    return None


def _item_schema(node: Any, root: Mapping[str, Any]) -> Any:
    for branch in _branches(node, root):
        items = branch.get("items")
        if isinstance(items, Mapping):
            return items
    return None


def _normalise(value: Any, node: Any, root: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        items = _item_schema(node, root)
        return [_normalise(item, items, root) if items else item for item in value]
    if not isinstance(value, dict) or node is None:
        return value
    result: dict[str, Any] = {}
    for key, child in value.items():
        child_schema = _property_schema(node, root, key)
        if child_schema is None:
            result[key] = child
            continue
        if _wants_array(child_schema, root) and not isinstance(child, list):
            child = [child]
        result[key] = _normalise(child, child_schema, root)
    return result


def normalise_credential(credential: Mapping[str, Any], schema: str) -> dict[str, Any]:
    """A deep copy of ``credential`` with single values wrapped where ``schema`` wants arrays."""
    root = bundled_schema(schema).document
    return dict(_normalise(copy.deepcopy(dict(credential)), root, root))


# --- validation ---------------------------------------------------------------------------


def schemas_for(credential: Mapping[str, Any]) -> list[str]:
    """Names of the schemas that apply: the OB 3.0 one its type selects, then VC 2.0."""
    raw_types = credential.get("type")
    listed = raw_types if isinstance(raw_types, list) else [raw_types]
    types = {kind for kind in listed if isinstance(kind, str)}  # the schema reports the rest
    chosen: list[str] = []
    if types & _ACHIEVEMENT_TYPES:
        chosen.append(ACHIEVEMENT_CREDENTIAL)
    elif "EndorsementCredential" in types:
        chosen.append(ENDORSEMENT_CREDENTIAL)
    chosen.append(VERIFIABLE_CREDENTIAL)
    return chosen


def _original_path(original: Any, path: Sequence[str | int]) -> str:
    """JSON path into the *input*: skip the ``[0]`` normalisation added to single values."""
    rendered = "$"
    node = original
    for part in path:
        if isinstance(part, int):
            if isinstance(node, list):
                rendered += f"[{part}]"
                node = node[part] if part < len(node) else None
            continue  # a single value we wrapped: the input has no index here
        rendered += f".{part}" if re.fullmatch(r"[A-Za-z_@][\w@]*", part) else f"[{part!r}]"
        node = node.get(part) if isinstance(node, Mapping) else None
    return rendered


def _most_relevant(errors: Iterable[SchemaValidationError]) -> SchemaValidationError:
    """Pick the error of the ``oneOf``/``anyOf`` alternative the value was meant for.

    An object given as ``issuer`` fails the IRI-string alternative only on ``type``; the
    useful error is the one from the Profile alternative. So alternatives whose only
    complaint is a top-level type mismatch are dropped before ``best_match``.
    """
    errors = list(errors)
    wrong_kind = {
        error.relative_schema_path[0]
        for error in errors
        if error.validator == "type" and not error.relative_path and error.relative_schema_path
    }
    relevant = [
        error
        for error in errors
        if not error.relative_schema_path or error.relative_schema_path[0] not in wrong_kind
    ]
    chosen: SchemaValidationError = best_match(relevant or errors)
    if chosen.validator in ("oneOf", "anyOf") and chosen.context:
        return _most_relevant(chosen.context)
    return chosen


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _preview(value: object) -> str:
    """The value as the message shows it: short enough to leave room for what is wrong."""
    text = repr(value)
    return text if len(text) <= _MAX_PREVIEW else text[: _MAX_PREVIEW - 1] + "…"


def _message(error: SchemaValidationError) -> str:
    wanted = error.validator_value
    if error.validator == "pattern":
        return _shorten(f"{_preview(error.instance)} does not have the form the schema requires")
    if error.validator == "type":
        kinds = ", ".join(map(repr, wanted)) if isinstance(wanted, list) else repr(wanted)
        return _shorten(f"{_preview(error.instance)} is not of type {kinds}")
    if error.validator == "contains" and isinstance(wanted, Mapping) and "enum" in wanted:
        options = " or ".join(repr(option) for option in wanted["enum"])
        return _shorten(f"{error.instance!r} must include {options}")
    return _shorten(error.message)


def _leaf_errors(errors: Iterable[SchemaValidationError]) -> Iterator[SchemaValidationError]:
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            yield _most_relevant(error.context)
        else:
            yield error


def _problems(document: Mapping[str, Any], names: list[str]) -> list[SchemaProblem]:
    problems: dict[SchemaProblem, None] = {}
    reported_paths: set[str] = set()
    for name in names:
        found_here: set[str] = set()
        normalised = normalise_credential(document, name)
        for error in _leaf_errors(_validator(name).iter_errors(normalised)):
            path = _original_path(document, list(error.absolute_path))
            if path in reported_paths:
                continue  # the more specific OB 3.0 schema already explained this spot
            problems[SchemaProblem(path, _message(error), name)] = None
            found_here.add(path)
        reported_paths |= found_here
    return sorted(problems, key=lambda problem: (problem.path, problem.schema, problem.message))


def validate_credential(credential: Mapping[str, Any]) -> list[SchemaProblem]:
    """Every schema problem of ``credential`` (empty list = valid); the input is not changed.

    The OB 3.0 schema is chosen by ``type`` (AchievementCredential / OpenBadgeCredential, or
    EndorsementCredential); the VC 2.0 schema always applies. Problems are sorted by path.
    """
    if not isinstance(credential, Mapping):
        return [SchemaProblem("$", "a credential must be a JSON object", VERIFIABLE_CREDENTIAL)]
    return _problems(credential, schemas_for(credential))


def validate_profile(profile: Mapping[str, Any]) -> list[SchemaProblem]:
    """Problems of an issuer ``Profile`` document (served at ``/issuers/{slug}``) per OB 3.0."""
    if not isinstance(profile, Mapping):
        return [SchemaProblem("$", "a profile must be a JSON object", PROFILE)]
    return _problems(profile, [PROFILE])
