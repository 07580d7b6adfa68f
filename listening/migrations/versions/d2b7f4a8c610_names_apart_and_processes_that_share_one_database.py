"""names kept apart (never in PostgreSQL's log); processes that share one database: their
heartbeats, the screens each holds, and the ticker's lease

Revision ID: d2b7f4a8c610
Revises: a9d3e5f1c742
Create Date: 2026-11-28 02:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2b7f4a8c610"
down_revision = "a9d3e5f1c742"
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "names",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
        # Never written to PostgreSQL's write-ahead log (models/name.py says why).
        prefixes=["UNLOGGED"] if postgres else [],
    )
    op.create_index("ix_names_session_id", "names", ["session_id"])
    op.execute(
        "INSERT INTO names (participant_id, session_id, name) "
        "SELECT id, session_id, name FROM participants WHERE name IS NOT NULL"
    )
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("name")
    op.create_table(
        "processes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("beat_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "screens",
        sa.Column("process_id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("process_id", "participant_id"),
    )
    op.create_index("ix_screens_participant_id", "screens", ["participant_id"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade():
    op.drop_table("leases")
    op.drop_index("ix_screens_participant_id", table_name="screens")
    op.drop_table("screens")
    op.drop_table("processes")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=60), nullable=True))
    op.execute(
        "UPDATE participants SET name = "
        "(SELECT name FROM names WHERE names.participant_id = participants.id)"
    )
    op.drop_index("ix_names_session_id", table_name="names")
    op.drop_table("names")
