"""Award pages: award one person, CSV upload with a job page (progress, row errors),
list, revoke; viewers cannot award; other organisations' awards and jobs are 404.

TestClient on the rolled-back test database (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_client import create_organization, csrf_from, post_form, sign_up

from credstack.services.accounts import authz
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk_jobs import BulkJobs
from credstack.settings import Settings
from credstack.store.models import Award, AwardState, Organization, Role, User

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def awards_url(client: TestClient, db: Session, settings: Settings) -> str:
    """A signed-in owner's organisation with the example micro-credential published."""
    sign_up(client, "owner@example.org")
    organization_id = create_organization(client, "Award College")
    organization = db.get(Organization, organization_id)
    assert organization is not None
    ctx = ServiceContext.from_settings(settings)
    achievement = achievements.create_achievement(
        db, ctx, issuer_slug=organization.slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    achievements.publish(db, ctx, achievement.id)
    db.commit()
    return f"/dashboard/{organization_id}/achievements/{achievement.id}/awards"


def test_award_one_then_revoke(client: TestClient, awards_url: str, db: Session) -> None:
    response = post_form(
        client, awards_url, {"email": "ada@example.org", "name": "Ada <b>Lovelace</b>"}
    )
    assert response.status_code == 303
    page = client.get(awards_url).text
    assert "Awarded to Ada &lt;b&gt;Lovelace&lt;/b&gt; (ada@example.org)." in page
    assert "Awarded (1)" in page
    award = db.scalars(select(Award).where(Award.recipient_email == "ada@example.org")).one()
    assert f'href="/credentials/{award.id}"' in page

    again = post_form(client, awards_url, {"email": "ada@example.org", "name": "Ada"})
    assert again.status_code == 303
    assert "already has this award" in client.get(awards_url).text

    organization_id = awards_url.split("/")[2]
    revoke_url = f"/dashboard/{organization_id}/awards/{award.id}/revoke"
    token = csrf_from(client.get(awards_url))
    empty = client.post(revoke_url, data={"csrf_token": token, "reason": " "})
    assert "Not revoked: a revocation needs a reason" in empty.text
    done = client.post(revoke_url, data={"csrf_token": token, "reason": "issued in error"})
    assert "Revoked the award of Ada" in done.text
    db.refresh(award)
    assert award.state is AwardState.REVOKED
    assert award.revocation_reason == "issued in error"


def test_award_form_errors_next_to_fields(client: TestClient, awards_url: str) -> None:
    response = post_form(client, awards_url, {"email": "not-an-address", "name": " "})
    assert response.status_code == 422
    assert re.search(r'id="email-error">[^<]*is not an e-mail address', response.text)
    assert 'id="name-error"' in response.text
    assert "Awarded (0)" in response.text


def test_csv_upload_runs_as_a_job_with_row_errors(
    client: TestClient, awards_url: str, app: FastAPI, db: Session
) -> None:
    csv = "email,name\nlin@example.org,Lin Chen\nnot-an-email,Bad Row\nsam@example.org,Sam\n"
    token = csrf_from(client.get(awards_url))
    response = client.post(
        f"{awards_url}/bulk",
        data={"csrf_token": token, "skip_invalid": "yes"},
        files={"file": ("learners.csv", csv.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_url = response.headers["location"]
    job_id = job_url.rsplit("/", 1)[-1]
    assert app.state.bulk_jobs.get(job_id).finished.wait(60)

    page = client.get(job_url).text
    assert "CSV upload: done" in page
    assert "2 issued, 0 skipped (already issued), 1 invalid." in page
    assert re.search(r'<td class="number">3</td><td>email</td>', page)
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    issued = db.scalars(select(Award.recipient_email).order_by(Award.recipient_email)).all()
    assert {"lin@example.org", "sam@example.org"} <= set(issued)


def test_running_job_page_refreshes_itself(
    client: TestClient, awards_url: str, app: FastAPI
) -> None:
    organization_id = awards_url.split("/")[2]
    achievement_id = awards_url.split("/")[4]
    client.get(awards_url)
    jobs = app.state.bulk_jobs = BulkJobs(app.state.session_factory)
    job = jobs.create(organization_id=organization_id, achievement_id=achievement_id)
    job.state, job.rows_done, job.rows_total = "running", 40, 100
    page = client.get(f"/dashboard/{organization_id}/jobs/{job.id}").text
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "40 of 100 rows" in page


def test_other_organisations_award_pages_are_404(
    client: TestClient, awards_url: str, app: FastAPI, db: Session
) -> None:
    post_form(client, awards_url, {"email": "ada@example.org", "name": "Ada"})
    award = db.scalars(select(Award)).first()
    assert award is not None
    mallory = TestClient(app)
    sign_up(mallory, "mallory@example.org")
    other = create_organization(mallory, "Mallory Inc")
    assert mallory.get(awards_url).status_code == 404
    token = csrf_from(mallory.get("/dashboard"))
    for url, data in (
        (awards_url, {"email": "x@example.org", "name": "X"}),
        (f"/dashboard/{other}/awards/{award.id}/revoke", {"reason": "spite"}),
        (f"/dashboard/{awards_url.split('/')[2]}/awards/{award.id}/revoke", {"reason": "spite"}),
    ):
        response = mallory.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 404, url
    db.refresh(award)
    assert award.state is not AwardState.REVOKED


def test_a_viewer_sees_awards_but_cannot_award_or_revoke(
    client: TestClient, awards_url: str, app: FastAPI, db: Session, settings: Settings
) -> None:
    post_form(client, awards_url, {"email": "ada@example.org", "name": "Ada"})
    award = db.scalars(select(Award)).one()
    organization_id = awards_url.split("/")[2]
    viewer = TestClient(app)
    sign_up(viewer, "viewer@example.org", name="Vic Viewer")
    owner = db.scalars(select(User).where(User.email == "owner@example.org")).one()
    authz.set_member_role(
        db, ServiceContext.from_settings(settings), Principal(owner.id), organization_id,
        email="viewer@example.org", role=Role.VIEWER,
    )  # fmt: skip
    db.commit()

    page = viewer.get(awards_url)
    assert page.status_code == 200 and "Awarded (1)" in page.text
    assert "Award it to one person" not in page.text  # only buttons that work are offered
    assert "Your role lets you see the awards" in page.text
    refused = post_form(viewer, awards_url, {"email": "x@example.org", "name": "X"})
    assert refused.status_code == 403
    assert "awarder" in refused.text  # names the role needed
    token = csrf_from(viewer.get(awards_url))
    revoke = viewer.post(
        f"/dashboard/{organization_id}/awards/{award.id}/revoke",
        data={"csrf_token": token, "reason": "no"},
    )
    assert revoke.status_code == 403
    db.refresh(award)
    assert award.state is not AwardState.REVOKED
