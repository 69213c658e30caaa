"""Issuer trust: who vouched for an issuer, imported issuer registries, operator-made tokens.

Existing organisations stay unverified (nothing here vouches for them): the documented
upgrade step is ``credstack issuer verify --all``, by which the operator vouches for the
issuers that were there before. See docs/security.md, "Issuer trust".

Revision ID: 0004_issuer_trust
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004_issuer_trust"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the new, nullable columns of ``organizations``, by name and type
_ORGANIZATION_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("operator_verified_at", sa.DateTime(timezone=True)),
    ("domain_origin", sa.String(length=2048)),
    ("domain_linked_at", sa.DateTime(timezone=True)),
    ("domain_linked_until", sa.DateTime(timezone=True)),
    ("flagged_reason", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        for name, type_ in _ORGANIZATION_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("made_by_operator", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "issuer_registries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=2048), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_registries")),
        sa.UniqueConstraint("name", name=op.f("uq_issuer_registries_name")),
    )
    op.create_table(
        "registry_issuers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("registry_id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["registry_id"],
            ["issuer_registries.id"],
            name=op.f("fk_registry_issuers_registry_id_issuer_registries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_issuers")),
        sa.UniqueConstraint(
            "registry_id", "issuer_id", name=op.f("uq_registry_issuers_registry_id_issuer_id")
        ),
    )
    op.create_index(op.f("ix_registry_issuers_registry_id"), "registry_issuers", ["registry_id"])
    op.create_index(op.f("ix_registry_issuers_issuer_id"), "registry_issuers", ["issuer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_registry_issuers_issuer_id"), table_name="registry_issuers")
    op.drop_index(op.f("ix_registry_issuers_registry_id"), table_name="registry_issuers")
    op.drop_table("registry_issuers")
    op.drop_table("issuer_registries")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("made_by_operator")
    with op.batch_alter_table("organizations") as batch:
        for name, _type in reversed(_ORGANIZATION_COLUMNS):
            batch.drop_column(name)
