"""The one e-mail address rule: real addresses pass, everything a header or a list hides fails."""

from __future__ import annotations

import pytest

from credstack.core.email_address import MAX_ADDRESS, MAX_LOCAL_PART, address_problem

VALID = [
    "ada@example.org",
    "Ada.Lovelace@Example.ORG",
    "grace.hopper+badges@mail.example.org",
    "o'brien@example.ie",
    "first_last-2026@uni.example",
    "x@b.c",  # one-letter labels are fine
    "user%relay@example.com",
    "!#$&*/=?^`{|}~@example.org",  # every atext symbol RFC 5322 allows
    "admin@xn--bcher-kva.example",  # an internationalised domain in its ASCII form
    "learner@sub.sub.northbridge-university.example",
    "a@b.test",  # syntax only: reserved names are not judged
    "a" * MAX_LOCAL_PART + "@example.org",
    "a@" + "b" * 63 + ".example",
    "a" * 7 + "@" + ".".join(["b" * 60] * 4) + ".io",  # 254 characters: the most allowed
]


@pytest.mark.parametrize("address", VALID)
def test_real_world_addresses_are_accepted(address: str) -> None:
    assert address_problem(address) is None


INVALID = [
    ("", "the e-mail address is empty"),
    ("broken", "'broken' is not an e-mail address"),
    ("ada@localhost", "the domain needs a dot, as in example.org"),
    ("a@b.example\r\nBcc: eve@evil.example", "'a@b.example\\r\\nBcc: eve@evil.example'"),
    ("a@b.example\r\nBcc: eve@evil.example", "a line break or another control character"),
    ("a@b.example\n", "control character"),
    ("a@b.exa\x00mple", "control character"),
    ("a\t@b.example", "control character"),
    ("a@b.example, c@d.example", "give one address, not a list"),
    ("a@b.example;c@d.example", "give one address, not a list"),
    ("Ada Lovelace <ada@example.org>", "without a name or angle brackets"),
    ("<ada@example.org>", "without a name or angle brackets"),
    ("ada @example.org", "it contains a blank"),
    ('"ada"@example.org', "a quoted part before the @ is not accepted"),
    ("josé@example.org", "ASCII addresses only"),
    ("用户@例子.广告", "ASCII addresses only"),
    ("ada@bücher.example", "xn-- form"),
    ("a@b@example.org", "more than one @"),
    ("@example.org", "nothing comes before the @"),
    ("ada.@example.org", "a dot may not start or end the part before the @"),
    (".ada@example.org", "a dot may not start or end"),
    ("ada..lovelace@example.org", "nor follow another dot"),
    ("ada(comment)@example.org", "'(' may not appear before the @"),
    ("ada@[127.0.0.1]", "not an IP address in brackets"),
    ("ada@127.0.0.1", "the domain ends in a number"),
    ("ada@-example.org", "'-example.org' is not a domain name"),
    ("ada@example-.org", "is not a domain name"),
    ("ada@example..org", "is not a domain name"),
    ("ada@example.org.", "is not a domain name"),
    ("ada@exa_mple.org", "is not a domain name"),
    ("ada@" + "b" * 64 + ".example", "is not a domain name"),
    ("a" * (MAX_LOCAL_PART + 1) + "@example.org", "the part before the @ is 65 characters"),
    ("a@" + "b" * 250 + ".org", f"the e-mail address is 256 characters; at most {MAX_ADDRESS}"),
]


@pytest.mark.parametrize(("address", "expected"), INVALID)
def test_invalid_addresses_are_refused_with_the_reason(address: str, expected: str) -> None:
    problem = address_problem(address)
    assert problem is not None
    assert expected in problem


def test_a_long_address_is_never_echoed_whole() -> None:
    problem = address_problem("x" * 5_000)
    assert problem == "the e-mail address is 5,000 characters; at most 254"
    problem = address_problem("a" * 200 + "\n@example.org")
    assert problem is not None and len(problem) < 200 and "…" in problem
