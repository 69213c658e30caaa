"""Issuer signing keys: creation, the signer used to issue, rotation; what compromise means.

Design §2 makes the two DID methods behave differently, and this module is where that
difference lives:

* **did:web**: keys rotate inside one DID. The old key is *retired*: it stays in the DID
  document for ``assertionMethod``, so every credential it signed keeps verifying. A
  *compromised* key is dropped from the document, so everything it signed fails the
  issuer-key check at once, with no list to maintain.
* **did:key**: the DID *is* the key. Rotating gives the issuer a new DID (credentials
  signed under the old one still verify: a did:key needs no document we could change).
  A compromise cannot be undone in a DID document, so every credential the key signed
  is revoked through its status list instead.

Marking a key compromised is a use case of ``services.revocation.key_compromise``: it
revokes awards, and this module (below revocation) must not import revocation.

Rotating, adding and listing keys take no principal yet: their one door is the CLI (the
operator), and this package may not import ``services.accounts`` while
``accounts.authz.create_organization`` (which the web pages call) builds on
``issuers.profiles``. Once that moves here, these take ``principal=`` like the others.

Private keys are sealed under the master secret (``services.issuers.sealing``) with the key id as
associated data; they are unsealed only to build a :class:`Signer`, never logged or returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.dids import did_key_for
from credstack.core.errors import ConflictError, NotFoundError, ValidationError
from credstack.core.keys import Ed25519KeyPair, RsaKeyPair, SigningKeyPair
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.issuers.organizations import organization_by_slug
from credstack.services.issuers.sealing import seal, unseal
from credstack.store.models import KeyAlgorithm, KeyState, Organization, SigningKey


@dataclass(frozen=True)
class Signer:
    """Everything needed to sign as an issuer: unsealed once, reused for a whole batch.

    ``issuer_id`` is the DID that controls the key, which is what the credential's
    ``issuer.id`` must be for the issuer-key check to pass.
    """

    key_pair: SigningKeyPair
    verification_method: str
    issuer_id: str
    key_id: str
    algorithm: KeyAlgorithm

    def __repr__(self) -> str:  # never print key material
        return f"Signer({self.verification_method}, {self.algorithm.value})"


def verification_method_id(key: SigningKey) -> str:
    """``<did>#<fragment>``: the id a proof names (``did:key:z6Mk…#z6Mk…`` or ``…#key-…``)."""
    return f"{key.controller_did}#{key.id}"


def list_keys(session: Session, slug: str) -> list[SigningKey]:
    """Every key the issuer ever had, oldest first (compromised ones included)."""
    organization = organization_by_slug(session, slug)
    return keys_of(session, organization.id)


def keys_of(session: Session, organization_id: str) -> list[SigningKey]:
    """The keys of an organisation by id, oldest first."""
    query = (
        select(SigningKey)
        .where(SigningKey.organization_id == organization_id)
        .order_by(SigningKey.created_at, SigningKey.id)
    )
    return list(session.scalars(query).all())


def create_ed25519_key(
    session: Session, ctx: ServiceContext, organization: Organization
) -> SigningKey:
    """A new active Ed25519 key for the organisation, its seed sealed at rest.

    Under a did:web the key is a new fragment of the same DID; otherwise the key gets
    its own did:key (the caller decides whether that becomes the issuer's DID).
    """
    pair = Ed25519KeyPair.generate(ctx.rng.randbytes)
    if organization.did is not None and organization.did.startswith("did:web:"):
        key_id = f"key-{ctx.rng.getrandbits(64):016x}"
        controller = organization.did
    else:
        key_id = pair.public_multibase
        controller = did_key_for(pair.public_multibase)
    key = SigningKey(
        id=key_id,
        organization_id=organization.id,
        controller_did=controller,
        algorithm=KeyAlgorithm.ED25519,
        public_multibase=pair.public_multibase,
        public_jwk=pair.public_jwk(),
        encrypted_secret=seal(ctx.master_secret, key_id, pair.seed()),
        state=KeyState.ACTIVE,
        created_at=ctx.now(),
        state_changed_at=ctx.now(),
    )
    session.add(key)
    session.flush()
    record_key_event(session, ctx, "key.created", key)
    return key


def add_rsa_key(
    session: Session, ctx: ServiceContext, slug: str, *, bits: int = 2048
) -> SigningKey:
    """An RSA key for VC-JWT ``RS256`` (OB 3.0's minimum), published as a ``JsonWebKey``.

    Only a did:web issuer can publish one: a did:key names a single Ed25519 key. A
    previous active RSA key is retired, so its tokens keep verifying.
    """
    organization = organization_by_slug(session, slug, lock=True)
    if organization.did is None or not organization.did.startswith("did:web:"):
        raise ValidationError(
            f"issuer {slug} uses {organization.did or 'no DID'}: RSA keys are published in a "
            "did:web document, which needs CREDSTACK_BASE_URL to be https"
        )
    pair = RsaKeyPair.generate(bits)
    key_id = f"rsa-{ctx.rng.getrandbits(64):016x}"
    secret = json.dumps(pair.private_jwk(), sort_keys=True).encode("utf-8")
    _retire_active(session, ctx, organization.id, KeyAlgorithm.RSA)
    key = SigningKey(
        id=key_id,
        organization_id=organization.id,
        controller_did=organization.did,
        algorithm=KeyAlgorithm.RSA,
        public_multibase=None,
        public_jwk=pair.public_jwk(),
        encrypted_secret=seal(ctx.master_secret, key_id, secret),
        state=KeyState.ACTIVE,
        created_at=ctx.now(),
        state_changed_at=ctx.now(),
    )
    session.add(key)
    session.flush()
    record_key_event(session, ctx, "key.created", key)
    return key


