"""``credstack keys generate`` and ``credstack sign``: sign a document with a key file.

For people who hold their own keys (or test against Credstack) without an issuer account.
Heavy modules are imported inside the commands so ``credstack --help`` stays instant.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

keys_app = typer.Typer(
    name="keys",
    help="Generate signing keys for `credstack sign`.",
    no_args_is_help=True,
)


class KeyType(StrEnum):
    ED25519 = "Ed25519"
    RSA = "RSA"


class Suite(StrEnum):
    RDFC = "eddsa-rdfc-2022"
    JCS = "eddsa-jcs-2022"
    JWT = "vc-jwt"


@keys_app.command("generate")
def generate_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the private JWK here (mode 0600); else stdout."),
    ] = None,
    key_type: Annotated[
        KeyType, typer.Option("--type", help="Ed25519 (default) or RSA (for RS256 VC-JWT).")
    ] = KeyType.ED25519,
) -> None:
    """Generate a key pair and print or save it as a private JWK."""
    from credstack.core.keys import Ed25519KeyPair, RsaKeyPair

    pair = Ed25519KeyPair.generate() if key_type is KeyType.ED25519 else RsaKeyPair.generate()
    text = json.dumps(pair.private_jwk(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.exists():
        raise typer.BadParameter(f"{out} exists; refusing to overwrite a key", param_hint="--out")
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    typer.echo(f"wrote private key to {out} (mode 0600)", err=True)


def sign_command(
    document: Annotated[
        Path,
        typer.Argument(help="The unsigned credential (JSON), or - for stdin.", show_default=False),
    ],
    key: Annotated[
        Path,
        typer.Option(
            "--key",
            help="Key file: a private JWK, or a Multikey pair with publicKeyMultibase and "
            "secretKeyMultibase.",
            exists=True,
            dir_okay=False,
        ),
    ],
    verification_method: Annotated[
        str,
        typer.Option(
            "--verification-method",
            help="The verification method id verifiers resolve (e.g. did:key:z6Mk…#z6Mk…).",
        ),
    ],
    suite: Annotated[Suite, typer.Option(help="Proof format.")] = Suite.RDFC,
    created: Annotated[
        str | None,
        typer.Option(help="The proof's creation time (ISO 8601); default now."),
    ] = None,
) -> None:
    """Sign a credential and print the signed document (or compact JWT)."""
    import sys
    from datetime import UTC, datetime

    from credstack.core.errors import InputError
    from credstack.core.inputs import parse_credential_json
    from credstack.core.keys import Ed25519KeyPair, load_key_file
    from credstack.core.proofs import sign_data_integrity
    from credstack.core.proofs.vcjwt import sign_vc_jwt
    from credstack.core.timestamps import format_datetime, parse_datetime

    raw = sys.stdin.buffer.read() if str(document) == "-" else _read(document)
    try:
        credential = parse_credential_json(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{document} is not UTF-8 JSON") from exc
    pair = load_key_file(key.read_bytes())
    if suite is Suite.JWT:
        typer.echo(sign_vc_jwt(credential, pair, kid=verification_method))
        return
    if not isinstance(pair, Ed25519KeyPair):
        raise InputError(f"{suite.value} needs an Ed25519 key; {key} holds an RSA key")
    moment = datetime.now(UTC) if created is None else parse_datetime(created)
    if moment is None:
        raise InputError(f"--created {created!r} is not an ISO 8601 date-time")
    signed = sign_data_integrity(
        credential,
        pair,
        verification_method,
        cryptosuite=suite.value,
        created=format_datetime(moment),
    )
    typer.echo(json.dumps(signed, indent=2, ensure_ascii=False))


def _read(path: Path) -> bytes:
    from credstack.core.errors import InputError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def register(app: typer.Typer) -> None:
    """Add ``credstack keys generate`` and ``credstack sign``."""
    app.add_typer(keys_app)
    app.command("sign")(sign_command)
