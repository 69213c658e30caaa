"""Micro-credential pages: create with the form, errors by field, EU elements named on
publish, edit makes a new version, skills picked from imported ESCO data by a GET search,
other organisations' micro-credentials are 404.

TestClient on the rolled-back test database (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_client import create_organization, csrf_from, post_form, sign_up

from credstack.core.eu_vocabularies import find_concept
from credstack.services.skills.importing import import_esco
from credstack.store.models import Achievement, AchievementState
from fixture_paths import ESCO


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def organization_id(client: TestClient) -> str:
    sign_up(client, "admin@example.org")
    return create_organization(client, "Skills Academy")


def _uri(vocabulary: str, code: str) -> str:
    concept = find_concept(vocabulary, code)
    assert concept is not None
    return concept.uri


EU_FIELDS = {
    "name": "Data Analysis with Python",
    "description": "Clean, analyse and visualise real datasets.",
    "eu_micro_credential": "yes",
    "learning_outcomes": "Load and clean data with pandas.\nProduce accessible charts.",
    "ects_credits": "5",
    "workload_hours": "125",
    "grading.name": "Final grade",
    "grading.result_type": "LetterGrade",
    "grading.allowed_values": "E\nD\nC\nB\nA",
    "grading.required_value": "E",
    "stackability.standalone": "yes",
    "stackability.stackable_towards": "https://uni.example/cert | Certificate in Data Science",
    "price.amount": "450",
    "price.currency": "EUR",
    "languages": "en, nl",
    "tags": "python, data",
    "duration": "P6W",
    "validity": "P3Y",
}


def _new(client: TestClient, organization_id: str, data: dict[str, object]) -> str:
    url = f"/dashboard/{organization_id}/achievements/new"
    response = post_form(client, url, data)  # type: ignore[arg-type]
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def test_form_has_a_labelled_control_for_every_field(
    client: TestClient, organization_id: str
) -> None:
    page = client.get(f"/dashboard/{organization_id}/achievements/new")
    assert page.status_code == 200
    for name in (
        "name", "description", "achievement_type", "eu_micro_credential", "learning_outcomes",
        "criteria", "criteria_url", "ects_credits", "workload_hours", "eqf_level",
        "qf_ehea_cycle", "duration", "validity", "participation", "supervision",
        "learning_setting", "schedule", "learning_opportunity", "prerequisites", "languages",
        "quality_assurance.type", "quality_assurance.body", "quality_assurance.description",
        "quality_assurance.url", "grading.name", "grading.result_type", "grading.description",
        "grading.allowed_values", "grading.required_value", "grading.value_min",
        "grading.value_max", "stackability.standalone", "stackability.description",
        "stackability.stackable_towards", "price.amount", "price.currency",
        "further_information", "version", "field_of_study", "tags", "image",
    ):  # fmt: skip
        assert f'<label for="{name}">' in page.text, name
    assert "<legend>Type of assessment</legend>" in page.text
    assert "<legend>Learning activities</legend>" in page.text


def test_eu_draft_names_missing_elements_then_publishes_when_complete(
    client: TestClient, organization_id: str, db: Session
) -> None:
    achievement_id = _new(client, organization_id, EU_FIELDS)
    view_url = f"/dashboard/{organization_id}/achievements/{achievement_id}"
    page = client.get(view_url).text
    assert "<h1>Data Analysis with Python</h1>" in page
    assert "level: give eqf_level" in page
    assert "type of assessment" in page

    token = csrf_from(client.get(view_url))
    refused = client.post(f"{view_url}/publish", data={"csrf_token": token})
    assert "Not published:" in refused.text and "form of participation" in refused.text
    assert db.get(Achievement, achievement_id).state is AchievementState.DRAFT  # type: ignore[union-attr]

    complete = {
        **EU_FIELDS,
        "eqf_level": _uri("eqf_level", "6"),
        "assessment": [_uri("assessment_type", "project-work"), _uri("assessment_type", "exam")],
        "participation": _uri("mode_of_learning", "online"),
        "quality_assurance.type": _uri("quality_assurance", "institutional-quality-assurance"),
        "quality_assurance.body": "National Agency",
    }
    edit = post_form(client, f"{view_url}/edit", complete)  # type: ignore[arg-type]
    assert edit.status_code == 303, edit.text
    token = csrf_from(client.get(view_url))
    published = client.post(f"{view_url}/publish", data={"csrf_token": token})
    assert "is published: you can award it now" in published.text
    stored = db.get(Achievement, achievement_id)
    assert stored is not None and stored.state is AchievementState.PUBLISHED
    definition = stored.definition
    assert definition["ects_credits"] == 5
    assert definition["price"] == {"amount": "450", "currency": "EUR"}
    assert definition["stackability"]["stackable_towards"][0]["name"] == (
        "Certificate in Data Science"
    )
    assert definition["grading"]["allowed_values"] == ["E", "D", "C", "B", "A"]
    assert len(definition["assessment"]) == 2

    # editing a published version makes version 2, a draft; version 1 stays published
    again = post_form(client, f"{view_url}/edit", {**complete, "name": "Data Analysis 2"})  # type: ignore[arg-type]
    new_id = again.headers["location"].rsplit("/", 1)[-1]
    assert new_id != achievement_id
    assert "Version 2" in client.get(f"/dashboard/{organization_id}/achievements/{new_id}").text


def test_field_errors_are_shown_next_to_their_controls(
    client: TestClient, organization_id: str
) -> None:
    response = post_form(
        client,
        f"/dashboard/{organization_id}/achievements/new",
        {
            "name": "",
            "description": "x",
            "criteria_url": "not a url",
            "grading.result_type": "Nonsense",
            "price.amount": "-3",
        },
    )
    assert response.status_code == 422
    page = response.text
    for control in ("name", "criteria_url", "grading.result_type", "price.amount"):
        assert f'id="{control}-error"' in page, control
    assert 'value="not a url"' in page


def test_skills_are_searched_with_get_and_added(
    client: TestClient, organization_id: str, db: Session
) -> None:
    import_esco(db, ESCO, limit=200)
    achievement_id = _new(client, organization_id, {"name": "Music", "description": "Staff"})
    base = f"/dashboard/{organization_id}/achievements/{achievement_id}"

    search = client.get(f"{base}/skills", params={"q": "musical staff"})
    assert search.status_code == 200
    assert "manage musical staff" in search.text
    value = re.search(r'name="skills" type="checkbox" value="([^"]+)"', search.text)
    assert value
    fragment = client.get(
        f"{base}/skills", params={"q": "musical staff"}, headers={"X-Fragment": "1"}
    )
    assert "<html" not in fragment.text and "manage musical staff" in fragment.text

    token = csrf_from(search)
    added = client.post(f"{base}/skills", data={"csrf_token": token, "skills": value.group(1)})
    assert "Added 1 skill(s)" in added.text
    stored = db.get(Achievement, achievement_id)
    assert stored is not None
    assert stored.definition["skills"][0]["label"] == "manage musical staff"
    # the skill no longer shows as a result to add
    assert (
        "manage musical staff"
        not in client.get(f"{base}/skills", params={"q": "musical staff"}).text.split("found for")[
            1
        ]
    )


def test_other_organisations_micro_credentials_are_404(
    client: TestClient, organization_id: str, app: FastAPI
) -> None:
    achievement_id = _new(client, organization_id, {"name": "Secret", "description": "x"})
    mallory = TestClient(app)
    sign_up(mallory, "mallory@example.org")
    other_org = create_organization(mallory, "Mallory Inc")
    for path in (
        f"/dashboard/{organization_id}/achievements/{achievement_id}",
        f"/dashboard/{organization_id}/achievements/{achievement_id}/edit",
        f"/dashboard/{organization_id}/achievements/new",
        f"/dashboard/{other_org}/achievements/{achievement_id}",
        f"/dashboard/{other_org}/achievements/{achievement_id}/skills",
    ):
        response = mallory.get(path)
        assert response.status_code == 404, path
        assert "Secret" not in response.text
    token = csrf_from(mallory.get("/dashboard"))
    publish = mallory.post(
        f"/dashboard/{other_org}/achievements/{achievement_id}/publish", data={"csrf_token": token}
    )
    assert publish.status_code == 404
