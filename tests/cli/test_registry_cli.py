"""``credstack registry``: DCC registries whose issuers then verify as "verified issuer".

The issuer is outside Credstack (a did:key with a real key); only the imported registry
vouches for it. Files and a loopback server stand in for the DCC's published registries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from issuer_trust_helpers import events_of, listed, sign_up_organization

from credstack.cli.unit_of_work import unit_of_work
from credstack.core.verify import verify
from credstack.services.verification.local import local_registry
from credstack.services.verification.verify import VerificationRequest, options_for
from loopback_site import LoopbackSite, loopback_site
from signing_issuer import Issuer

EXTERNAL = Issuer(21)
STRANGER = Issuer(22)


def registry_document(name: str = "Example University") -> dict[str, Any]:
    """The DCC registry format, with one good entry and two the import must skip."""
    return {
        "meta": {"created": "2022-10-27T17:57:31+00:00", "updated": "2025-03-25T18:29:52+00:00"},
        "registry": {
            EXTERNAL.did: {"name": name, "location": "Delft, NL", "url": "https://example.edu"},
            "not-a-did": {"name": "Nobody"},
            STRANGER.did: None,
        },
    }


def write(path: Path, document: object) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def trust_check() -> tuple[str, str]:
    """The issuer-trust check of EXTERNAL's credential, as this deployment verifies it."""
    data = json.dumps(EXTERNAL.sign(EXTERNAL.credential())).encode()
    with unit_of_work() as (session, ctx):
        request = VerificationRequest(inputs=[], registry=local_registry(session, ctx))
        report = verify(data, input_name="test", options=options_for(request, now=ctx.now()))
    check = report.check("issuer-trust")
    assert check is not None and report.verified
    return check.status.value, check.message


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with loopback_site() as running:
        yield running


def test_an_imported_registry_vouches_for_the_issuers_it_lists(
    cli_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert trust_check()[0] == "warn"
    source = write(tmp_path / "registry.json", registry_document())
    code, out, err = run(capsys, "registry", "import", source, "--name", "Test Registry", "--json")
    assert code == 0, err
    (row,) = map(json.loads, out.splitlines())
    assert row["name"] == "Test Registry" and row["entries"] == 1
    assert row["source"] == source and row["format"] == "dcc-legacy"
    assert row["published_at"] == "2025-03-25T18:29:52+00:00"
    assert row["skipped"] == [
        "not-a-did: the id is not a DID or an http(s) URL",
        f"{STRANGER.did}: the entry is not an object",
    ]
    assert trust_check() == (
        "pass",
        f"verified issuer Example University ({EXTERNAL.did}): listed in the registry "
        "Test Registry",
    )
    code, out, _ = run(capsys, "registry", "list", "--json")
    assert code == 0 and [json.loads(line)["name"] for line in out.splitlines()] == [
        "Test Registry"
    ]
    assert [e["entries"] for e in events_of("registry.imported")] == [1]


def test_importing_a_name_again_replaces_its_entries_and_remove_forgets_it(
    cli_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path / "community.json", registry_document())
    assert run(capsys, "registry", "import", first)[0] == 0
    renamed = write(tmp_path / "community.json", registry_document("Example University of Delft"))
    code, out, _ = run(capsys, "registry", "import", renamed)
    assert code == 0 and out.startswith("Imported community: 1 issuers from ")
    assert trust_check()[1].startswith("verified issuer Example University of Delft (")
    code, out, _ = run(capsys, "registry", "remove", "community", "--json")
    assert code == 0 and json.loads(out) == {"name": "community", "removed": True}
    assert trust_check()[0] == "warn"
    code, _, err = run(capsys, "registry", "remove", "community")
    assert code == 1 and "no registry named 'community'" in err


def test_a_list_of_registries_imports_each_registry_it_can_read(
    cli_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], site: LoopbackSite
) -> None:
    site.files["/community-registry/registry.json"] = json.dumps(registry_document()).encode()
    known = [
        {"type": "oidf", "fetchEndpoint": "https://registry.example/fetch?sub=", "name": "OIDF"},
        {
            "type": "dcc-legacy",
            "name": "DCC Community Registry",
            "url": f"{site.origin}/community-registry/registry.json",
        },
        {"type": "dcc-legacy", "name": "Gone", "url": f"{site.origin}/gone.json"},
    ]
    source = write(tmp_path / "known-did-registries.json", known)
    code, out, _ = run(capsys, "registry", "import", source, "--allow-http-loopback", "--json")
    assert code == 0
    rows = {row["name"]: row for row in map(json.loads, out.splitlines())}
    assert rows["DCC Community Registry"]["entries"] == 1
    assert "answers one DID at a time" in rows["OIDF"]["reason"]
    assert rows["Gone"]["imported"] is False and "404" in rows["Gone"]["reason"]
    assert trust_check()[1].endswith("listed in the registry DCC Community Registry")


def test_a_registry_url_is_fetched_under_the_fetch_rules(
    cli_home: Path, capsys: pytest.CaptureFixture[str], site: LoopbackSite
) -> None:
    site.files["/registry.json"] = json.dumps(registry_document()).encode()
    url = f"{site.origin}/registry.json"
    code, _, err = run(capsys, "registry", "import", url)
    assert code == 1 and "uses plain http; only https is allowed" in err
    assert site.requests == []
    code, out, _ = run(capsys, "registry", "import", url, "--allow-http-loopback", "--json")
    assert code == 0
    assert json.loads(out)["name"] == f"127.0.0.1:{site.server_address[1]}"


def test_a_file_that_is_no_registry_is_refused_as_input(
    cli_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "registry", "import", write(tmp_path / "x.json", {"a": 1}))
    assert code == 2 and "neither a DCC issuer registry" in err
    code, _, err = run(capsys, "registry", "import", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read the registry file" in err


def test_a_sign_up_copying_a_registry_issuer_is_flagged(
    cli_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "registry.json", registry_document())
    assert run(capsys, "registry", "import", source, "--name", "Test Registry")[0] == 0
    sign_up_organization("Example Universlty", "https://exarnple.edu", "a@b.example", "copy")
    assert listed(capsys)["copy"]["flagged"] == (
        "its name 'Example Universlty' resembles Example University (registry Test Registry)'s "
        "name 'Example University'"
    )
