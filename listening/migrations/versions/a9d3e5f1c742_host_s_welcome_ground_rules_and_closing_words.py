"""the host's welcome words, ground rules, closing words and support links; who left

Revision ID: a9d3e5f1c742
Revises: f7a2c81d3b64
Create Date: 2026-11-28 01:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d3e5f1c742"
down_revision = "f7a2c81d3b64"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("welcome", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ground_rules", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closing_words", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("support_links", sa.JSON(), nullable=True))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("left_at")
    with op.batch_alter_table("sessions") as batch_op:
        for column in ("support_links", "closing_words", "ground_rules", "welcome"):
            batch_op.drop_column(column)
