"""``credstack achievement``: create → publish → update → list → show, --json shapes, refusals.

Each test gets its own initialised database (SQLite in a temporary home, or a fresh
PostgreSQL schema) because CLI commands really commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_runner import run

from credstack.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5ad71540000000049454e44ae426082"
)
ISSUER = [
    *("issuer", "create", "--name", "Example University", "--type", "university"),
    *("--url", "https://www.example-university.eu", "--country", "NL", "--slug", "exu"),
]


@pytest.fixture
def cli_home(cli_home: Path) -> Path:
    """The shared initialised home, with the issuer the tests award under."""
    assert main(ISSUER) == 0
    return cli_home


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_definition(folder: Path, **changes: Any) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for field, value in changes.items():
        if value is None:
            data.pop(field, None)
        else:
            data[field] = value
    path = folder / "definition.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_round_trip_create_publish_update_list_show(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "achievement", "create", "--issuer", "exu", "--file", str(EXAMPLE), "--json"
    )
    assert code == 0
    created = json.loads(out)
    assert set(created) == {"id", "url", "state"}
    assert created["state"] == "draft"
    assert created["url"] == f"http://127.0.0.1:8000/achievements/{created['id']}"

    code, out, _ = run(capsys, "achievement", "publish", created["id"], "--json")
    assert code == 0
    assert json.loads(out) == {**created, "state": "published"}

    changed = write_definition(tmp_path, name="Data Analysis with Python, 2nd edition")
    code, out, _ = run(
        capsys, "achievement", "update", created["id"], "--file", str(changed), "--json"
    )
    assert code == 0
    version_two = json.loads(out)
    assert version_two["id"] != created["id"]
    assert version_two["state"] == "draft"

    code, out, _ = run(capsys, "achievement", "list", "--issuer", "exu", "--json")
    assert code == 0
    assert json_lines(out) == [
        {
            "id": created["id"],
            "name": "Data Analysis with Python",
            "version": 1,
            "state": "published",
            "url": created["url"],
        },
        {
            "id": version_two["id"],
            "name": "Data Analysis with Python, 2nd edition",
            "version": 2,
            "state": "draft",
            "url": version_two["url"],
        },
    ]

    code, out, _ = run(capsys, "achievement", "archive", created["id"], "--json")
    assert (code, json.loads(out)) == (0, {**created, "state": "archived"})
    code, _, err = run(capsys, "achievement", "archive", created["id"])
    assert code == 1
    assert err.strip() == f"error: achievement {created['id']} is already archived"

    code, out, _ = run(capsys, "achievement", "show", created["id"])
    assert code == 0
    shown = json.loads(out)
    assert shown["achievement"]["id"] == created["url"]
    assert shown["achievement"]["creditsAvailable"] == 5
    assert shown["definition"]["ects_credits"] == 5
    assert (shown["lineage_id"], shown["version"]) == (created["id"], 1)


def test_publish_refusal_lists_each_missing_element_on_its_own_line(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    gappy = write_definition(tmp_path, ects_credits=None, workload_hours=None, assessment=None)
    code, out, _ = run(
        capsys, "achievement", "create", "--issuer", "exu", "--file", str(gappy), "--json"
    )
    assert code == 0
    draft = json.loads(out)["id"]

    code, out, err = run(capsys, "achievement", "publish", draft)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == (
        "error: cannot publish 'Data Analysis with Python' as an EU micro-credential: "
        "2 mandatory elements are missing"
    )
    assert lines[1].startswith("  - notional workload")
    assert lines[2].startswith("  - type of assessment")
    assert len(lines) == 3

    code, out, _ = run(capsys, "achievement", "publish", draft, "--json")
    assert code == 1
    refusal = json.loads(out)
    assert set(refusal) == {"error", "problems"}
    assert [problem.split(":")[0] for problem in refusal["problems"]] == [
        "notional workload",
        "type of assessment",
    ]
    code, out, _ = run(capsys, "achievement", "list", "--json")
    assert [row["state"] for row in json_lines(out)] == ["draft"]


def test_create_with_publish_is_all_or_nothing(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    gappy = write_definition(tmp_path, eqf_level=None, qf_ehea_cycle=None)
    code, _, err = run(
        capsys, "achievement", "create", "--issuer", "exu", "--file", str(gappy), "--publish"
    )
    assert code == 1
    assert "  - level: give eqf_level" in err
    code, out, _ = run(capsys, "achievement", "list", "--json")
    assert (code, out) == (0, "")
    code, out, _ = run(
        capsys, "achievement", "create", "--issuer", "exu", "--file", str(EXAMPLE), "--publish"
    )
    assert code == 0
    assert "(published)" in out


def test_images_from_option_from_the_file_or_generated(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.achievements.lifecycle import get

    (tmp_path / "badge.png").write_bytes(PNG_1X1)
    local = write_definition(tmp_path, image="badge.png")
    no_image = tmp_path / "plain.yaml"
    no_image.write_text(
        yaml.safe_dump({"name": "Plain badge", "description": "No image given."}), encoding="utf-8"
    )
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    ids = []
    for args in (
        ["--file", str(local)],
        ["--file", str(no_image)],
        ["--file", str(no_image), "--image", str(svg)],
    ):
        code, out, _ = run(capsys, "achievement", "create", "--issuer", "exu", *args, "--json")
        assert code == 0
        ids.append(json.loads(out)["id"])
    with unit_of_work() as (session, _ctx):
        stored = [(get(session, i).image, get(session, i).image_mime) for i in ids]
    assert stored[0] == (PNG_1X1, "image/png")
    assert stored[1][1] == "image/png"
    assert (stored[1][0] or b"").startswith(b"\x89PNG") and stored[1][0] != PNG_1X1
    assert stored[2] == (svg.read_bytes(), "image/svg+xml")

    missing = write_definition(tmp_path, image="nowhere.png")
    code, _, err = run(capsys, "achievement", "create", "--issuer", "exu", "--file", str(missing))
    assert code == 2
    assert "'nowhere.png' is not a file" in err


def test_bad_definitions_and_unknown_names(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write_definition(tmp_path, eqf_level=12, colour="blue")
    code, _, err = run(capsys, "achievement", "create", "--issuer", "exu", "--file", str(bad))
    assert code == 1
    problem_lines = [line for line in err.splitlines() if line.startswith("  - ")]
    assert len(problem_lines) == 2
    assert any(line.startswith("  - colour: unknown field") for line in problem_lines)
    assert any(line.startswith("  - eqf_level") for line in problem_lines)

    code, _, err = run(
        capsys, "achievement", "create", "--issuer", "nobody", "--file", str(EXAMPLE)
    )
    assert code == 1
    assert err.strip() == "error: no issuer with slug 'nobody' (see 'credstack issuer list')"
    code, _, err = run(capsys, "achievement", "publish", "no-such-id")
    assert code == 1
    assert "no achievement with id 'no-such-id'" in err
    not_text = tmp_path / "binary.yaml"
    not_text.write_bytes(b"\xff\xfe\x00name")
    code, _, err = run(capsys, "achievement", "create", "--issuer", "exu", "--file", str(not_text))
    assert code == 2
    assert "is not UTF-8 text" in err
