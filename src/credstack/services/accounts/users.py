"""People's accounts: sign up, sign in, who is acting (``Principal``) and memberships.

Passwords are hashed with scrypt (stdlib ``hashlib.scrypt``) and a per-user random salt;
the stored form names its parameters (``scrypt$n$r$p$salt$hash``) so they can be raised
later without breaking existing accounts. Sign-in failures all carry the same message and
cost the same work (an unknown e-mail is checked against a dummy hash), so the answer never
tells an attacker which e-mail addresses have accounts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.email_address import address_problem
from credstack.core.errors import AuthenticationError, ConflictError, ValidationError
from credstack.core.identity import normalize_email
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.store.models import Member, Organization, Role, User

MIN_PASSWORD_LENGTH = 10
#: longest password accepted, in UTF-8 bytes (checked before hashing)
MAX_PASSWORD_BYTES = 1024
TOO_LONG = f"at most {MAX_PASSWORD_BYTES:,} bytes (UTF-8)"
#: scrypt cost: N=2**14, r=8, p=1 takes ~16 MiB and ~50 ms, OWASP's minimum recommendation
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
SIGN_IN_FAILED = "the e-mail address or the password is not right"


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in user, an API token scoped to one organisation, or the operator.

    ``token_id``/``token_organization_id``/``scopes`` are set only for tokens; a token acts
    for the user who made it (``user_id``), never beyond its scopes or that user's role.

    The *operator* (:meth:`operator`) is whoever runs ``credstack`` on the server, and the
    background loops ``credstack serve`` starts: they already hold the database and the
    master secret, so ``authz.require`` lets them do everything in every organisation.
    Only the CLI and ``credstack.workers`` act as the operator; a web or API request never
    does (its principal comes from a session or a token).

    An *organisation token* (made by the operator, ``credstack token create``) has no
    person behind it (``user_id`` None) and acts for its organisation within its scopes.
    """

    user_id: str | None
    token_id: str | None = None
    token_organization_id: str | None = None
    scopes: frozenset[str] = frozenset()
    is_operator: bool = False

    @classmethod
    def operator(cls) -> Principal:
        """The operator principal of the command line and the server's background loops."""
        return _OPERATOR

    @property
    def is_token(self) -> bool:
        return self.token_id is not None

    @property
    def is_organization_token(self) -> bool:
        """A token with no person behind it: its scopes alone say what it may do."""
        return self.token_id is not None and self.user_id is None

    @property
    def actor(self) -> str:
        """How the audit log names this principal (``user:<id>``, ``token:<id>``, ``cli``)."""
        if self.is_operator:
            return "cli"
        if self.token_id is not None:
            return f"token:{self.token_id}"
        return f"user:{self.user_id}"


_OPERATOR = Principal(user_id=None, is_operator=True)


def normalise_email(email: str) -> str:
    """E-mail addresses are compared lower-cased and without surrounding blanks."""
    return normalize_email(email)


