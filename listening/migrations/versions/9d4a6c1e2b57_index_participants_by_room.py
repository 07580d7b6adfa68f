"""find a room's members by an index: every room snapshot reads their names

Revision ID: 9d4a6c1e2b57
Revises: 7c2e4b1d9a30
Create Date: 2026-11-27 22:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "9d4a6c1e2b57"
down_revision = "7c2e4b1d9a30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.create_index(batch_op.f("ix_participants_room_id"), ["room_id"], unique=False)


def downgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_index(batch_op.f("ix_participants_room_id"))
