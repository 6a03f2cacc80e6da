"""conversation: follow-up history, duplicates, the map, suppression, sender checks

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 15:55:54.151006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "map_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("map_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("organisations", sa.JSON(), nullable=True),
        sa.Column("council_codes", sa.JSON(), nullable=True),
        sa.Column("service_areas", sa.JSON(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("map_id"),
    )
    op.create_table(
        "suppressed_address",
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
        ),
        sa.PrimaryKeyConstraint("address"),
    )
    op.create_table(
        "arrangement_fingerprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("map_entry_id", sa.Integer(), nullable=True),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["map_entry_id"],
            ["map_entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("map_entry_id"),
        sa.UniqueConstraint("submission_id"),
    )
    op.create_table(
        "submission_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("submission_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_history_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "arrangement_council_key",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fingerprint_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fingerprint_id"],
            ["arrangement_fingerprint.id"],
        ),
        sa.PrimaryKeyConstraint("code", "area", "fingerprint_id"),
    )
    with op.batch_alter_table("arrangement_council_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_arrangement_council_key_fingerprint_id"),
            ["fingerprint_id"],
            unique=False,
        )

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_message_content_hash"), ["content_hash"], unique=False)

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unverified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_map", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_submission_duplicate_of"), ["duplicate_of"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submission_duplicate_of_map"), ["duplicate_of_map"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_duplicate_of_map"))
        batch_op.drop_index(batch_op.f("ix_submission_duplicate_of"))
        batch_op.drop_column("duplicate_of_map")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("unverified")

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_content_hash"))
        batch_op.drop_column("content_hash")

    with op.batch_alter_table("arrangement_council_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrangement_council_key_fingerprint_id"))

    op.drop_table("arrangement_council_key")
    with op.batch_alter_table("submission_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_history_submission_id"))

    op.drop_table("submission_history")
    op.drop_table("arrangement_fingerprint")
    op.drop_table("suppressed_address")
    op.drop_table("map_entry")
