"""voice in the app or the group's own call; each person's sound check

Revision ID: f7a2c81d3b64
Revises: e41b7d2c9f03
Create Date: 2026-11-28 00:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f7a2c81d3b64"
down_revision = "e41b7d2c9f03"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(
            sa.Column("voice", sa.String(length=8), nullable=False, server_default="app")
        )
        batch_op.add_column(sa.Column("call_links", sa.JSON(), nullable=True))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("sound", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("sound")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_column("call_links")
        batch_op.drop_column("voice")
