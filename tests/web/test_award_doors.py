"""The same bad award is refused with the same message at every door, with the field named.

The doors are the real ones, on one committed database (SQLite, and PostgreSQL when
configured): ``credstack award create`` (the field named by its option), ``award bulk``
with a CSV file (by line and column), ``POST /api/v1/awards`` with an API token (in
``problems``) and the award form of the web pages (the message under the field). Nothing
is issued by any of them. E-mail addresses that would add a header to the claim message
(a CR LF and a ``Bcc:``) or mail several people (a list) are refused the same way, and at
the other doors that take an address: sign-up, an organisation's contact e-mail, an
issuer made on the command line and an award correction.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from web_client import create_organization, post_form, sign_up

from credstack.app import create_app
from credstack.cli.main import main
from credstack.services.accounts import tokens
from credstack.services.accounts.users import Principal, user_by_email
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.settings import load_settings
from credstack.store.models import Award, Organization, User
from fresh_home import fresh_home

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
GOOD = {"email": "ada@example.org", "name": "Ada Lovelace"}
CRLF_BCC = "ada@example.org\r\nBcc: eve@evil.example"
ADDRESS_LIST = "a@b.example, c@d.example"

#: (field, what is changed in a good award, the one message every door shows)
BAD_AWARDS = [
    pytest.param(
        "evidence",
        {"evidence": "javascript:alert(1)"},
        "'javascript:alert(1)' is not an http(s) URL",
        id="javascript-evidence",
    ),
    pytest.param(
        "email",
        {"email": "ada@localhost"},
        "'ada@localhost' is not an e-mail address: the domain needs a dot, as in example.org",
        id="no-dot-in-domain",
    ),
    pytest.param(
        "narrative",
        {"narrative": "n" * 20_000},
        "the narrative is 20,000 characters; at most 10,000",
        id="oversize-narrative",
    ),
    pytest.param("name", {"name": ""}, "the learner's name is empty", id="empty-name"),
    pytest.param(
        "email",
        {"email": CRLF_BCC},
        "'ada@example.org\\r\\nBcc: eve@evil.example' is not an e-mail address: it contains a "
        "line break or another control character",
        id="crlf-bcc-address",
    ),
    pytest.param(
        "email",
        {"email": ADDRESS_LIST},
        "'a@b.example, c@d.example' is not an e-mail address: give one address, not a list",
        id="address-list",
    ),
]
BAD_ADDRESSES = [
    pytest.param(CRLF_BCC, "line break or another control character", id="crlf-bcc-address"),
    pytest.param(ADDRESS_LIST, "give one address, not a list", id="address-list"),
]


@dataclass
class Doors:
    """One deployment: the CLI's database, and the app serving the same database."""

    engine: Engine
    achievement_id: str
    award_id: str
    awards_url: str
    web: TestClient
    api: TestClient

    def awards(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(Award)) or 0


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def doors(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Doors]:
    """``credstack init``, then an owner, an organisation and a published achievement."""
    home = tmp_path_factory.mktemp("doors") / "home"
    with pytest.MonkeyPatch.context() as env, fresh_home(request, env, home, "doors"):
        assert main(["init"]) == 0
        settings = load_settings()
        app = create_app(settings)
        web = TestClient(app)
        sign_up(web, "owner@example.org")
        organization_id = create_organization(web, "Door College")
        engine = app.state.engine
        ctx = ServiceContext.from_settings(settings, actor="test")
        with Session(engine) as session:
            owner = user_by_email(session, "owner@example.org")
            assert isinstance(owner, User)
            organization = session.get(Organization, organization_id)
            assert organization is not None
            achievement = achievements.create_achievement(
                session, ctx, issuer_slug=organization.slug,
                definition=EXAMPLE.read_text(encoding="utf-8"),
            )  # fmt: skip
            achievements.publish(session, ctx, achievement.id)
            token = tokens.create_token(
                session, ctx, Principal(owner.id), organization_id, name="doors", scopes=["award"]
            )
            session.commit()
            achievement_id, secret = achievement.id, token.secret
        api = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
        issued = api.post("/api/v1/awards", json={"achievement_id": achievement_id, **GOOD})
        assert issued.status_code == 201, issued.text
        yield Doors(
            engine=engine,
            achievement_id=achievement_id,
            award_id=issued.json()["id"],
            awards_url=f"/dashboard/{organization_id}/achievements/{achievement_id}/awards",
            web=web,
            api=api,
        )
        engine.dispose()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and stderr of ``credstack ARGS``, run in this process."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


