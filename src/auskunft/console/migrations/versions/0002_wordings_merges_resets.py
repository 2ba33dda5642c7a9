"""curated answers: several wordings; open questions: closed by an answer, merged groups; users: forced
password change

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("console_curated_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wordings", sa.JSON(), nullable=True))
    with op.batch_alter_table("console_done_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("console_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "console_question_merges",
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("into", sa.String(length=500), nullable=False),
        sa.Column("merged_by", sa.String(length=254), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("question"),
    )


def downgrade() -> None:
    op.drop_table("console_question_merges")
    with op.batch_alter_table("console_users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("console_done_questions", schema=None) as batch_op:
        batch_op.drop_column("answer_id")
    with op.batch_alter_table("console_curated_answers", schema=None) as batch_op:
        batch_op.drop_column("wordings")
