"""sessions belong to a host, may be scheduled and repeat; counts say who hosted, who took
part, how long the floor was held, and how heard people felt

Revision ID: e41b7d2c9f03
Revises: c5e8a2f41b90
Create Date: 2026-11-28 00:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e41b7d2c9f03"
down_revision = "c5e8a2f41b90"
branch_labels = None
depends_on = None

REPEAT = sa.Enum(
    "once", "weekly", "monthly", name="repeat", native_enum=False, create_constraint=True, length=16
)


def upgrade():
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("host_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("series", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("starts_local", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("repeat", REPEAT, nullable=False, server_default="once"))
        batch_op.add_column(sa.Column("repeat_ordinal", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sessions_host_account_id_accounts"),
            "accounts",
            ["host_account_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_sessions_host_account_id"), ["host_account_id"])
        batch_op.create_index(batch_op.f("ix_sessions_series"), ["series"])
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(
            sa.Column("took_part", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("answered_heard", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("session_counts") as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("took_part", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("floor_minutes", sa.Float(), nullable=False, server_default="0")
        )
        for answer in ("heard_yes", "heard_somewhat", "heard_not_really"):
            batch_op.add_column(sa.Column(answer, sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key(
            batch_op.f("fk_session_counts_session_id_sessions"),
            "sessions",
            ["session_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_session_counts_host_account_id_accounts"),
            "accounts",
            ["host_account_id"],
            ["id"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_session_counts_session_id"), ["session_id"]
        )
        batch_op.create_index(batch_op.f("ix_session_counts_host_account_id"), ["host_account_id"])
    # Counts written before this knew only who joined: that is the best figure for them.
    op.execute("UPDATE session_counts SET took_part = people")


def downgrade():
    with op.batch_alter_table("session_counts") as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_counts_host_account_id"))
        batch_op.drop_constraint(batch_op.f("uq_session_counts_session_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_session_counts_host_account_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_session_counts_session_id_sessions"), type_="foreignkey"
        )
        for column in (
            "heard_not_really",
            "heard_somewhat",
            "heard_yes",
            "floor_minutes",
            "took_part",
            "host_account_id",
            "session_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("answered_heard")
        batch_op.drop_column("took_part")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_series"))
        batch_op.drop_index(batch_op.f("ix_sessions_host_account_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_sessions_host_account_id_accounts"), type_="foreignkey"
        )
        # The batch copy carries the repeat column's CHECK with it unless it goes first.
        batch_op.drop_constraint(batch_op.f("ck_sessions_repeat"), type_="check")
        for column in (
            "repeat_ordinal",
            "repeat",
            "starts_local",
            "time_zone",
            "starts_at",
            "series",
        ):
            batch_op.drop_column(column)
        batch_op.drop_column("host_account_id")