def error_under(page: str, field: str) -> str:
    """The text of the error shown under a form field (empty when there is none)."""
    match = re.search(rf'id="{field}-error">(.*?)</p>', page, re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


def _options(award: dict[str, str]) -> list[str]:
    """``--external-id S-1 --email …``: the fields as command-line options."""
    return [part for name, value in award.items() for part in (option(name), value)]


def option(field: str) -> str:
    return "--" + field.replace("_", "-")


@pytest.mark.parametrize(("field", "change", "message"), BAD_AWARDS)
def test_the_command_line_refuses_it_naming_the_option(
    doors: Doors,
    capsys: pytest.CaptureFixture[str],
    field: str,
    change: dict[str, str],
    message: str,
) -> None:
    before = doors.awards()
    code, err = cli(
        capsys, "award", "create", "--achievement", doors.achievement_id, *_options(GOOD | change)
    )
    assert code == 2
    assert f"{option(field)}: {message}" in err
    assert doors.awards() == before


@pytest.mark.parametrize(("field", "change", "message"), BAD_AWARDS)
def test_a_csv_row_is_refused_naming_line_and_column(
    doors: Doors,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    field: str,
    change: dict[str, str],
    message: str,
) -> None:
    award = GOOD | change
    columns = list(award)
    cells = ['"' + award[name].replace('"', '""') + '"' for name in columns]
    csv_file = tmp_path / "awards.csv"
    csv_file.write_bytes((",".join(columns) + "\r\n" + ",".join(cells) + "\r\n").encode())
    before = doors.awards()
    code, err = cli(capsys, "award", "bulk", "--achievement", doors.achievement_id, str(csv_file))
    assert code == 1
    assert f"line 2, column {field}: {message}" in err
    assert doors.awards() == before


@pytest.mark.parametrize(("field", "change", "message"), BAD_AWARDS)
def test_the_api_refuses_it_with_the_field_in_problems(
    doors: Doors, field: str, change: dict[str, str], message: str
) -> None:
    before = doors.awards()
    body = {"achievement_id": doors.achievement_id, **GOOD, **change}
    response = doors.api.post("/api/v1/awards", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["problems"] == [f"{field}: {message}"]
    assert doors.awards() == before


@pytest.mark.parametrize(("field", "change", "message"), BAD_AWARDS)
def test_the_web_form_shows_it_under_the_field(
    doors: Doors, field: str, change: dict[str, str], message: str
) -> None:
    before = doors.awards()
    response = post_form(doors.web, doors.awards_url, GOOD | change)
    assert response.status_code == 422
    assert error_under(response.text, field) == message
    assert doors.awards() == before


@pytest.mark.parametrize(("address", "reason"), BAD_ADDRESSES)
def test_other_doors_that_take_an_address_refuse_it_too(
    doors: Doors, capsys: pytest.CaptureFixture[str], address: str, reason: str
) -> None:
    anonymous = TestClient(doors.web.app)
    signed_up = post_form(
        anonymous, "/sign-up", {"name": "Eve", "email": address, "password": "x" * 12}
    )
    assert signed_up.status_code == 422
    assert reason in error_under(signed_up.text, "email")

    organisation = post_form(
        doors.web, "/organizations/new",
        {"name": "Eve Academy", "type": "university", "url": "https://eve.example",
         "country": "NL", "email": address},
    )  # fmt: skip
    assert organisation.status_code == 422
    assert reason in error_under(organisation.text, "email")

    issuer = ["issuer", "create", "--name", "Eve", "--type", "other", "--url", "https://e.example"]
    code, err = cli(capsys, *issuer, "--country", "NL", "--email", address)
    assert code == 1
    assert "email: " in err and reason in err

    before = doors.awards()
    code, err = cli(capsys, "award", "correct", doors.award_id, "--email", address)
    assert code == 1
    assert "email: " in err and reason in err
    assert doors.awards() == before


def test_a_good_award_with_every_field_passes_every_door(
    doors: Doors, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    full = GOOD | {
        "evidence": "https://portfolio.example/ada",
        "narrative": "Built an analytical engine.",
        "result": "Distinction",
    }
    dated = {"issued": "2026-03-01", "expires": "2030-03-01T00:00:00Z"}
    before = doors.awards()

    code, err = cli(
        capsys, "award", "create", "--achievement", doors.achievement_id,
        *_options(full | dated | {"external_id": "cli"}),
    )  # fmt: skip
    assert code == 0, err

    columns = [*full, *dated, "external_id"]
    row = [*full.values(), *dated.values(), "csv"]
    csv_file = tmp_path / "good.csv"
    csv_file.write_text(",".join(columns) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    code, err = cli(capsys, "award", "bulk", "--achievement", doors.achievement_id, str(csv_file))
    assert code == 0, err

    body = {"achievement_id": doors.achievement_id, **full, **dated, "external_id": "api"}
    created = doors.api.post("/api/v1/awards", json=body)
    assert created.status_code == 201, created.text
    award = doors.api.get(f"/api/v1/awards/{created.json()['id']}").json()
    assert award["valid_until"].startswith("2030-03-01T00:00:00")

    response = post_form(doors.web, doors.awards_url, full | {"external_id": "web"})
    assert response.status_code == 303, response.text
    assert doors.awards() == before + 4