def active_signer(
    session: Session,
    ctx: ServiceContext,
    organization_id: str,
    algorithm: KeyAlgorithm = KeyAlgorithm.ED25519,
) -> Signer:
    """The signer of the issuer's active key; call once per batch, it unseals a secret."""
    query = select(SigningKey).where(
        SigningKey.organization_id == organization_id,
        SigningKey.algorithm == algorithm,
        SigningKey.state == KeyState.ACTIVE,
    )
    key = session.scalars(query.order_by(SigningKey.created_at.desc())).first()
    if key is None:
        raise NotFoundError(
            f"the issuer has no active {algorithm.value} key"
            + (" (add one with add_rsa_key)" if algorithm is KeyAlgorithm.RSA else "")
        )
    return _signer(ctx, key)


def signer_for_key(
    session: Session, ctx: ServiceContext, key_id: str, *, allow_compromised: bool = False
) -> Signer:
    """The signer of one key, whatever its state except compromised.

    Retired keys may still sign what belongs to their DID: a did:key issuer that
    rotated keeps signing the status lists of its old credentials with the old DID's key.
    ``allow_compromised`` exists for exactly that case after a did:key compromise, where
    the list must be signed by the old DID to publish the revocations.
    """
    key = session.get(SigningKey, key_id)
    if key is None:
        raise NotFoundError(f"no signing key {key_id!r} (see 'credstack issuer keys SLUG')")
    if key.state is KeyState.COMPROMISED and not allow_compromised:
        raise ConflictError(f"signing key {key_id} is compromised and must not sign")
    return _signer(ctx, key)


def signer_for_did(session: Session, ctx: ServiceContext, organization_id: str, did: str) -> Signer:
    """A signer whose key the DID ``did`` controls: active first, else the newest retired.

    For a did:key issuer that rotated, the old DID's only key is retired (or compromised);
    status lists of credentials issued under that DID must still be signed by it.
    """
    query = select(SigningKey).where(
        SigningKey.organization_id == organization_id,
        SigningKey.controller_did == did,
        SigningKey.algorithm == KeyAlgorithm.ED25519,
    )
    keys = session.scalars(query.order_by(SigningKey.created_at.desc())).all()
    rank = {KeyState.ACTIVE: 0, KeyState.RETIRED: 1, KeyState.COMPROMISED: 2}
    usable = sorted(keys, key=lambda key: rank[key.state])
    if not usable:
        raise NotFoundError(f"no Ed25519 key of this issuer is controlled by {did}")
    chosen = usable[0]
    if chosen.state is KeyState.COMPROMISED and not did.startswith("did:key:"):
        raise ConflictError(f"every key of {did} is compromised; rotate to get a new one")
    return _signer(ctx, chosen)


def rotate_key(session: Session, ctx: ServiceContext, slug: str) -> SigningKey:
    """Retire the active Ed25519 key and make a new one active; returns the new key.

    did:web: same DID, the retired key stays published. did:key: the new key is a new
    DID, which becomes ``Organization.did``; the old DID keeps verifying what it signed.
    """
    organization = organization_by_slug(session, slug, lock=True)
    previous_did = organization.did
    retired = _retire_active(session, ctx, organization.id, KeyAlgorithm.ED25519)
    key = create_ed25519_key(session, ctx, organization)
    if not key.controller_did.startswith("did:web:"):
        organization.did = key.controller_did
    session.flush()
    record_key_event(
        session,
        ctx,
        "key.rotated",
        key,
        retired=[old.id for old in retired],
        previous_did=previous_did,
        did=organization.did,
    )
    return key


def _retire_active(
    session: Session, ctx: ServiceContext, organization_id: str, algorithm: KeyAlgorithm
) -> list[SigningKey]:
    query = select(SigningKey).where(
        SigningKey.organization_id == organization_id,
        SigningKey.algorithm == algorithm,
        SigningKey.state == KeyState.ACTIVE,
    )
    retired = list(session.scalars(query).all())
    for key in retired:
        key.state = KeyState.RETIRED
        key.state_changed_at = ctx.now()
    session.flush()
    return retired


def _signer(ctx: ServiceContext, key: SigningKey) -> Signer:
    secret = unseal(ctx.master_secret, key.id, key.encrypted_secret)
    pair: SigningKeyPair
    if key.algorithm is KeyAlgorithm.ED25519:
        pair = Ed25519KeyPair.from_seed(secret)
    else:
        pair = RsaKeyPair.from_jwk(json.loads(secret))
    return Signer(
        key_pair=pair,
        verification_method=verification_method_id(key),
        issuer_id=key.controller_did,
        key_id=key.id,
        algorithm=key.algorithm,
    )


def record_key_event(
    session: Session, ctx: ServiceContext, kind: str, key: SigningKey, **data: object
) -> None:
    """The audit event of a key change (``key.created``, ``key.rotated``, ``key.compromised``)."""
    audit.record(
        session,
        ctx,
        kind,
        subject_type="signing_key",
        subject_id=key.id,
        organization_id=key.organization_id,
        data={
            "algorithm": key.algorithm.value,
            "state": key.state.value,
            "verification_method": verification_method_id(key),
            **data,
        },
    )
