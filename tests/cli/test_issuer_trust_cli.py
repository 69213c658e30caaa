"""``credstack issuer verify|unverify`` and the trust fields of ``issuer list``.

The operator's issuers are verified; a sign-up that copies one is flagged and stays
unverified until the operator names it; ``verify --all`` is the upgrade step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run
from issuer_trust_helpers import events_of, listed, sign_up_organization

OPERATOR = "verified by this Credstack's operator"
CREATE = [
    *("issuer", "create", "--name", "Northbridge University", "--type", "university"),
    *("--url", "https://northbridge-university.example", "--country", "NL"),
    *("--email", "info@northbridge-university.example", "--slug", "northbridge"),
]


def test_the_operators_issuer_is_verified_and_a_copy_by_sign_up_is_flagged(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    sign_up_organization(
        "Northbridge University",
        "https://northbridge-university.example",
        "info@northbridge-university.example",
        "northbridge-uni",
    )
    rows = listed(capsys)
    assert rows["northbridge"]["verified"] is True
    assert rows["northbridge"]["verified_by"] == [OPERATOR]
    assert rows["northbridge"]["flagged"] is None
    copy = rows["northbridge-uni"]
    assert copy["verified"] is False and copy["verified_by"] == []
    assert "resembles verified issuer northbridge's name" in copy["flagged"]
    assert [e["slug"] for e in events_of("issuer.flagged")] == ["northbridge-uni"]
    _, text, _ = run(capsys, "issuer", "list")
    assert "[flagged: its name 'Northbridge University' resembles" in text
    assert "[verified (verified by this Credstack's operator)]" in text


def test_a_lookalike_domain_alone_is_flagged_too(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    sign_up_organization(
        "NB Academy", "https://www.northbridge-university.example/apply", "a@b.example", "nb"
    )
    reason = listed(capsys)["nb"]["flagged"]
    assert reason == (
        "its website northbridge-university.example is verified issuer northbridge's "
        "website domain northbridge-university.example"
    )


def test_an_unrelated_sign_up_is_neither_verified_nor_flagged(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    sign_up_organization("Open Data Guild", "https://guild.example", "hi@guild.example", "guild")
    row = listed(capsys)["guild"]
    assert (row["verified"], row["verified_by"], row["flagged"]) == (False, [], None)


def test_verify_all_leaves_flagged_issuers_held_and_verify_slug_lifts_the_hold(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    sign_up_organization("Northbridge Universty", "https://nbu.example", "x@nbu.example", "nbu")
    sign_up_organization("Open Data Guild", "https://guild.example", "hi@guild.example", "guild")
    code, out, _ = run(capsys, "issuer", "verify", "--all", "--json")
    assert code == 0
    results = {row["slug"]: row for row in map(json.loads, out.splitlines())}
    assert set(results) == {"guild", "nbu"}
    assert results["guild"]["verified"] is True
    assert results["nbu"]["verified"] is False and results["nbu"]["flagged"]
    code, out, _ = run(capsys, "issuer", "verify", "nbu", "--json")
    assert code == 0
    assert json.loads(out) == {
        "slug": "nbu",
        "verified": True,
        "verified_by": [OPERATOR],
        "flagged": None,
    }
    lifted = [e for e in events_of("issuer.verified") if e["slug"] == "nbu"]
    assert lifted and "resembles" in lifted[0]["lifted_flag"]
    code, out, _ = run(capsys, "issuer", "verify", "--all")
    assert code == 0
    assert out.strip() == "Every issuer is already verified by the operator."


def test_unverify_holds_the_issuer_until_it_is_named_again(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    code, out, _ = run(capsys, "issuer", "unverify", "northbridge", "--json")
    assert code == 0
    row = json.loads(out)
    assert row["verified"] is False and row["verified_by"] == []
    assert row["flagged"].startswith("unverified by the operator on ")
    assert run(capsys, "issuer", "verify", "--all", "--json")[1].count('"verified": false') == 1
    code, _, err = run(capsys, "issuer", "unverify", "northbridge")
    assert code == 1 and "already held for review" in err
    assert run(capsys, "issuer", "verify", "northbridge")[0] == 0
    assert listed(capsys)["northbridge"]["verified"] is True
    assert [e["slug"] for e in events_of("issuer.unverified")] == ["northbridge"]


def test_verify_needs_exactly_one_of_slug_and_all(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "issuer", "verify")[0] == 2
    assert run(capsys, *CREATE)[0] == 0
    assert run(capsys, "issuer", "verify", "northbridge", "--all")[0] == 2
    code, _, err = run(capsys, "issuer", "verify", "nobody")
    assert code == 1 and "no issuer with slug 'nobody'" in err
