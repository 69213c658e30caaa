"""The one award listing: the CLI streams it, the API pages it, the web pages it newest first.

Every door gets the same awards for the same filters, and the same refusals: another
organisation's awards or achievements answer like ids that do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml
from auth_fixtures import add, ctx, organization, person
from award_fixtures import EXAMPLE
from sqlalchemy.orm import Session

from credstack.core.errors import NotFoundError, PermissionDeniedError
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuing.awards import issue_award
from credstack.services.issuing.listing import AwardFilters, list_awards, list_recipients
from credstack.services.paging import Window
from credstack.services.revocation.revoke import revoke
from credstack.store.models import AwardState, Role

__all__ = ["ctx"]


@dataclass(frozen=True)
class Awarded:
    organization_id: str
    first_version: str
    second_version: str
    #: award ids in the order they were issued
    award_ids: list[str]
    owner: Principal
    viewer: Principal
    outsider: Principal


@pytest.fixture
def awarded(db: Session, ctx: ServiceContext) -> Awarded:
    """Five awards over two versions of one achievement; the second award is revoked."""
    owner_user = person(db, ctx, "owner")
    viewer_user = person(db, ctx, "viewer")
    org = organization(db, ctx, owner_user, "acme")
    add(db, ctx, org, owner_user, viewer_user, Role.VIEWER)
    owner = Principal(user_id=owner_user.id)
    text = EXAMPLE.read_text(encoding="utf-8")
    first = achievements.create_achievement(
        db, ctx, organization_id=org.id, definition=text, principal=owner
    )
    achievements.publish(db, ctx, first.id, principal=owner)
    edited = yaml.safe_load(text) | {"name": "Data Analysis, second edition"}
    second = achievements.update(db, ctx, first.id, yaml.safe_dump(edited), principal=owner)
    achievements.publish(db, ctx, second.id, principal=owner)
    award_ids = []
    for number, version in enumerate([first.id, first.id, second.id, second.id, first.id]):
        outcome = issue_award(
            db, ctx, achievement_id=version, email=f"Learner{number}@Example.org",
            name=f"Learner {number}", principal=owner,
        )  # fmt: skip
        award_ids.append(outcome.award.id)
    revoke(db, ctx, award_ids[1], "issued in error", principal=owner)
    outsider = person(db, ctx, "outsider")
    organization(db, ctx, outsider, "elsewhere")
    return Awarded(
        org.id, first.id, second.id, award_ids, owner, Principal(user_id=viewer_user.id),
        Principal(user_id=outsider.id),
    )  # fmt: skip


def test_streamed_paged_and_counted_the_list_is_the_same_oldest_first(
    db: Session, awarded: Awarded
) -> None:
    listing = list_awards(
        db, AwardFilters(organization_id=awarded.organization_id), principal=awarded.viewer
    )
    assert [summary.id for summary in listing.stream()] == awarded.award_ids
    first, rest = listing.page(Window(0, 3)), listing.page(Window(3, 3))
    assert [s.id for s in first.items + rest.items] == awarded.award_ids
    assert (first.more, rest.more) == (True, False)
    assert listing.count() == 5


def test_newest_first_reverses_the_order_and_an_achievement_means_its_whole_lineage(
    db: Session, awarded: Awarded
) -> None:
    filters = AwardFilters(achievement_id=awarded.second_version, newest_first=True)
    listing = list_awards(db, filters, principal=awarded.owner)
    assert [summary.id for summary in listing.stream()] == awarded.award_ids[::-1]
    assert listing.count() == 5


def test_state_and_email_narrow_the_list(db: Session, awarded: Awarded) -> None:
    org = awarded.organization_id
    revoked = list_awards(
        db, AwardFilters(organization_id=org, state=AwardState.REVOKED), principal=awarded.owner
    )
    assert [(s.id, s.revocation_reason) for s in revoked.stream()] == [
        (awarded.award_ids[1], "issued in error")
    ]
    by_email = list_awards(
        db,
        AwardFilters(organization_id=org, email=" LEARNER3@example.ORG "),
        principal=awarded.owner,
    )
    assert [(s.id, s.recipient_email) for s in by_email.stream()] == [
        (awarded.award_ids[3], "learner3@example.org")
    ]


def test_another_organisation_sees_nothing_and_only_the_operator_lists_everything(
    db: Session, awarded: Awarded
) -> None:
    with pytest.raises(NotFoundError):
        list_awards(
            db, AwardFilters(organization_id=awarded.organization_id), principal=awarded.outsider
        )
    with pytest.raises(NotFoundError) as theirs:
        list_awards(
            db, AwardFilters(achievement_id=awarded.first_version), principal=awarded.outsider
        )
    with pytest.raises(NotFoundError) as unknown:
        list_awards(db, AwardFilters(achievement_id="no-such-id"), principal=awarded.outsider)
    assert str(theirs.value).replace(awarded.first_version, "X") == str(unknown.value).replace(
        "no-such-id", "X"
    )
    with pytest.raises(PermissionDeniedError, match="name the organisation"):
        list_awards(db, AwardFilters(), principal=awarded.owner)
    everything = list_awards(db, AwardFilters(), principal=Principal.operator())
    assert [summary.id for summary in everything.stream()] == awarded.award_ids


def test_recipients_are_one_row_per_address_for_members_only(db: Session, awarded: Awarded) -> None:
    page = list_recipients(db, awarded.organization_id, Window(0, 2), principal=awarded.viewer)
    assert [(r.email, r.awards) for r in page.items] == [
        ("learner0@example.org", 1),
        ("learner1@example.org", 1),
    ]
    assert page.more
    with pytest.raises(NotFoundError):
        list_recipients(db, awarded.organization_id, Window(), principal=awarded.outsider)
