"""Sessions, rate-limit hits and e-mailed account links, kept in the database.

``user_sessions`` (``services.accounts.sessions``), ``rate_limit_hits``
(``services.rate_limits``), ``pending_sign_ups`` (``services.accounts.registration``)
and ``password_resets`` (``services.accounts.passwords``). Sessions signed before this
revision lived only in the cookie; after the upgrade everyone signs in once more.

Revision ID: 0003_sessions
Revises: 0004_issuer_trust (main's chain: 0002, 0004_issuer_trust, then this)
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sessions"
down_revision: str | Sequence[str] | None = "0004_issuer_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        _at("created_at"),
        _at("last_seen_at"),
        _at("expires_at"),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_index(op.f("ix_user_sessions_expires_at"), "user_sessions", ["expires_at"])

    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        _at("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index(op.f("ix_rate_limit_hits_at"), "rate_limit_hits", ["at"])
    op.create_index(
        "ix_rate_limit_hits_scope_key_hash_at", "rate_limit_hits", ["scope", "key_hash", "at"]
    )

    op.create_table(
        "pending_sign_ups",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=True),
        _at("created_at"),
        _at("expires_at"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_pending_sign_ups")),
    )
    op.create_index(op.f("ix_pending_sign_ups_email"), "pending_sign_ups", ["email"])
    op.create_index(op.f("ix_pending_sign_ups_expires_at"), "pending_sign_ups", ["expires_at"])

    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_password_resets")),
    )
    op.create_index(op.f("ix_password_resets_user_id"), "password_resets", ["user_id"])
    op.create_index(op.f("ix_password_resets_expires_at"), "password_resets", ["expires_at"])


def downgrade() -> None:
    for table, indexes in (
        ("password_resets", ("user_id", "expires_at")),
        ("pending_sign_ups", ("email", "expires_at")),
        ("rate_limit_hits", ("at",)),
        ("user_sessions", ("user_id", "expires_at")),
    ):
        if table == "rate_limit_hits":
            op.drop_index("ix_rate_limit_hits_scope_key_hash_at", table_name=table)
        for column in indexes:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
