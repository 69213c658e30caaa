"""The award rules every door shares: what passes cleaned, what fails with the field named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from credstack.core.award_request import (
    FIELDS,
    MAX_NARRATIVE,
    AwardInput,
    AwardRequest,
    check_award,
    require_award,
)
from credstack.core.errors import ValidationError
from credstack.core.user_urls import web_url_problem

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_good_award_comes_back_cleaned_and_typed() -> None:
    award = AwardInput(
        email=" Ada@Example.ORG ",
        name="  Ada \t Lovelace ",
        external_id=" S-1 ",
        evidence=" https://portfolio.example/ada ",
        narrative="  Built an engine.\nThen a program.  ",
        result="",
        issued="2026-03-01",
        expires="2027-03-01T09:00:00+01:00",
    )
    request, problems = check_award(award, now=NOW)
    assert problems == []
    assert request == AwardRequest(
        email="ada@example.org",
        name="Ada Lovelace",
        external_id="S-1",
        evidence="https://portfolio.example/ada",
        narrative="Built an engine.\nThen a program.",
        result=None,
        issued=datetime(2026, 3, 1, tzinfo=UTC),
        expires=datetime(2027, 3, 1, 8, 0, tzinfo=UTC),
    )


def test_datetimes_from_code_are_taken_as_they_are_and_naive_ones_as_utc() -> None:
    award = AwardInput(email="a@b.example", name="A", issued=datetime(2026, 4, 1))
    assert require_award(award, now=NOW).issued == datetime(2026, 4, 1, tzinfo=UTC)


BAD = [
    ("email", {"email": "ada@localhost"}, "the domain needs a dot"),
    ("email", {"email": "  "}, "the e-mail address is empty"),
    ("name", {"name": " \t "}, "the learner's name is empty"),
    ("name", {"name": "x" * 201}, "the name is 201 characters; at most 200"),
    ("name", {"name": "Ada\x00"}, "the name contains a control character"),
    ("external_id", {"external_id": "x" * 201}, "the external id is 201 characters; at most 200"),
    ("external_id", {"external_id": "S-1\r\nX"}, "the external id contains a control character"),
    (
        "evidence",
        {"evidence": "javascript:alert(1)"},
        "'javascript:alert(1)' is not an http(s) URL",
    ),
    ("evidence", {"evidence": "data:text/html,<b>hi</b>"}, "is not an http(s) URL"),
    ("evidence", {"evidence": "ftp://files.example/a"}, "is not an http(s) URL"),
    ("evidence", {"evidence": "https://"}, "is not an http(s) URL"),
    ("evidence", {"evidence": "https://a.example/x y"}, "it contains a blank"),
    ("evidence", {"evidence": "https://[broken/x"}, "is not an http(s) URL"),
    ("evidence", {"evidence": "https://a.example/" + "x" * 2100}, "at most 2,048"),
    (
        "narrative",
        {"narrative": "x" * 20_000},
        "the narrative is 20,000 characters; at most 10,000",
    ),
    ("narrative", {"narrative": "a\x00b"}, "the narrative contains a control character"),
    ("result", {"result": "x" * 501}, "the result is 501 characters; at most 500"),
    ("issued", {"issued": "yesterday"}, "'yesterday' is not an ISO 8601 date such as 2026-03-01"),
    ("expires", {"expires": "2026-04-01"}, "'2026-04-01' is not after now"),
    ("expires", {"issued": "2026-03-01", "expires": "2026-02-01"}, "is not after the issue date"),
]


@pytest.mark.parametrize(("field", "changes", "message"), BAD)
def test_each_rule_names_its_field(field: str, changes: dict[str, str], message: str) -> None:
    fields = {"email": "ada@example.org", "name": "Ada"} | changes
    request, problems = check_award(AwardInput(**fields), now=NOW)
    assert request is None
    assert [problem.field for problem in problems] == [field]
    assert message in problems[0].message
    assert str(problems[0]) == f"{field}: {problems[0].message}"


def test_a_narrative_keeps_its_line_breaks_and_may_be_as_long_as_the_limit() -> None:
    text = "line one\r\n\tline two " + "x" * (MAX_NARRATIVE - 20)
    award = AwardInput(email="a@b.example", name="A", narrative=text)
    assert require_award(award, now=NOW).narrative == text.strip()


def test_every_problem_is_reported_at_once_and_raised_with_the_fields_named() -> None:
    award = AwardInput(email="a@b.example, c@d.example", name="", evidence="javascript:x")
    with pytest.raises(ValidationError) as raised:
        require_award(award, now=NOW)
    assert raised.value.problems == [
        "email: 'a@b.example, c@d.example' is not an e-mail address: give one address, not a list",
        "name: the learner's name is empty",
        "evidence: 'javascript:x' is not an http(s) URL",
    ]
    assert raised.value.message.startswith("the award is not valid: email: ")


def test_the_fields_are_the_csv_columns_in_order() -> None:
    assert FIELDS == (
        "email", "name", "external_id", "evidence", "narrative", "result", "issued", "expires",
    )  # fmt: skip


def test_web_urls_accept_http_and_https_only() -> None:
    assert web_url_problem("https://portfolio.example/ada?x=1#top") is None
    assert web_url_problem("HTTP://Portfolio.Example") is None
    assert web_url_problem("vbscript:msgbox") == "'vbscript:msgbox' is not an http(s) URL"
