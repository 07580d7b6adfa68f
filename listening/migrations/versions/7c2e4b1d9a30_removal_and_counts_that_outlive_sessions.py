"""a host may remove someone; counts outlive the sessions they count

Revision ID: 7c2e4b1d9a30
Revises: 3f1c2a9d7e01
Create Date: 2026-11-27 21:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c2e4b1d9a30"
down_revision = "3f1c2a9d7e01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "session_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("spoke", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("away", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_counts")),
    )
    # Sessions that ended before counts were kept get theirs now.
    op.execute(
        """
        INSERT INTO session_counts
            (created_at, started_at, ended_at, people, rooms, spoke, passed, away, skipped)
        SELECT s.created_at, s.started_at, COALESCE(s.ended_at, s.created_at),
            (SELECT count(*) FROM participants p WHERE p.session_id = s.id),
            (SELECT count(*) FROM rooms r WHERE r.session_id = s.id),
            (SELECT count(*) FROM turns t JOIN rooms r ON t.room_id = r.id
                WHERE r.session_id = s.id AND t.outcome = 'spoke'),
            (SELECT count(*) FROM turns t JOIN rooms r ON t.room_id = r.id
                WHERE r.session_id = s.id AND t.outcome = 'passed'),
            (SELECT count(*) FROM turns t JOIN rooms r ON t.room_id = r.id
                WHERE r.session_id = s.id AND t.outcome = 'away'),
            (SELECT count(*) FROM turns t JOIN rooms r ON t.room_id = r.id
                WHERE r.session_id = s.id AND t.outcome = 'skipped')
        FROM sessions s WHERE s.status = 'ended'
        """
    )


def downgrade():
    op.drop_table("session_counts")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("removed_at")
