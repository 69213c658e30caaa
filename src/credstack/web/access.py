"""Who asks for a page: the signed-in person, and "a member of this organisation allowed to X".

Page routes declare what they need as typed dependencies instead of checking by hand:

- :data:`SignedInPerson`: the signed-in :class:`SignedIn` person (user, principal, service
  context acting as ``user:<id>``). Nobody signed in raises ``AuthenticationError``, which
  the error handlers turn into a redirect to ``/sign-in?next=<this page>``.
- :data:`MayView`, :data:`MayAward`, :data:`MayRevoke`, :data:`MayEditAchievements`: an
  :class:`OrgMember` of the organisation in the path's ``{organization_id}`` whose role
  allows that action (``services.accounts.authz``). Someone who is not a member gets the
  404 of an organisation that does not exist; a member whose role is too low a 403.
- :data:`AchievementToView`, :data:`AchievementToEdit`, :data:`AchievementToAward` and
  :data:`AwardToRevoke`: the ``{achievement_id}`` / ``{award_id}`` of that organisation,
  looked up only once membership is settled, so an outsider cannot learn which ids exist.

The errors are raised, never caught here: ``credstack.app`` answers them in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from starlette.routing import Match

from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle
from credstack.services.context import ServiceContext
from credstack.services.issuing import listing
from credstack.store.models import Achievement, Award, Organization, Role, User
from credstack.web.negotiation import is_api_path
from credstack.web.rendering import redirect
from credstack.web.sessions import CurrentUser, WebDb

SIGN_IN_PATH = "/sign-in"


def page_context(request: Request, actor: str) -> ServiceContext:
    """The service context of a page request, acting as ``actor`` for the audit log."""
    return ServiceContext.from_settings(request.app.state.settings, actor=actor)


def context_for(request: Request, user: User | None) -> ServiceContext:
    """Acting as the signed-in ``user`` (``user:<id>``), or as ``web`` for a visitor."""
    return page_context(request, f"user:{user.id}" if user is not None else "web")


@dataclass(frozen=True)
class SignedIn:
    """A signed-in person acting through the pages."""

    user: User
    principal: Principal
    ctx: ServiceContext


@dataclass(frozen=True)
class OrgMember(SignedIn):
    """A signed-in member of ``organization`` with ``role``, already allowed the route's action."""

    organization: Organization
    role: Role

    def allows(self, action: Action) -> bool:
        """Whether the role also allows ``action`` (to offer only the buttons that work)."""
        return authz.ROLE_RANK[self.role] >= authz.ROLE_RANK[authz.MINIMUM_ROLE[action]]


def signed_in(request: Request, user: CurrentUser) -> SignedIn:
    return SignedIn(user, Principal(user_id=user.id), context_for(request, user))


SignedInPerson = Annotated[SignedIn, Depends(signed_in)]


@functools.cache
def member_allowed(action: Action) -> Callable[..., OrgMember]:
    """The dependency "member of ``{organization_id}`` allowed ``action``" (one per action).

    Cached so that every alias and sub-dependency of one action is the same callable,
    which FastAPI then resolves once per request.
    """

    def dependency(organization_id: str, person: SignedInPerson, db: WebDb) -> OrgMember:
        organization, role = authz.organization_and_role(
            db, person.principal, organization_id, action
        )
        return OrgMember(person.user, person.principal, person.ctx, organization, role)

    return dependency


@functools.cache
def achievement_allowed(action: Action) -> Callable[..., Achievement]:
    """The dependency "``{achievement_id}`` of an organisation where ``action`` is allowed"."""

    # the default, not an annotation: annotations are strings here, read in module globals
    def dependency(
        achievement_id: str, db: WebDb, member: OrgMember = Depends(member_allowed(action))
    ) -> Achievement:
        return lifecycle.of_organization(db, member.organization.id, achievement_id)

    return dependency


@functools.cache
def award_allowed(action: Action) -> Callable[..., Award]:
    """The dependency "``{award_id}`` of an organisation where ``action`` is allowed"."""

    def dependency(
        award_id: str, db: WebDb, member: OrgMember = Depends(member_allowed(action))
    ) -> Award:
        return listing.award_of(db, member.organization.id, award_id)

    return dependency


MayView = Annotated[OrgMember, Depends(member_allowed(Action.VIEW))]
MayAward = Annotated[OrgMember, Depends(member_allowed(Action.AWARD))]
MayRevoke = Annotated[OrgMember, Depends(member_allowed(Action.REVOKE))]
MayEditAchievements = Annotated[OrgMember, Depends(member_allowed(Action.EDIT_ACHIEVEMENTS))]
MayEditOrganization = Annotated[OrgMember, Depends(member_allowed(Action.EDIT_ORGANIZATION))]
AchievementToView = Annotated[Achievement, Depends(achievement_allowed(Action.VIEW))]
AchievementToEdit = Annotated[Achievement, Depends(achievement_allowed(Action.EDIT_ACHIEVEMENTS))]
AchievementToAward = Annotated[Achievement, Depends(achievement_allowed(Action.AWARD))]
AwardToRevoke = Annotated[Award, Depends(award_allowed(Action.REVOKE))]


# ---- sign-in redirects ---------------------------------------------------------------------


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refused: anything not starting with one ``/`` (``https://evil.example``,
    ``//evil.example``), any backslash (``/\\evil.example``, which browsers read as
    ``//``) and control characters (browsers drop tabs and newlines, so ``/\\t/evil``
    would become ``//evil``).
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return target
    return default


def return_target(request: Request) -> str:
    """Where to come back after signing in: this page, or for a form post the page it is on.

    A POST URL such as ``/wallet/{id}/accept`` has no page of its own; the nearest
    enclosing path that a page answers (``/wallet``) is used, so signing in never lands
    on a "method not allowed".
    """
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    path = request.url.path.rstrip("/")
    while path:
        if _is_page(request, path):
            return path
        path = path.rsplit("/", 1)[0]
    return "/"


def sign_in_redirect(request: Request) -> RedirectResponse:
    """Send a signed-out visitor to the sign-in form, coming back here afterwards."""
    target = safe_next(return_target(request), "/")
    return redirect(f"{SIGN_IN_PATH}?next={quote(target, safe='/')}")


def _is_page(request: Request, path: str) -> bool:
    """Whether the app answers a GET of ``path`` (outside ``/api/``, only pages do)."""
    if is_api_path(path):
        return False
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)