def hash_password(password: str, salt: bytes) -> str:
    """The stored form of ``password`` with ``salt`` (caller supplies the random salt)."""
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def password_matches(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored hash (False if malformed)."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def password_problems(password: str, field: str = "password") -> list[str]:
    """What is wrong with a new password (too short, too long), as ``field: ...`` lines."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"{field}: at least {MIN_PASSWORD_LENGTH} characters (got {len(password)})"]
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return [f"{field}: {TOO_LONG}"]
    return []


def sign_up_problems(address: str, display_name: str, password: str) -> list[str]:
    """Every field of a sign-up that breaks a rule (e-mail, name, password)."""
    problems: list[str] = []
    email_problem = address_problem(address)
    if email_problem is not None:
        problems.append(f"email: {email_problem}")
    if not display_name:
        problems.append("name: must not be empty")
    elif len(display_name) > 200:
        problems.append(f"name: at most 200 characters (got {len(display_name)})")
    return problems + password_problems(password)


def checked_sign_up(*, email: str, name: str, password: str) -> str:
    """The normalised address of a sign-up whose fields pass; ``ValidationError`` lists the rest.

    Checks the fields only (that reveals nothing about accounts), so a door can call it
    before counting the sign-up against a rate limit.
    """
    address = normalise_email(email)
    problems = sign_up_problems(address, name.strip(), password)
    if problems:
        raise ValidationError("the account cannot be created: " + "; ".join(problems), problems)
    return address


def sign_up(session: Session, ctx: ServiceContext, *, email: str, name: str, password: str) -> User:
    """Create an account; ``ValidationError`` lists every bad field, ``ConflictError`` if taken.

    For the operator's and the tests' own use (the demo, a claim by the awarded address):
    the sign-up page goes through ``accounts.registration``, which never says whether an
    address already has an account.
    """
    address = checked_sign_up(email=email, name=name, password=password)
    if user_by_email(session, address) is not None:
        raise ConflictError(
            f"an account with the e-mail address {address} already exists: sign in instead"
        )
    password_hash = new_password_hash(ctx, password)
    return create_account(session, ctx, email=address, name=name, password_hash=password_hash)


def create_account(
    session: Session, ctx: ServiceContext, *, email: str, name: str, password_hash: str
) -> User:
    """Store a new account whose fields were checked and whose address is free."""
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash,
        created_at=ctx.now(),
    )
    session.add(user)
    session.flush()
    audit.record(session, ctx, "user.signed_up", subject_type="user", subject_id=user.id)
    return user


def new_password_hash(ctx: ServiceContext, password: str) -> str:
    """The stored form of a new password, with a fresh random salt."""
    return hash_password(password, ctx.rng.randbytes(_SALT_BYTES))


def sign_in(session: Session, *, email: str, password: str) -> User:
    """The user with these credentials, else ``AuthenticationError`` with one generic message.

    Both failures cost one scrypt check (an unknown address is checked against a dummy
    hash); a password over :data:`MAX_PASSWORD_BYTES` is refused before any lookup or
    hashing, whoever the address belongs to.
    """
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"the password is too long: {TOO_LONG}", [f"password: {TOO_LONG}"])
    user = user_by_email(session, normalise_email(email))
    if user is None or user.password_hash is None:
        # spend the same time as a real check so response time does not reveal accounts
        password_matches(password, _dummy_hash())
        raise AuthenticationError(SIGN_IN_FAILED)
    if not password_matches(password, user.password_hash):
        raise AuthenticationError(SIGN_IN_FAILED)
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this (already normalised) e-mail address, if any."""
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def get_user(session: Session, user_id: str) -> User | None:
    """The account with this id, or None (e.g. deleted since its session was issued)."""
    return session.get(User, user_id)


def membership(session: Session, user_id: str, organization_id: str) -> Member | None:
    """The user's membership of one organisation, if any."""
    return session.scalars(
        select(Member).where(Member.user_id == user_id, Member.organization_id == organization_id)
    ).first()


def memberships(session: Session, user_id: str) -> Sequence[tuple[Organization, Role]]:
    """Every organisation the user belongs to with the role held, by organisation name."""
    rows = session.execute(
        select(Organization, Member.role)
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.user_id == user_id)
        .order_by(Organization.name, Organization.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def members_of(session: Session, organization_id: str) -> Sequence[tuple[User, Role]]:
    """Every member of an organisation with their role, by e-mail address."""
    rows = session.execute(
        select(User, Member.role)
        .join(Member, Member.user_id == User.id)
        .where(Member.organization_id == organization_id)
        .order_by(User.email)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=64 * 1024 * 1024,
        dklen=_HASH_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _dummy_hash() -> str:
    """A real hash, checked when the e-mail is unknown so both failures take as long."""
    return hash_password("credstack-no-such-account", b"\x00" * _SALT_BYTES)
