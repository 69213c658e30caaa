"""Outbox retries with backoff, given-up messages, and the process that runs a bulk job.

``outbox.next_attempt_at``: a message that failed is not tried again by the delivery
loop before this time (``services.mail.outbox``); NULL means "as soon as possible".
``outbox.gave_up_at``: when delivery gave the message up (an address that is not one,
a permanent refusal, or too many failures). ``bulk_jobs.worker``: the
``host/pid`` of the server process running the job, so a restarted server tells a job
whose process died from one still running elsewhere (``services.issuing.bulk_jobs``).

Revision ID: 0005_retries_and_job_owners
Revises: 0003_sessions
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_retries_and_job_owners"
down_revision: str | Sequence[str] | None = "0003_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.add_column(sa.Column("worker", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.drop_column("worker")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("gave_up_at")
        batch.drop_column("next_attempt_at")
