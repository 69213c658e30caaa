"""The lookalike rule: folded names within one edit per ten characters, shared domains."""

from __future__ import annotations

import pytest

from credstack.core.lookalikes import (
    KnownIssuer,
    fold_name,
    names_resemble,
    registrable_domain,
    resemblance,
)

NORTHBRIDGE = KnownIssuer("verified issuer nb", "Northbridge University", "https://nbu.example")


@pytest.mark.parametrize(
    ("name", "resembles"),
    [
        ("Northbridge University", True),
        ("NORTH-BRIDGE  university", True),
        ("Northbridge Universlty", True),
        ("N0rthbr1dge University", True),
        ("N\u043erthbridge University", True),  # a Cyrillic o
        ("Southbridge University", True),  # two edits in 21 letters
        ("Northbridge College", False),
        ("University of Rotterdam", False),
    ],
)
def test_names(name: str, resembles: bool) -> None:
    assert names_resemble(name, NORTHBRIDGE.name) is resembles


def test_short_names_must_match_exactly() -> None:
    assert not names_resemble("ABC", "ABD")
    assert names_resemble("A.B.C.", "abc")
    assert fold_name("Ünïversity  of   Delft.") == "universityofdelft"


@pytest.mark.parametrize(
    ("given", "domain"),
    [
        ("https://www.ox.ac.uk/admissions", "ox.ac.uk"),
        ("https://someone.github.io/registry", "someone.github.io"),
        ("http://127.0.0.1:8000/", "127.0.0.1"),
        ("mail.northbridge.example", "northbridge.example"),
    ],
)
def test_registrable_domains_follow_the_public_suffix_list(given: str, domain: str) -> None:
    assert registrable_domain(given) == domain


def test_a_website_on_the_same_or_a_lookalike_domain_is_a_resemblance() -> None:
    same = resemblance("Other", "https://apply.nbu.example/x", None, NORTHBRIDGE)
    assert same == "its website nbu.example is verified issuer nb's website domain nbu.example"
    typo = resemblance("Other", None, "info@nbu-example.example", NORTHBRIDGE)
    assert typo is None  # 'nbu-example' is not within one edit of 'nbu'
    close = KnownIssuer("x", "Delft Works", "https://northbridge-university.example")
    assert resemblance("Other", "https://northbridge-universlty.example", None, close) == (
        "its website northbridge-universlty.example resembles x's website domain "
        "northbridge-university.example"
    )
    assert resemblance("Guild", "https://guild.example", None, NORTHBRIDGE) is None
