"""OB 3.0 / VC 2.0 schema validation: published examples pass, broken ones say where."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing.exceptions

from credstack.core import schemas
from credstack.core.errors import ConfigurationError
from credstack.core.schemas import (
    ACHIEVEMENT_CREDENTIAL,
    ENDORSEMENT_CREDENTIAL,
    VERIFIABLE_CREDENTIAL,
    bundled_schema,
    normalise_credential,
    schemas_for,
    validate_credential,
    validate_profile,
)
from fixture_paths import REPO_ROOT, STANDARDS

EXAMPLES = STANDARDS / "examples" / "1edtech-ob-v3p0-spec"
SIGNED_VECTOR = STANDARDS / "test-vectors" / "1edtech-ob-v3p0-ldp" / "signed-credential.json"
BUNDLED = REPO_ROOT / "src" / "credstack" / "core" / "data" / "schemas"


def _examples() -> list[str]:
    return sorted(p.name for p in EXAMPLES.glob("*.json"))


def _basic() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://credstack.example/credentials/1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://credstack.example/issuers/uni", "type": ["Profile"], "name": "U"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Data Literacy",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://credstack.example/achievements/7",
                "type": ["Achievement"],
                "name": "Data Literacy",
                "description": "Reads and questions data.",
                "criteria": {"narrative": "Passed the assessed project."},
            },
        },
    }


def _paths(problems: list[schemas.SchemaProblem]) -> list[str]:
    return [problem.path for problem in problems]


# --- the published documents -------------------------------------------------------------


@pytest.mark.parametrize("name", _examples())
def test_every_1edtech_example_is_valid(name: str) -> None:
    credential = json.loads((EXAMPLES / name).read_text())
    assert validate_credential(credential) == []


def test_1edtech_signed_vector_passes_only_after_normalisation() -> None:
    credential = json.loads(SIGNED_VECTOR.read_text())
    assert isinstance(credential["proof"], dict)  # the single-object form
    strict = jsonschema.Draft201909Validator(bundled_schema(ACHIEVEMENT_CREDENTIAL).document)
    assert [list(e.absolute_path) for e in strict.iter_errors(credential)] == [["proof"]]
    assert validate_credential(credential) == []


@pytest.mark.parametrize(
    ("bundled", "source"),
    [
        ("ob-v3p0-achievementcredential.json", "1edtech-ob-v3p0/achievementcredential.json"),
        ("ob-v3p0-endorsementcredential.json", "1edtech-ob-v3p0/endorsementcredential.json"),
        ("ob-v3p0-profile.json", "1edtech-ob-v3p0/profile.json"),
        (
            "vcdm-2.0-verifiable-credential-schema.json",
            "w3c-vcdm-2.0/verifiable-credential-schema.json",
        ),
    ],
)
def test_bundled_schemas_are_the_normative_files_verbatim(bundled: str, source: str) -> None:
    assert (BUNDLED / bundled).read_bytes() == (STANDARDS / "schemas" / source).read_bytes()


def test_manifest_pins_every_bundled_schema() -> None:
    manifest = json.loads((BUNDLED / "manifest.json").read_text())
    for entry in manifest["schemas"]:
        assert hashlib.sha256((BUNDLED / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
        assert (
            bundled_schema(entry["name"]).id
            == json.loads((BUNDLED / entry["file"]).read_text())["$id"]
        )


def test_modified_schema_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_dir = tmp_path / "schemas"
    shutil.copytree(BUNDLED, copy_dir)
    target = copy_dir / "ob-v3p0-achievementcredential.json"
    target.write_text(target.read_text().replace('"required"', '"required_"', 1))

    class _FakeResources:
        @staticmethod
        def files(_package: str) -> Path:
            return copy_dir

    schemas._bundle.cache_clear()
    monkeypatch.setattr(schemas, "resources", _FakeResources)
    try:
        with pytest.raises(ConfigurationError, match="was modified"):
            bundled_schema(ACHIEVEMENT_CREDENTIAL)
    finally:
        monkeypatch.undo()
        schemas._bundle.cache_clear()


def test_remote_references_are_never_fetched() -> None:
    resolver = schemas._registry().resolver()
    with pytest.raises(referencing.exceptions.Unresolvable):
        resolver.lookup("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/other.json")


# --- choosing and normalising ------------------------------------------------------------


def test_schema_is_chosen_by_credential_type() -> None:
    assert schemas_for(_basic()) == [ACHIEVEMENT_CREDENTIAL, VERIFIABLE_CREDENTIAL]
    assert schemas_for({"type": ["VerifiableCredential", "AchievementCredential"]})[0] == (
        ACHIEVEMENT_CREDENTIAL
    )
    assert schemas_for({"type": ["VerifiableCredential", "EndorsementCredential"]}) == [
        ENDORSEMENT_CREDENTIAL,
        VERIFIABLE_CREDENTIAL,
    ]
    assert schemas_for({"type": "VerifiableCredential"}) == [VERIFIABLE_CREDENTIAL]


def test_single_values_are_accepted_where_the_schema_wants_arrays() -> None:
    credential = _basic()
    credential["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
    credential["issuer"]["type"] = "Profile"
    achievement = credential["credentialSubject"]["achievement"]
    achievement["type"] = "Achievement"
    achievement["alignment"] = {
        "type": "Alignment",
        "targetName": "Data literacy",
        "targetUrl": "http://data.europa.eu/esco/skill/0c0d5a3e",
    }
    credential["credentialSubject"]["type"] = "AchievementSubject"
    credential["evidence"] = {"type": "Evidence", "narrative": "Project report"}
    original = copy.deepcopy(credential)
    assert validate_credential(credential) == []
    assert credential == original  # the input is not modified

    normalised = normalise_credential(credential, ACHIEVEMENT_CREDENTIAL)
    assert normalised["issuer"]["type"] == ["Profile"]
    assert normalised["evidence"] == [{"type": ["Evidence"], "narrative": "Project report"}]
    assert normalised["credentialSubject"]["achievement"]["alignment"][0]["type"] == ["Alignment"]
    assert normalised["credentialSubject"]["type"] == ["AchievementSubject"]
    # single objects the schema wants as objects stay objects
    assert isinstance(normalised["credentialSubject"], dict)
    assert isinstance(normalised["issuer"], dict)


# --- broken credentials ------------------------------------------------------------------


def test_missing_required_property_is_reported_at_the_root() -> None:
    credential = _basic()
    del credential["validFrom"]
    problems = validate_credential(credential)
    assert _paths(problems) == ["$"]
    assert "'validFrom' is a required property" in problems[0].message
    assert problems[0].schema == ACHIEVEMENT_CREDENTIAL


def test_nested_problem_points_at_the_exact_property() -> None:
    credential = _basic()
    credential["credentialSubject"]["achievement"]["criteria"] = "passed"
    problems = validate_credential(credential)
    assert _paths(problems) == ["$.credentialSubject.achievement.criteria"]
    assert "not of type 'object'" in problems[0].message
    assert str(problems[0]).startswith("$.credentialSubject.achievement.criteria: ")


def test_issuer_profile_problem_is_explained_not_the_iri_alternative() -> None:
    credential = _basic()
    del credential["issuer"]["type"]
    problems = validate_credential(credential)
    assert [(p.path, p.message) for p in problems] == [
        ("$.issuer", "'type' is a required property")
    ]


def test_wrong_type_value_names_what_is_expected() -> None:
    credential = _basic()
    credential["credentialSubject"]["achievement"]["type"] = "Course"
    problems = validate_credential(credential)
    assert _paths(problems) == ["$.credentialSubject.achievement.type"]
    assert "'Achievement'" in problems[0].message


def test_dates_must_be_rfc3339() -> None:
    credential = _basic()
    credential["validUntil"] = "31/12/2027"
    problems = validate_credential(credential)
    assert _paths(problems) == ["$.validUntil"]
    assert "date-time" in problems[0].message
    credential["validUntil"] = "2027-12-31T23:59:59+01:00"
    assert validate_credential(credential) == []
    credential["validUntil"] = "2027-02-30T00:00:00Z"  # right shape, no such day
    assert _paths(validate_credential(credential)) == ["$.validUntil"]


def test_problem_inside_an_array_keeps_its_index() -> None:
    credential = _basic()
    credential["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "ok", "targetUrl": "https://x.example/1"},
        {"type": ["Alignment"], "targetName": "missing url"},
    ]
    problems = validate_credential(credential)
    assert _paths(problems) == ["$.credentialSubject.achievement.alignment[1]"]
    assert "'targetUrl' is a required property" in problems[0].message


def test_single_object_problem_path_has_no_invented_index() -> None:
    credential = _basic()
    credential["credentialSubject"]["achievement"]["alignment"] = {"type": "Alignment"}
    paths = _paths(validate_credential(credential))
    assert set(paths) == {"$.credentialSubject.achievement.alignment"}


def test_endorsement_is_checked_against_the_endorsement_schema() -> None:
    endorsement = _basic()
    endorsement["type"] = ["VerifiableCredential", "EndorsementCredential"]
    problems = validate_credential(endorsement)
    assert problems
    assert {p.schema for p in problems} == {ENDORSEMENT_CREDENTIAL}
    assert any("EndorsementSubject" in p.message for p in problems)


def test_plain_verifiable_credential_needs_the_vc_context() -> None:
    credential = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": "Foo"}
    problems = validate_credential(credential)
    assert {p.schema for p in problems} == {VERIFIABLE_CREDENTIAL}
    assert {"$", "$.@context", "$.type"} <= set(_paths(problems))
    assert any("'issuer' is a required property" in p.message for p in problems)


def test_non_object_input_is_a_problem_not_a_crash() -> None:
    assert _paths(validate_credential(["not", "a", "credential"])) == ["$"]  # type: ignore[arg-type]


def test_issuer_profiles_are_checked_with_the_profile_schema() -> None:
    complete = json.loads((EXAMPLES / "complete-openbadgecredential.json").read_text())
    profile = complete["issuer"]
    assert validate_profile(profile) == []
    broken = {key: value for key, value in profile.items() if key != "type"}
    broken["email"] = 42
    problems = validate_profile(broken)
    assert [(p.path, p.schema) for p in problems] == [("$", "profile"), ("$.email", "profile")]
    assert validate_profile({"id": "https://u.example", "type": "Profile"}) == []


def test_a_large_value_of_the_wrong_type_still_says_what_was_expected() -> None:
    credential = _basic()
    credential["credentialSubject"] = [credential["credentialSubject"]]
    problems = validate_credential(credential)
    assert "$.credentialSubject" in _paths(problems)
    message = next(p.message for p in problems if p.path == "$.credentialSubject")
    assert message.endswith("is not of type 'object'")
    assert len(message) < 120
